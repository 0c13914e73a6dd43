"""A billing clerk imports a bank statement in a browser: the exact match is booked by itself, the
transfer naming a proforma for another amount waits in the review queue, and one click books it;
a transfer nobody can place is booked as a customer's credit through the customer picker."""

from __future__ import annotations

import pytest

from praho.billing import ledger_queries
from praho.e2e.steps import log_in, submit
from praho.payments.models import BankTransaction, TransactionStatus
from praho.payments.tests.bank_steps import issued, statement

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("billing_ready"),
]


def test_a_clerk_imports_a_statement_and_books_what_waits(web, bill_billing, carol_customer, tmp_path):
    paid, partly = (issued(bill_billing, carol_customer, "invoice") for _ in range(2))
    file = tmp_path / "extras.xml"
    file.write_bytes(
        statement(
            {"amount": "121.00", "remittance": f"factura {paid.number}", "reference": "A"},
            {"amount": "100.00", "remittance": partly.number.lower(), "reference": "B"},
            {"amount": "15.00", "remittance": "avans", "reference": "C"},
        )
    )
    log_in(web, bill_billing)
    page = web.page
    web.go("/staff/payments/bank/")
    page.set_input_files("#id_file", str(file))
    submit(web, "form[enctype='multipart/form-data']", "Import")

    assert "3 new transfers: 2 matched, 1 without a match." in page.locator("main").inner_text()
    assert ledger_queries.document_outstanding(paid).is_zero()

    to_review = BankTransaction.objects.get(entry_key__endswith="B")
    web.go(f"/staff/payments/bank/transfers/{to_review.pk}/")
    submit(web, "form[action$='/confirm/']", f"Book it all on {partly.number}")
    assert f"Booked on {partly.number}" in page.locator("main").inner_text()
    assert str(ledger_queries.document_outstanding(partly)) == "21.00"

    advance = BankTransaction.objects.get(entry_key__endswith="C")
    web.go(f"/staff/payments/bank/transfers/{advance.pk}/")
    page.fill("#id_customer_q", carol_customer.name[:6])
    page.get_by_label(carol_customer.name).check()
    submit(web, "form[action$='/credit/']", "Book as credit")
    assert f"Booked as {carol_customer.name}'s credit." in page.locator("main").inner_text()
    assert str(ledger_queries.customer_credit_available(carol_customer, "RON")) == "15.00"
    assert set(BankTransaction.objects.values_list("status", flat=True)) == {TransactionStatus.BOOKED}
    assert not web.errors
