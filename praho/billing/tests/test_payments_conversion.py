"""Overpayments applied automatically (BILLING_AUTO_APPLY_CREDIT) and a payment on a proforma
converting it. Split from test_payments.py, whose helpers it uses.
"""

from datetime import date

import pytest
import time_machine
from django.core.exceptions import ValidationError

from praho.audit.models import AuditEvent
from praho.billing import ledger_queries
from praho.billing.ledger_queries import Balance, PaymentStatus
from praho.billing.models import (
    Document,
    DocumentSeries,
    DocumentType,
    LedgerTransaction,
    Payment,
    SeriesCounter,
)
from praho.billing.services.corrections import cancel_proforma, convert_proforma
from praho.billing.services.drafts import create_document
from praho.billing.services.issuing import issue_document
from praho.billing.tests.factories import issued_invoice
from praho.billing.tests.test_payments import (
    TODAY,
    D,
    ledger_rows,
    pay,
)

# Applying overpayments automatically (BILLING_AUTO_APPLY_CREDIT)


def test_by_default_an_overpayment_waits_for_staff(carol_customer, bill_billing):
    other = issued_invoice(carol_customer)

    pay(bill_billing, issued_invoice(carol_customer), D("150.00"))

    assert ledger_queries.document_outstanding(other) == D("121.00")
    assert ledger_queries.customer_credit_available(carol_customer, "RON") == D("29.00")


def test_when_enabled_an_overpayment_pays_the_oldest_due_invoices_first(
    carol_customer, dave_customer, bill_billing, settings
):
    settings.BILLING_AUTO_APPLY_CREDIT = True
    later = issued_invoice(carol_customer, due_date=date(2026, 3, 20))
    oldest = issued_invoice(carol_customer, due_date=date(2026, 2, 1))
    middle = issued_invoice(carol_customer, due_date=date(2026, 3, 1))
    euro = issued_invoice(carol_customer, currency="EUR", due_date=date(2026, 1, 1))
    daves = issued_invoice(dave_customer, due_date=date(2026, 1, 1))
    paid = issued_invoice(carol_customer, due_date=date(2026, 4, 1))

    payment = pay(bill_billing, paid, D("321.00"))  # 200.00 over: 121.00 + 79.00

    assert [ledger_queries.document_outstanding(i) for i in (paid, oldest, middle, later, euro, daves)] == [
        D("0.00"),
        D("0.00"),
        D("42.00"),
        D("121.00"),
        D("121.00"),
        D("121.00"),
    ]
    assert ledger_queries.customer_credit_available(carol_customer, "RON") == D("0.00")
    applied = AuditEvent.objects.filter(action="billing.credit_applied").order_by("id")
    assert [(e.object_id, e.data["amount"], e.data["automatic"], e.data["payment_id"]) for e in applied] == [
        (str(oldest.pk), "121.00", True, payment.pk),
        (str(middle.pk), "79.00", True, payment.pk),
    ]
    assert list(
        LedgerTransaction.objects.filter(kind="credit_applied").values_list("occurred_on", flat=True)
    ) == [date(2026, 2, 10), date(2026, 2, 10)]


def test_when_enabled_an_overpayment_with_nothing_else_open_stays_credit(
    carol_customer, bill_billing, settings
):
    settings.BILLING_AUTO_APPLY_CREDIT = True

    pay(bill_billing, issued_invoice(carol_customer), D("150.00"))

    assert ledger_queries.customer_credit_available(carol_customer, "RON") == D("29.00")
    assert AuditEvent.objects.filter(action="billing.credit_applied").count() == 0


# A payment on a proforma converts it into an invoice (BILLING_CONVERT_PAID_PROFORMAS, on by default)

HOSTING = {"description": "Web hosting Business", "quantity": "1", "unit_code": "MON", "unit_price": "100.00"}


def issued_proforma(actor, customer, **values):
    draft = create_document(
        actor=actor,
        document_type="proforma",
        customer=customer,
        lines=[HOSTING],
        **({"issue_date": date(2026, 2, 20)} | values),
    )
    return issue_document(actor=actor, document=draft)


@pytest.fixture
def proforma(billing_ready, bill_billing, carol_customer):
    """An issued proforma of 121.00 RON from 2026-02-20; today is 2026-03-02."""
    with time_machine.travel(TODAY, tick=False):
        yield issued_proforma(bill_billing, carol_customer)


def invoices():
    return Document.objects.filter(document_type=DocumentType.INVOICE)


