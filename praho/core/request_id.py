"""The request ID and client facts of the request being served.

Kept in context variables so logging and the audit trail can read them from
anywhere (services, signals, tasks) without passing the request around. A Celery
task enqueued while serving a request runs under that request's ID (praho.celery
carries it in the task message's TASK_HEADER); one no request enqueued gets a
fresh one.
"""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TypeGuard

# Honour an incoming X-Request-ID only when it looks like an ID, so a client
# cannot inject log lines or oversized values. Matched with fullmatch(): "$"
# would also accept a trailing newline.
_WELL_FORMED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    ip_address: str | None = None
    user_agent: str = ""


# The task message header that carries the request ID of the request that enqueued the task.
TASK_HEADER = "praho_request_id"

_current: ContextVar[RequestContext] = ContextVar("praho_request", default=RequestContext())  # noqa: B039 - frozen dataclass


def new_request_id() -> str:
    return uuid.uuid4().hex


def accept_request_id(incoming: str | None) -> str:
    """The incoming ID when well-formed, otherwise a fresh one."""
    if well_formed(incoming):
        return incoming
    return new_request_id()


def current() -> RequestContext:
    return _current.get()


def well_formed(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and _WELL_FORMED.fullmatch(value) is not None


def activate(context: RequestContext) -> object:
    return _current.set(context)


def deactivate(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]


class RequestIDLogFilter(logging.Filter):
    """Adds `request_id` to every record ("-" outside a request).

    Django logs 4xx and 5xx responses ("Not Found: /x") after the whole
    middleware chain has returned, when the context is already reset; those
    records carry the request itself, which RequestIDMiddleware has labelled.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = (
            _current.get().request_id or getattr(getattr(record, "request", None), "request_id", "") or "-"
        )
        return True
