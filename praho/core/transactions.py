"""Service transactions: one business action, one transaction, retried when PostgreSQL aborts it.

`@service_transaction` wraps a service (a write operation in an app's services):

- Outside any transaction it runs the service in `transaction.atomic(durable=True)` and, when
  PostgreSQL aborts that transaction for a deadlock (SQLSTATE 40P01) or a serialization failure
  (40001), or SQLite reports its database locked, runs the whole service again, up to ATTEMPTS
  times after a short random pause. Everything the failed attempt wrote was rolled back with it,
  including its on_commit callbacks, so a retry starts from a clean slate.
- Inside a transaction that is already open (a service calling another, a task that groups
  several, a test) it joins that transaction as a savepoint: only the outermost block can retry.
- At the end of the outermost service block, still inside its transaction, it runs the
  callbacks registered with `before_commit`. The audit trail links its events into the hash
  chain there, after every row lock the action took, so the chain's lock is always the last
  lock a transaction takes (docs/decisions/0001).

The lock order every service follows is written down in docs/decisions/0006-locking.md.
"""

from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from django.db import DatabaseError, connection, transaction

logger = logging.getLogger(__name__)

ATTEMPTS = 5
# The pause before attempt n is random in [0, n * PAUSE_STEP) seconds: enough for the
# transaction that won to commit, short enough that a client never notices.
PAUSE_STEP = 0.02
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})  # deadlock_detected, serialization_failure

P = ParamSpec("P")
R = TypeVar("R")


class _State:
    """Per connection (Django connections are per thread): how deep in services, what runs last."""

    def __init__(self) -> None:
        self.depth = 0
        self.before_commit: list[Callable[[], None]] = []


def _state() -> _State:
    state = getattr(connection, "_praho_service_state", None)
    if state is None:
        state = _State()
        connection._praho_service_state = state  # type: ignore[attr-defined]
    return state


def in_service_transaction() -> bool:
    """True inside a @service_transaction block: work registered with before_commit runs at its end."""
    return _state().depth > 0


def before_commit(callback: Callable[[], None]) -> None:
    """Run `callback` at the end of the outermost service block, inside its transaction.

    Only inside a service transaction (see in_service_transaction). A callback registered in a
    savepoint that is rolled back still runs: callbacks look at the database, not at what was
    asked, and must do nothing when there is nothing to do. The same callback registered twice
    runs once.
    """
    state = _state()
    if state.depth == 0:
        raise RuntimeError("before_commit is only available inside a @service_transaction block.")
    if callback not in state.before_commit:
        state.before_commit.append(callback)


def is_retryable(error: BaseException) -> bool:
    """A transaction the database aborted only because of what ran beside it."""
    cause = error.__cause__
    if getattr(cause, "sqlstate", None) in RETRYABLE_SQLSTATES:
        return True
    return connection.vendor == "sqlite" and "database is locked" in str(error)


def service_transaction(func: Callable[P, R]) -> Callable[P, R]:
    """Run `func` as one business action (see the module docstring)."""

    @functools.wraps(func)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        if connection.in_atomic_block:
            return _run_block(func, args, kwargs, durable=False)
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return _run_block(func, args, kwargs, durable=True)
            except DatabaseError as error:
                if attempt == ATTEMPTS or not is_retryable(error):
                    raise
                logger.warning(
                    "%s: transaction aborted (%s), attempt %d of %d; retrying",
                    func.__qualname__,
                    getattr(error.__cause__, "sqlstate", None) or error,
                    attempt,
                    ATTEMPTS,
                )
                time.sleep(random.uniform(0, attempt * PAUSE_STEP))  # noqa: S311 (jitter, not secrecy)
        raise AssertionError("unreachable")  # the loop returns or raises

    return run


def _run_block(func: Callable[..., R], args: Any, kwargs: Any, *, durable: bool) -> R:
    state = _state()
    outermost = state.depth == 0
    state.depth += 1
    try:
        with transaction.atomic(durable=durable):
            result = func(*args, **kwargs)
            if outermost:
                _run_before_commit(state)
        return result
    finally:
        state.depth -= 1
        if outermost:
            state.before_commit.clear()


def _run_before_commit(state: _State) -> None:
    # A callback may register another (none does today); run until none is left.
    while state.before_commit:
        state.before_commit.pop(0)()