def assert_nothing_saved(proforma, status="issued"):
    """No invoice issued, no invoice number taken, no payment, no ledger movement, no event."""
    proforma.refresh_from_db()
    assert proforma.status == status
    assert not invoices().exists()
    assert not SeriesCounter.objects.filter(series__code="PRH").exists()
    assert ledger_rows() == (0, 0, 0)
    assert not AuditEvent.objects.filter(
        action__in=["billing.proforma_converted", "billing.invoice_issued", "billing.payment_recorded"]
    ).exists()


def refusal_of(call):
    with pytest.raises(ValidationError) as refusal:
        call()
    return refusal.value


def test_a_payment_on_a_proforma_converts_it_into_an_invoice_issued_today_and_pays_it(
    proforma, bill_billing, carol_customer
):
    payment = pay(bill_billing, proforma, D("121.00"), received_on=date(2026, 2, 27))

    invoice = payment.document
    proforma.refresh_from_db()
    assert proforma.status == "converted"
    assert (invoice.document_type, invoice.status, invoice.number, invoice.converted_from) == (
        "invoice",
        "issued",
        "PRH-2026-000001",
        proforma,
    )
    # Issued the day the payment is recorded, not back-dated to the day it was received.
    assert (invoice.issue_date, invoice.customer, invoice.currency, invoice.total) == (
        date(2026, 3, 2),
        carol_customer,
        "RON",
        D("121.00"),
    )
    lines = ("description", "quantity", "unit_code", "unit_price", "vat_category", "vat_rate", "net_amount")
    assert list(invoice.lines.values_list(*lines)) == list(proforma.lines.values_list(*lines))
    assert (payment.customer, payment.amount, payment.received_on, payment.recorded_by) == (
        carol_customer,
        D("121.00"),
        date(2026, 2, 27),
        bill_billing,
    )
    assert ledger_queries.payment_status(invoice) == PaymentStatus.PAID
    assert ledger_queries.customer_balance(carol_customer) == {
        "RON": Balance(receivable=D("0.00"), credit=D("0.00"), overdue=D("0.00"))
    }
    events = AuditEvent.objects.filter(action__startswith="billing.").exclude(
        action__in=["billing.proforma_drafted", "billing.proforma_issued"]
    )
    assert list(events.order_by("id").values_list("action", flat=True)) == [
        "billing.proforma_converted",
        "billing.invoice_issued",
        "billing.payment_recorded",
    ]
    recorded = events.get(action="billing.payment_recorded").data
    assert (recorded["invoice"], recorded["invoice_id"], recorded["proforma"], recorded["proforma_id"]) == (
        "PRH-2026-000001",
        invoice.pk,
        proforma.number,
        proforma.pk,
    )


def test_a_partial_payment_converts_the_whole_proforma_and_the_next_instalment_pays_its_invoice(
    proforma, bill_billing
):
    first = pay(bill_billing, proforma, D("50.00"))
    assert ledger_queries.payment_status(first.document) == PaymentStatus.PARTIALLY_PAID

    # The caller still holds the proforma as it was before it was converted.
    second = pay(bill_billing, proforma, D("71.00"), reference="OP 124")

    assert second.document == first.document
    assert invoices().count() == 1
    assert ledger_queries.payment_status(first.document) == PaymentStatus.PAID
    assert AuditEvent.objects.filter(action="billing.proforma_converted").count() == 1
    assert "proforma" in AuditEvent.objects.filter(action="billing.payment_recorded").last().data


def test_a_proforma_converted_by_staff_is_paid_through_its_invoice(proforma, bill_billing):
    invoice = convert_proforma(actor=bill_billing, proforma=proforma)

    payment = pay(bill_billing, proforma, D("121.00"))

    assert payment.document == invoice
    assert invoices().count() == 1
    assert ledger_queries.payment_status(invoice) == PaymentStatus.PAID


def test_an_overpaid_proforma_leaves_customer_credit(proforma, bill_billing, carol_customer):
    pay(bill_billing, proforma, D("150.00"))

    assert ledger_queries.customer_credit_available(carol_customer, "RON") == D("29.00")


def test_with_conversion_off_a_payment_on_a_proforma_is_refused_and_nothing_is_saved(
    proforma, bill_billing, settings
):
    settings.BILLING_CONVERT_PAID_PROFORMAS = False

    refusal = refusal_of(lambda: pay(bill_billing, proforma, D("121.00")))

    assert refusal.message_dict == {
        "invoice": [
            f"Payments are recorded on invoices: convert proforma {proforma.number} into an invoice first."
        ]
    }
    assert refusal.error_dict["invoice"][0].code == "convert_first"
    assert_nothing_saved(proforma)


