"""The rules billing's code keeps, checked over the code itself (issue 12, item 3).

- Every money action (issue, issue in a batch, record a payment, apply credit, credit note,
  convert or cancel a proforma) is a @service_transaction: one durable transaction when it is
  the outermost, retried on a deadlock, with the audit chain linked last.
- Services are called with keyword arguments only.
- Row locks are taken in praho.billing.locks only, where their order is written down.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction

from praho.billing.services import corrections, drafts, issuing, issuing_batch, payments
from praho.core import transactions

BILLING = Path(__file__).resolve().parent.parent

MONEY_ACTIONS = [
    issuing.issue_document,
    issuing_batch.issue_documents,
    payments.record_payment,
    payments.apply_customer_credit,
    corrections.credit_note,
    corrections.convert_proforma,
    corrections.cancel_proforma,
]
SERVICES = [*MONEY_ACTIONS, drafts.create_document, drafts.update_draft]


def _is_service_transaction(function: Callable[..., Any]) -> bool:
    """Wrapped by praho.core.transactions.service_transaction (its `run`)."""
    code = function.__code__
    return code.co_name == "run" and Path(code.co_filename) == Path(transactions.__file__)


@pytest.mark.parametrize("action", MONEY_ACTIONS, ids=lambda action: action.__qualname__)
def test_every_money_action_is_a_service_transaction(action):
    assert _is_service_transaction(action)


@pytest.mark.parametrize("service", SERVICES, ids=lambda service: service.__qualname__)
def test_services_take_keyword_arguments_only(service):
    parameters = inspect.signature(inspect.unwrap(service)).parameters.values()

    keyword = (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.VAR_KEYWORD)
    assert [p.name for p in parameters if p.kind not in keyword] == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_service_transaction_is_durable_when_outermost():
    """What the money actions run in: a durable block when nothing is open (it refuses to be
    nested by mistake), a savepoint inside an open transaction."""
    seen: list[tuple[bool, bool]] = []

    @transactions.service_transaction
    def action() -> None:
        block = connection.atomic_blocks[-1]
        seen.append((block.durable, len(connection.atomic_blocks) == 1))

    action()
    with transaction.atomic():
        action()

    assert seen == [(True, True), (False, False)]


def test_row_locks_are_taken_in_locks_py_only():
    found = []
    for path in sorted(BILLING.rglob("*.py")):
        if "tests" in path.parts or path.name == "locks.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr == "select_for_update":
                found.append(f"{path.relative_to(BILLING)}:{node.lineno}")

    assert found == []
