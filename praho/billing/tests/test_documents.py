import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from praho.audit.models import AuditEvent
from praho.billing.models import Document, DocumentLine
from praho.billing.services.corrections import cancel_proforma, convert_proforma, credit_note
from praho.billing.services.drafts import create_document, update_draft
from praho.billing.services.issuing import issue_document
from praho.customers.services.customers import create_customer

D = Decimal
HOSTING = {"description": "Web hosting Business", "quantity": "12", "unit_code": "MON", "unit_price": "49.99"}
DOMAIN = {"description": "Domain example.ro", "quantity": "1", "unit_code": "ANN", "unit_price": "45.00"}


@pytest.fixture
def frozen_day():
    with time_machine.travel(datetime.datetime(2026, 3, 10, 10, tzinfo=datetime.UTC), tick=False):
        yield datetime.date(2026, 3, 10)


def _errors(call, **kwargs):
    with pytest.raises(ValidationError) as failure:
        call(**kwargs)
    return failure.value.message_dict


def test_a_draft_invoice_gets_romanian_vat_due_date_from_payment_terms_and_sums(
    billing_ready, frozen_day, bill_billing, carol_customer
):
    invoice = create_document(
        actor=bill_billing, document_type="invoice", customer=carol_customer, lines=[HOSTING, DOMAIN]
    )

    assert (invoice.status, invoice.number, invoice.currency) == ("draft", "", "RON")
    assert (invoice.issue_date, invoice.due_date) == (frozen_day, datetime.date(2026, 3, 24))
    assert [(line.net_amount, line.vat_category, line.vat_rate) for line in invoice.lines.all()] == [
        (D("599.88"), "S", D("21.00")),
        (D("45.00"), "S", D("21.00")),
    ]
    assert (invoice.net_total, invoice.vat_total, invoice.total) == (D("644.88"), D("135.42"), D("780.30"))
    assert AuditEvent.objects.filter(action="billing.invoice_drafted").count() == 1


def test_issuing_numbers_snapshots_and_freezes_the_invoice(
    billing_ready, frozen_day, bill_billing, carol_customer
):
    invoice = create_document(
        actor=bill_billing, document_type="invoice", customer=carol_customer, lines=[HOSTING]
    )

    issued = issue_document(actor=bill_billing, document=invoice)

    assert (
        issued.status,
        issued.series.code,
        issued.number,
        issued.seller,
        issued.customer_profile.version,
    ) == (
        "issued",
        "PRH",
        "PRH-2026-000001",
        billing_ready,
        1,
    )
    assert issued.buyer == {
        "kind": "company",
        "name": "Carol Hosting SRL",
        "tax_id": "RO18547290",
        "trade_register_number": "",
        "email": "",
        "street": "Str. Lungă 10",
        "city": "Cluj-Napoca",
        "county": "RO-CJ",
        "postal_code": "",
        "country": "RO",
    }
    issued.total = D("1.00")
    with pytest.raises(ValidationError):
        issued.save()
    with pytest.raises(ValidationError):
        Document.objects.filter(pk=issued.pk).update(total=D("1.00"))
    with pytest.raises(ValidationError):
        DocumentLine.objects.filter(document=issued).update(quantity=D("1"))
    with pytest.raises(ValidationError):
        issued.delete()
    assert Document.objects.get(pk=issued.pk).total == D("725.85")


def test_issuing_twice_and_editing_an_issued_invoice_are_refused(
    billing_ready, frozen_day, bill_billing, carol_customer
):
    invoice = create_document(
        actor=bill_billing, document_type="invoice", customer=carol_customer, lines=[HOSTING]
    )
    issue_document(actor=bill_billing, document=invoice)

    with pytest.raises(ValidationError) as twice:
        issue_document(actor=bill_billing, document=invoice)
    with pytest.raises(ValidationError) as edit:
        update_draft(actor=bill_billing, document=invoice, lines=[DOMAIN])

    assert (twice.value.code, edit.value.code) == ("already_issued", "issued")
    assert Document.objects.get(pk=invoice.pk).number == "PRH-2026-000001"


