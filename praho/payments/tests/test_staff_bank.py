"""Staff bank pages (/staff/payments/bank/): importing a statement, the review queue with a
fixed number of queries, and a transfer's page: confirm, split, book as credit, ignore; who may."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from praho.billing import ledger_queries
from praho.payments.models import BankTransaction, TransactionStatus
from praho.payments.services.bank_import import import_statement
from praho.payments.tests.bank_steps import issued, statement

D = Decimal
pytestmark = pytest.mark.django_db
BANK = "/staff/payments/bank/"
QUEUE = f"{BANK}transfers/"


@pytest.fixture
def billing(staff_client, bill_billing):
    return staff_client(bill_billing)


@pytest.fixture
def invoices(billing_ready, bill_billing, carol_customer):
    return [issued(bill_billing, carol_customer, "invoice") for _ in range(2)]


def transfer(actor, amount, remittance="", reference="R"):
    import_statement(
        actor=actor, data=statement({"amount": amount, "remittance": remittance, "reference": reference})
    )
    return BankTransaction.objects.latest("pk")


def test_importing_a_statement_from_the_page(billing, invoices, django_capture_on_commit_callbacks):
    data = statement(
        {"amount": "121.00", "remittance": invoices[0].number, "reference": "A"},
        {"amount": "9.00", "remittance": "?", "reference": "B"},
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = billing.post(BANK, {"file": SimpleUploadedFile("s.xml", data)}, follow=True)
    page = response.content.decode()
    assert "2 new transfers: 1 matched, 1 without a match." in page
    assert ledger_queries.document_outstanding(invoices[0]) == D("0.00")  # booked by itself
    again = billing.post(BANK, {"file": SimpleUploadedFile("s.xml", data)}, follow=True)
    assert "This statement was imported before; nothing was added." in again.content.decode()
    bad = billing.post(BANK, {"file": SimpleUploadedFile("s.txt", b"hello")})
    assert "The file is neither a CAMT.053 statement nor an MT940 one." in bad.content.decode()


@pytest.mark.parametrize("count", [1, 6])
def test_the_queue_runs_a_fixed_number_of_queries(
    billing, bill_billing, invoices, count, django_assert_num_queries
):
    entries = [
        {"amount": "100.00", "remittance": invoices[n % 2].number, "reference": f"R{n}"} for n in range(count)
    ]
    import_statement(actor=bill_billing, data=statement(*entries))
    # 1 session, 2 user, 3 authenticators, 4 user permissions, 5 group permissions, 6 count, 7 the page
    with django_assert_num_queries(7):
        response = billing.get(QUEUE)
    assert len(response.context["transactions"]) == count


def test_confirm_split_credit_and_ignore(billing, bill_billing, invoices, carol_customer):
    proposed = transfer(bill_billing, "100.00", invoices[0].number, "P")
    page = billing.get(f"{QUEUE}{proposed.pk}/").content.decode()
    assert f"Book it all on {invoices[0].number}" in page
    billing.post(f"{QUEUE}{proposed.pk}/confirm/")
    assert ledger_queries.document_outstanding(invoices[0]) == D("21.00")

    whole = transfer(bill_billing, "150.00", "", "S")
    response = billing.post(
        f"{QUEUE}{whole.pk}/split/",
        {
            "document_1": invoices[0].number.lower(),
            "amount_1": "21.00",
            "document_2": invoices[1].number,
            "amount_2": "121.00",
        },
        follow=True,
    )
    assert "Booked." in response.content.decode()
    assert ledger_queries.customer_credit_available(carol_customer, "RON") == D("8.00")

    credit = transfer(bill_billing, "10.00", "", "C")
    billing.post(f"{QUEUE}{credit.pk}/credit/", {"customer": carol_customer.pk})
    assert ledger_queries.customer_credit_available(carol_customer, "RON") == D("18.00")

    interest = transfer(bill_billing, "0.42", "Dobanda", "I")
    billing.post(f"{QUEUE}{interest.pk}/ignore/", {"note": "Bank interest"})
    statuses = dict(BankTransaction.objects.values_list("entry_key", "status"))
    assert set(statuses.values()) == {TransactionStatus.BOOKED, TransactionStatus.IGNORED}


def test_a_split_with_a_wrong_number_or_too_much_names_the_row(billing, bill_billing, invoices):
    tx = transfer(bill_billing, "50.00")
    response = billing.post(f"{QUEUE}{tx.pk}/split/", {"document_1": "NOPE-1", "amount_1": "10.00"})
    assert response.status_code == 400
    assert "No document has the number NOPE-1." in response.content.decode()
    response = billing.post(f"{QUEUE}{tx.pk}/split/", {"document_1": invoices[0].number, "amount_1": "60.00"})
    assert "The parts add up to 60.00 RON, more than the transfer&#x27;s 50.00." in response.content.decode()
    tx.refresh_from_db()
    assert tx.status == TransactionStatus.UNMATCHED


def test_who_may(staff_client, sue_support, sam_sales, bill_billing, invoices):
    tx = transfer(bill_billing, "50.00")
    support = staff_client(sue_support)
    assert support.get(QUEUE).status_code == 200
    assert support.get(f"{QUEUE}{tx.pk}/").status_code == 200
    assert "/confirm/" not in support.get(f"{QUEUE}{tx.pk}/").content.decode()
    assert support.post(f"{QUEUE}{tx.pk}/ignore/", {"note": "x"}).status_code == 403
    assert support.post(BANK, {}).status_code == 403
    assert staff_client(sam_sales).get(QUEUE).status_code == 403
    assert staff_client(sue_support).get(f"{QUEUE}999999/").status_code == 404
    tx.refresh_from_db()
    assert tx.status == TransactionStatus.UNMATCHED
