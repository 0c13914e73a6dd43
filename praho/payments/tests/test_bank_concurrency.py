"""Booking is once, whoever clicks: staff confirming the same transfer at once (and the worker
booking exact matches beside them) make one booking and one payment per transfer. PostgreSQL only:
row locks cannot be observed on SQLite, which has one writer at a time anyway."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from praho.billing import ledger_queries
from praho.billing.models import Payment
from praho.payments.models import BankTransaction, TransactionStatus
from praho.payments.services.bank_booking import book_exact_matches, confirm
from praho.payments.services.bank_import import import_statement
from praho.payments.tests.bank_steps import issued, statement

CLICKS = 4


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_confirming_the_same_transfers_at_once_books_each_once(
    billing_ready, bill_billing, carol_customer, settings
):
    if connection.vendor != "postgresql":
        pytest.skip("select_for_update is a no-op on SQLite; run with DATABASE_URL=postgres://...")
    settings.PAYMENTS_AUTO_BOOK_EXACT = False
    invoices = [issued(bill_billing, carol_customer, "invoice") for _ in range(3)]
    entries = [
        {"amount": "121.00", "remittance": doc.number, "reference": f"R{n}"} for n, doc in enumerate(invoices)
    ]
    imported = import_statement(actor=bill_billing, data=statement(*entries))
    ids = list(BankTransaction.objects.values_list("pk", flat=True))
    outcomes: list[str] = []

    def click(pk: int, start: threading.Barrier) -> None:
        try:
            start.wait(10)
            confirm(actor=bill_billing, transaction_id=pk)
            outcomes.append("booked")
        except ValidationError as refused:
            outcomes.append(refused.message_dict["transaction"][0])
        finally:
            connection.close()

    def worker(start: threading.Barrier) -> None:
        try:
            start.wait(10)
            outcomes.append(f"worker {book_exact_matches(imported.statement.pk)}")
        finally:
            connection.close()

    start = threading.Barrier(CLICKS * len(ids) + 1)
    threads = [threading.Thread(target=click, args=(pk, start)) for pk in ids for _ in range(CLICKS)]
    threads.append(threading.Thread(target=worker, args=(start,)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    booked_by_clicks = outcomes.count("booked")
    booked_by_worker = int(next(o for o in outcomes if o.startswith("worker")).split()[1])
    assert booked_by_clicks + booked_by_worker == len(ids)
    assert outcomes.count("This transfer is booked already.") == CLICKS * len(ids) - booked_by_clicks
    assert Payment.objects.count() == len(ids)
    assert set(BankTransaction.objects.values_list("status", "note")) == {(TransactionStatus.BOOKED, "")}
    assert [ledger_queries.document_outstanding(doc) for doc in invoices] == [Decimal("0.00")] * len(ids)