def test_bad_lines_are_all_named_and_nothing_is_saved(
    billing_ready, frozen_day, bill_billing, carol_customer
):
    errors = _errors(
        create_document,
        actor=bill_billing,
        document_type="invoice",
        customer=carol_customer,
        currency="GBP",
        lines=[
            {"description": "", "quantity": "-1", "unit_price": "10"},
            {"description": "X", "quantity": "1", "unit_price": "abc", "unit_code": "XYZ"},
            {"description": "Y", "quantity": "1", "unit_price": "10", "vat_rate": "19"},
        ],
    )

    assert errors == {
        "currency": ["Choose RON, EUR or USD."],
        "lines.0.description": ["This field is required."],
        "lines.0.quantity": [
            "The quantity must be greater than zero; to take something back, issue a credit note."
        ],
        "lines.1.unit_price": ["Enter a number."],
        "lines.1.unit_code": ["Unknown unit code; use a UN/ECE Rec. 20 code such as H87, MON, ANN or HUR."],
        "lines.2.vat_rate": ["19% is not a VAT rate of RO on 2026-03-10; use one of: 21.00%, 11.00%."],
        "lines.2.vat_override_reason": ["Say why the computed VAT treatment is overridden."],
    }
    assert Document.objects.count() == 0


def test_a_reduced_rate_override_with_a_reason_is_kept_and_audited(
    billing_ready, frozen_day, bill_billing, carol_customer
):
    line = DOMAIN | {"vat_rate": "11.00", "vat_override_reason": "Book sold with the plan"}

    invoice = create_document(
        actor=bill_billing, document_type="invoice", customer=carol_customer, lines=[line]
    )

    assert [(ln.vat_category, ln.vat_rate, ln.vat_override_reason) for ln in invoice.lines.all()] == [
        ("S", D("11.00"), "Book sold with the plan")
    ]
    event = AuditEvent.objects.get(action="billing.invoice_drafted")
    assert event.data["vat_overrides"] == [
        {
            "description": "Domain example.ro",
            "vat_category": "S",
            "vat_rate": "11.00",
            "vat_override_reason": "Book sold with the plan",
        }
    ]


OUTSIDE = DOMAIN | {"vat_category": "O", "vat_rate": "0", "vat_override_reason": "Service used abroad"}
MIXED_REFUSAL = (
    "A line outside the scope of VAT (O) cannot share a document with lines that are taxed or exempt; "
    "put it on a document of its own."
)


def test_a_line_outside_the_scope_of_vat_is_refused_beside_taxed_lines(
    billing_ready, frozen_day, bill_billing, carol_customer
):
    with pytest.raises(ValidationError) as refused:
        create_document(
            actor=bill_billing, document_type="invoice", customer=carol_customer, lines=[HOSTING, OUTSIDE]
        )

    assert refused.value.message_dict == {"lines.1.vat_category": [MIXED_REFUSAL]}
    assert Document.objects.count() == 0


def test_a_draft_cannot_be_changed_into_a_mix_of_outside_scope_and_taxed_lines(
    billing_ready, frozen_day, bill_billing, carol_customer
):
    draft = create_document(
        actor=bill_billing, document_type="invoice", customer=carol_customer, lines=[HOSTING]
    )

    with pytest.raises(ValidationError) as refused:
        update_draft(actor=bill_billing, document=draft, lines=[OUTSIDE, HOSTING])

    assert refused.value.message_dict == {"lines.0.vat_category": [MIXED_REFUSAL]}
    assert [line.description for line in draft.lines.all()] == [HOSTING["description"]]


