"""Payments' demo (`manage.py demo`): a bank statement built from billing's demo documents — one
transfer booked by itself, one waiting for review, one unmatched; running the demo again adds nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from praho.billing.demo import NOTE
from praho.billing.models import Document
from praho.payments.models import BankStatement, BankTransaction, TransactionStatus

pytestmark = pytest.mark.django_db


def _demo(capture) -> str:
    out = StringIO()
    with capture(execute=True):
        call_command("demo", stdout=out)
    return out.getvalue()


def test_the_demo_statement_shows_each_outcome_once(django_capture_on_commit_callbacks):
    text = _demo(django_capture_on_commit_callbacks)
    assert "Payments: a demo bank statement with 3 transfers (2 matched, 1 unmatched" in text
    statuses = dict(BankTransaction.objects.values_list("bank_reference", "status"))
    assert statuses == {
        "DEMO-1": TransactionStatus.BOOKED,
        "DEMO-2": TransactionStatus.PROPOSED,
        "DEMO-3": TransactionStatus.UNMATCHED,
    }
    overdue = Document.objects.get(notes=f"{NOTE} Romanian company, overdue invoice")
    assert overdue.outstanding_amount == 0

    again = _demo(django_capture_on_commit_callbacks)
    assert "the demo bank statement is there already" in again
    assert (BankStatement.objects.count(), BankTransaction.objects.count()) == (1, 3)