def test_with_conversion_off_a_converted_proforma_names_the_invoice_to_pay(proforma, bill_billing, settings):
    settings.BILLING_CONVERT_PAID_PROFORMAS = False
    invoice = convert_proforma(actor=bill_billing, proforma=proforma)
    proforma.refresh_from_db()

    refusal = refusal_of(lambda: pay(bill_billing, proforma, D("121.00")))

    assert refusal.message_dict == {
        "invoice": [
            f"Proforma {proforma.number} was converted into invoice {invoice.number}; "
            "record the payment on it."
        ]
    }
    assert refusal.error_dict["invoice"][0].code == "proforma_converted"
    assert Payment.objects.count() == 0


def test_a_cancelled_proforma_cannot_be_paid_and_nothing_is_saved(proforma, bill_billing):
    cancel_proforma(actor=bill_billing, proforma=proforma)
    proforma.refresh_from_db()

    refusal = refusal_of(lambda: pay(bill_billing, proforma, D("121.00")))

    assert refusal.message_dict == {
        "invoice": [
            f"Proforma {proforma.number} was cancelled and cannot be paid; "
            "issue a new proforma or an invoice."
        ]
    }
    assert refusal.error_dict["invoice"][0].code == "proforma_cancelled"
    assert_nothing_saved(proforma, status="cancelled")


def test_a_proforma_cancelled_meanwhile_is_refused_when_the_payment_is_saved(proforma, bill_billing):
    cancel_proforma(actor=bill_billing, proforma=Document.objects.get(pk=proforma.pk))

    refusal = refusal_of(lambda: pay(bill_billing, proforma, D("121.00")))  # still "issued" in memory

    assert refusal.error_dict["invoice"][0].code == "proforma_cancelled"
    assert_nothing_saved(proforma, status="cancelled")


def test_a_draft_proforma_cannot_be_paid(billing_ready, bill_billing, carol_customer):
    with time_machine.travel(TODAY, tick=False):
        draft = create_document(
            actor=bill_billing, document_type="proforma", customer=carol_customer, lines=[HOSTING]
        )

        refusal = refusal_of(lambda: pay(bill_billing, draft, D("121.00")))

    assert refusal.message_dict == {"invoice": ["Issue the proforma before recording a payment."]}
    assert_nothing_saved(draft, status="draft")


@pytest.mark.parametrize(
    ("field", "overrides", "code"),
    [
        ("currency", {"currency": "EUR"}, "currency_mismatch"),
        ("amount", {"amount": D("0.00")}, "not_positive"),
        ("received_on", {"received_on": date(2026, 3, 3)}, "future"),
        ("method", {"method": "cheque"}, "invalid_method"),
    ],
)
def test_a_refused_payment_on_a_proforma_converts_nothing_and_takes_no_number(
    proforma, bill_billing, field, overrides, code
):
    refusal = refusal_of(lambda: pay(bill_billing, proforma, **({"amount": D("121.00")} | overrides)))

    assert [(name, [e.code for e in errors]) for name, errors in refusal.error_dict.items()] == [
        (field, [code])
    ]
    assert_nothing_saved(proforma)
    # The number the refused payment did not take is the next invoice's.
    assert pay(bill_billing, proforma, D("121.00")).document.number == "PRH-2026-000001"


def test_a_failure_while_converting_rolls_everything_back(proforma, bill_billing):
    DocumentSeries.objects.filter(code="PRH").update(is_default=False)  # no series to number invoices

    refusal = refusal_of(lambda: pay(bill_billing, proforma, D("121.00")))

    assert refusal.error_dict["series"][0].code == "no_default_series"
    assert_nothing_saved(proforma)


def test_the_same_gateway_payment_reported_twice_for_a_proforma_converts_once_and_records_once(proforma):
    first = pay(None, proforma, D("121.00"), method="card", external_id="pi_3Qx")
    again = pay(None, proforma, D("121.00"), method="card", external_id="pi_3Qx")

    assert again == first
    assert again.document == first.document
    assert invoices().count() == 1
    assert ledger_rows() == (1, 2, 5)  # the invoice's posting and the payment's
    assert AuditEvent.objects.filter(action="billing.proforma_converted").count() == 1
    assert AuditEvent.objects.filter(action="billing.payment_recorded").count() == 1


def test_a_gateway_payment_reported_again_for_another_proforma_is_refused_before_converting_it(
    proforma, bill_billing, carol_customer
):
    pay(None, proforma, D("121.00"), method="card", external_id="pi_3Qx")
    with time_machine.travel(TODAY, tick=False):
        other = issued_proforma(bill_billing, carol_customer)

        refusal = refusal_of(lambda: pay(None, other, D("121.00"), method="card", external_id="pi_3Qx"))

    assert refusal.error_dict["external_id"][0].code == "external_id_reused"
    other.refresh_from_db()
    assert other.status == "issued"
    assert invoices().count() == 1
    assert SeriesCounter.objects.get(series__code="PRH").last_number == 1