def test_a_document_of_outside_scope_lines_only_is_accepted(
    billing_ready, frozen_day, bill_billing, carol_customer
):
    invoice = create_document(
        actor=bill_billing, document_type="invoice", customer=carol_customer, lines=[OUTSIDE, OUTSIDE]
    )

    assert [line.vat_category for line in invoice.lines.all()] == ["O", "O"]


def test_an_eu_business_with_a_vat_number_is_reverse_charged_with_the_mention(
    billing_ready, frozen_day, alice_admin, bill_billing, fake_vies
):
    fake_vies.register("DE136695976")
    customer = create_customer(
        actor=alice_admin,
        kind="company",
        name="Muster GmbH",
        country="DE",
        tax_id="DE136695976",
        address={"street": "Hauptstr. 1", "city": "Berlin", "country": "DE"},
    )
    invoice = create_document(
        actor=bill_billing, document_type="invoice", customer=customer, currency="RON", lines=[HOSTING]
    )

    issued = issue_document(actor=bill_billing, document=invoice)

    assert [(ln.vat_category, ln.vat_rate) for ln in issued.lines.all()] == [("AE", D("0.00"))]
    assert issued.vat_total == D("0.00")
    assert any("Reverse charge" in mention for mention in issued.mentions)


def test_a_customer_without_an_address_cannot_get_an_invoice(
    billing_ready, frozen_day, alice_admin, bill_billing
):
    customer = create_customer(actor=alice_admin, kind="individual", name="Ion Popescu", country="RO")
    invoice = create_document(actor=bill_billing, document_type="invoice", customer=customer, lines=[DOMAIN])

    errors = _errors(issue_document, actor=bill_billing, document=invoice)

    assert errors == {
        "customer": [
            "The customer has no billing address; the law requires the buyer's address on the document."
        ]
    }
    assert Document.objects.get(pk=invoice.pk).status == "draft"


def test_a_proforma_converts_into_an_issued_invoice_that_links_back(
    billing_ready, frozen_day, bill_billing, carol_customer
):
    proforma = create_document(
        actor=bill_billing, document_type="proforma", customer=carol_customer, lines=[HOSTING]
    )
    issue_document(actor=bill_billing, document=proforma)
    update_draft(actor=bill_billing, document=proforma, lines=[HOSTING, DOMAIN])  # still editable

    invoice = convert_proforma(actor=bill_billing, proforma=proforma)

    proforma.refresh_from_db()
    assert (proforma.number, proforma.status, proforma.valid_until) == (
        "PRF-2026-000001",
        "converted",
        datetime.date(2026, 3, 25),
    )
    assert (invoice.number, invoice.converted_from, invoice.total) == (
        "PRH-2026-000001",
        proforma,
        proforma.total,
    )
    with pytest.raises(ValidationError):
        cancel_proforma(actor=bill_billing, proforma=proforma)


def test_credit_notes_never_exceed_what_was_invoiced(billing_ready, frozen_day, bill_billing, carol_customer):
    invoice = issue_document(
        actor=bill_billing,
        document=create_document(
            actor=bill_billing, document_type="invoice", customer=carol_customer, lines=[HOSTING, DOMAIN]
        ),
    )
    hosting = invoice.lines.get(position=1)

    partial = credit_note(actor=bill_billing, invoice=invoice, lines=[{"line": hosting.pk, "quantity": "2"}])
    errors = _errors(
        credit_note, actor=bill_billing, invoice=invoice, lines=[{"line": hosting.pk, "quantity": "11"}]
    )
    rest = credit_note(actor=bill_billing, invoice=invoice)

    assert (partial.number, partial.credited_document, partial.total) == (
        "PRC-2026-000001",
        invoice,
        D("120.98"),
    )
    assert errors == {"lines.0.quantity": ["Between 0 and 10 of this line can still be credited."]}
    assert [(ln.quantity, ln.credited_line_id) for ln in rest.lines.all()] == [
        (D("10.0000"), hosting.pk),
        (D("1.0000"), invoice.lines.get(position=2).pk),
    ]
    # The last credit note takes exactly what is left of the VAT: 21.00 + 114.42 of 135.42 invoiced
    # (each rounded on its own would take 114.43, one cent more than was invoiced).
    assert (partial.vat_total, rest.vat_total, invoice.vat_total) == (D("21.00"), D("114.42"), D("135.42"))
    assert (partial.total + rest.total, invoice.total) == (D("780.30"), D("780.30"))
    assert _errors(credit_note, actor=bill_billing, invoice=invoice) == {
        "lines": ["Invoice PRH-2026-000001 is credited in full already."]
    }


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_postgresql_refuses_raw_changes_to_an_issued_invoice_and_its_lines(
    billing_ready, frozen_day, bill_billing, carol_customer
):
    from django.db import DatabaseError, connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("the trigger is PostgreSQL's; SQLite relies on the ORM guards tested above")
    invoice = issue_document(
        actor=bill_billing,
        document=create_document(
            actor=bill_billing, document_type="invoice", customer=carol_customer, lines=[HOSTING]
        ),
    )
    statements = [
        ("UPDATE billing_document SET total = 1 WHERE id = %s", [invoice.pk]),
        ("UPDATE billing_document SET status = 'draft' WHERE id = %s", [invoice.pk]),
        ("DELETE FROM billing_document WHERE id = %s", [invoice.pk]),
        ("UPDATE billing_documentline SET quantity = 1 WHERE document_id = %s", [invoice.pk]),
        ("DELETE FROM billing_documentline WHERE document_id = %s", [invoice.pk]),
    ]
    for sql, params in statements:
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)

    with connection.cursor() as cursor:  # what is not fiscal may change, e.g. internal notes
        cursor.execute(
            "UPDATE billing_document SET notes = 'called the customer' WHERE id = %s", [invoice.pk]
        )
    invoice.refresh_from_db()
    assert (invoice.total, invoice.status, invoice.notes) == (D("725.85"), "issued", "called the customer")


def test_issued_invoices_and_credit_notes_are_in_the_ledger_and_payments_settle_them(
    billing_ready, frozen_day, bill_billing, carol_customer
):
    from praho.billing.ledger_queries import customer_balance, payment_status
    from praho.billing.services.payments import record_payment

    invoice = issue_document(
        actor=bill_billing,
        document=create_document(
            actor=bill_billing, document_type="invoice", customer=carol_customer, lines=[DOMAIN]
        ),
    )
    credit_note(
        actor=bill_billing, invoice=invoice, lines=[{"line": invoice.lines.get().pk, "quantity": "0.5"}]
    )
    assert payment_status(invoice) == "issued"

    record_payment(
        actor=bill_billing,
        invoice=invoice,
        amount=D("30.00"),
        currency="RON",
        method="bank_transfer",
        reference="OP 17",
        received_on=frozen_day,
    )

    # 54.45 invoiced, 27.23 credited (22.50 + 4.73 VAT): 27.22 owed, 30.00 paid, 2.78 left as credit.
    balance = customer_balance(carol_customer)["RON"]
    assert (balance.receivable, balance.credit, payment_status(invoice)) == (D("0.00"), D("2.78"), "paid")


def test_the_same_line_twice_in_one_credit_note_is_refused(
    billing_ready, frozen_day, bill_billing, carol_customer
):
    invoice = issue_document(
        actor=bill_billing,
        document=create_document(
            actor=bill_billing, document_type="invoice", customer=carol_customer, lines=[HOSTING, DOMAIN]
        ),
    )
    hosting = invoice.lines.get(position=1)  # 12 months invoiced

    errors = _errors(
        credit_note,
        actor=bill_billing,
        invoice=invoice,
        lines=[{"line": hosting.pk, "quantity": "12"}, {"line": hosting.pk, "quantity": "4"}],
    )

    assert errors == {"lines.1.line": ["This line is already chosen; give its quantity once."]}
    assert not Document.objects.filter(document_type="credit_note").exists()
