"""Bad input on documents (issue 4, item 14): each a 400 naming the field, nothing saved.

Payments' bad input is in test_api_payments.py.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import time_machine

from praho.accounts.models import User
from praho.billing.models import Document
from praho.billing.services.payments import record_payment
from praho.billing.tests.test_api import DOMAINS, HOSTING, NOW, draft, issued, stored_rows
from praho.billing.tests.test_api_payments import payment_payload
from praho.customers.models import Address, Customer
from praho.testing.api import bearer, error_of, invalid, refused

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


def _create(actor: User, **overrides: Any) -> Any:
    payload = {"customer": overrides.pop("customer"), "currency": "RON", "lines": [HOSTING], **overrides}
    return bearer(actor).post("/api/v1/invoices/", payload, format="json")


def test_a_negative_quantity_is_refused_pointing_to_credit_notes(billing_ready, bill_billing, carol_customer):
    before = stored_rows()

    response = _create(
        bill_billing, customer=carol_customer.pk, lines=[HOSTING, {**HOSTING, "quantity": "-1"}]
    )

    assert response.status_code == 400
    assert error_of(response) == invalid(
        {
            "lines": {
                "1": {
                    "quantity": [
                        "The quantity must be greater than zero; to take something back, issue a credit note."
                    ]
                }
            }
        }
    )
    assert stored_rows() == before


def test_an_unknown_currency_is_refused(billing_ready, bill_billing, carol_customer):
    before = stored_rows()

    response = _create(bill_billing, customer=carol_customer.pk, currency="GBP")

    assert response.status_code == 400
    assert error_of(response) == invalid({"currency": ['"GBP" is not a valid choice.']})
    assert stored_rows() == before


@pytest.mark.parametrize(
    ("line", "fields"),
    [
        ({**HOSTING, "quantity": "1,5,0"}, {"quantity": ["A valid number is required."]}),
        (
            {**HOSTING, "unit_price": "12.34567"},
            {"unit_price": ["Ensure that there are no more than 4 decimal places."]},
        ),
        ({**HOSTING, "discount": "abc"}, {"discount": ["A valid number is required."]}),
        ({**HOSTING, "quantity": "NaN"}, {"quantity": ["A valid number is required."]}),
        (
            {"description": "", "quantity": "1"},
            {
                "description": ["This field may not be blank."],
                "unit_price": ["This field is required."],
            },
        ),
    ],
)
def test_malformed_decimals_and_missing_line_fields_are_refused(
    billing_ready, bill_billing, carol_customer, line, fields
):
    before = stored_rows()

    response = _create(bill_billing, customer=carol_customer.pk, lines=[line])

    assert response.status_code == 400
    assert error_of(response) == invalid({"lines": {"0": fields}})
    assert stored_rows() == before


def test_a_document_needs_lines(billing_ready, bill_billing, carol_customer):
    before = stored_rows()

    empty = _create(bill_billing, customer=carol_customer.pk, lines=[])
    missing = bearer(bill_billing).post("/api/v1/invoices/", {"customer": carol_customer.pk}, format="json")

    assert error_of(empty) == invalid({"lines": ["This list may not be empty."]})
    assert error_of(missing) == invalid({"lines": ["This field is required."]})
    assert stored_rows() == before


@pytest.mark.parametrize("customer", [999_999, "carol"])
def test_an_unknown_customer_is_a_400_not_a_500(billing_ready, bill_billing, customer):
    before = stored_rows()

    response = _create(bill_billing, customer=customer)

    assert response.status_code == 400
    message = "There is no such customer." if customer == 999_999 else "A valid integer is required."
    assert error_of(response) == invalid({"customer": [message]})
    assert stored_rows() == before


def test_a_due_date_before_the_issue_date_is_refused(billing_ready, bill_billing, carol_customer):
    response = _create(
        bill_billing, customer=carol_customer.pk, issue_date="2026-03-10", due_date="2026-03-01"
    )

    assert error_of(response) == invalid({"due_date": ["The due date cannot be before the issue date."]})
    assert Document.objects.count() == 0


def test_issuing_for_a_customer_without_an_address_is_refused(billing_ready, bill_billing, carol_customer):
    Address.objects.filter(customer=carol_customer).delete()
    invoice = draft(bill_billing, carol_customer)
    before = stored_rows()

    response = bearer(bill_billing).post(f"/api/v1/invoices/{invoice.pk}/issue/")

    assert response.status_code == 400
    assert error_of(response) == refused(
        "no_address",
        {
            "customer": [
                "The customer has no billing address; the law requires the buyer's address on the document."
            ]
        },
    )
    assert stored_rows() == before
    assert Document.objects.get(pk=invoice.pk).number == ""


def test_issuing_for_a_romanian_company_without_a_cui_is_refused(billing_ready, bill_billing, carol_customer):
    Customer.objects.filter(pk=carol_customer.pk).update(tax_id="")  # data from before CUIs were required
    invoice = draft(bill_billing, carol_customer)
    before = stored_rows()

    response = bearer(bill_billing).post(f"/api/v1/invoices/{invoice.pk}/issue/")

    assert response.status_code == 400
    assert error_of(response) == refused(
        "no_tax_id", {"customer": ["A Romanian company must have a CUI on the document."]}
    )
    assert stored_rows() == before


def test_issuing_twice_is_refused(billing_ready, bill_billing, carol_customer):
    invoice = issued(bill_billing, carol_customer)
    before = stored_rows()

    response = bearer(bill_billing).post(f"/api/v1/invoices/{invoice.pk}/issue/")

    assert response.status_code == 400
    assert error_of(response) == refused(
        "already_issued", {"non_field_errors": ["PRH-2026-000001 was already issued."]}
    )
    assert stored_rows() == before


def test_editing_an_issued_invoice_is_refused(billing_ready, bill_billing, carol_customer):
    invoice = issued(bill_billing, carol_customer)
    before = stored_rows()

    response = bearer(bill_billing).patch(
        f"/api/v1/invoices/{invoice.pk}/", {"lines": [DOMAINS], "notes": "changed"}, format="json"
    )

    assert response.status_code == 400
    assert error_of(response) == refused(
        "issued",
        {
            "non_field_errors": [
                "Document PRH-2026-000001 is issued and cannot be changed; correct it with a credit note."
            ]
        },
    )
    assert stored_rows() == before
    assert (Document.objects.get(pk=invoice.pk).total, Document.objects.get(pk=invoice.pk).notes) == (
        D("121.00"),
        "",
    )


def test_crediting_more_than_was_invoiced_is_refused(billing_ready, bill_billing, carol_customer):
    invoice = issued(bill_billing, carol_customer, DOMAINS)
    line = invoice.lines.get()
    client = bearer(bill_billing)
    client.post(
        f"/api/v1/invoices/{invoice.pk}/credit-note/",
        {"lines": [{"line": line.pk, "quantity": "10"}]},
        format="json",
    )
    before = stored_rows()

    response = client.post(
        f"/api/v1/invoices/{invoice.pk}/credit-note/",
        {"lines": [{"line": line.pk, "quantity": "3"}]},
        format="json",
    )

    assert response.status_code == 400
    assert error_of(response) == refused(
        "over_credit", {"lines": {"0": {"quantity": ["Between 0 and 2 of this line can still be credited."]}}}
    )
    assert stored_rows() == before


def test_an_unknown_line_in_a_credit_note_is_refused(billing_ready, bill_billing, carol_customer):
    invoice = issued(bill_billing, carol_customer)
    other = issued(bill_billing, carol_customer, DOMAINS)
    before = stored_rows()

    response = bearer(bill_billing).post(
        f"/api/v1/invoices/{invoice.pk}/credit-note/",
        {"lines": [{"line": other.lines.get().pk}]},
        format="json",
    )

    assert response.status_code == 400
    assert error_of(response) == invalid({"lines": {"0": {"line": ["This invoice has no such line."]}}})
    assert stored_rows() == before


def test_a_draft_invoice_cannot_be_credited(billing_ready, bill_billing, carol_customer):
    invoice = draft(bill_billing, carol_customer)
    before = stored_rows()

    response = bearer(bill_billing).post(f"/api/v1/invoices/{invoice.pk}/credit-note/")

    assert error_of(response) == refused(
        "not_issued", {"non_field_errors": ["Only an issued invoice can be credited."]}
    )
    assert stored_rows() == before


# --- Amounts beyond their columns (issue 11, item 14) ---------------------------------------

LARGEST = "999999999999.99"


def test_a_line_amount_beyond_its_column_is_a_400_not_a_500(billing_ready, bill_billing, carol_customer):
    before = stored_rows()

    response = _create(
        bill_billing,
        customer=carol_customer.pk,
        lines=[{**HOSTING, "quantity": "100000", "unit_price": "100000000"}],
    )

    assert response.status_code == 400
    message = "The line's amount (quantity times unit price) cannot be more than 999999999999.99."
    assert error_of(response) == invalid({"lines": {"0": {"unit_price": [message]}}})
    assert stored_rows() == before


def test_a_document_total_beyond_its_column_is_a_400_not_a_500(billing_ready, bill_billing, carol_customer):
    before = stored_rows()
    line = {**HOSTING, "quantity": "5000", "unit_price": "100000000"}  # 500,000,000,000.00 each

    response = _create(bill_billing, customer=carol_customer.pk, lines=[line, line])

    assert response.status_code == 400
    message = "The document's total cannot be more than 999999999999.99; split it into several documents."
    assert error_of(response) == invalid({"lines": [message]})
    assert stored_rows() == before


def test_a_quantity_beyond_its_column_is_refused_by_the_api(billing_ready, bill_billing, carol_customer):
    response = _create(
        bill_billing, customer=carol_customer.pk, lines=[{**HOSTING, "quantity": "10000000000"}]
    )

    assert error_of(response) == invalid(
        {
            "lines": {
                "0": {"quantity": ["Ensure that there are no more than 10 digits before the decimal point."]}
            }
        }
    )


def test_the_balance_of_payments_summing_beyond_14_digits_is_answered(
    billing_ready, bill_billing, carol_customer
):
    invoice = issued(bill_billing, carol_customer)  # 121.00 RON: the rest becomes credit
    for reference in ("OP 1", "OP 2"):
        record_payment(
            actor=bill_billing,
            invoice=invoice,
            amount=D(LARGEST),
            currency="RON",
            method="bank_transfer",
            reference=reference,
            received_on=NOW.date(),
        )

    response = bearer(bill_billing).get(f"/api/v1/customers/{carol_customer.pk}/balance/")

    assert response.status_code == 200
    assert response.json() == [
        {"currency": "RON", "receivable": "0.00", "credit": "1999999999878.98", "overdue": "0.00"}
    ]


# --- Lines per document (issue 11, item 15) --------------------------------------------------


def test_more_lines_than_billing_max_lines_are_a_400_on_lines(
    billing_ready, bill_billing, carol_customer, settings
):
    settings.BILLING_MAX_LINES = 2
    invoice = draft(bill_billing, carol_customer)
    before = stored_rows()

    created = _create(bill_billing, customer=carol_customer.pk, lines=[HOSTING] * 3)
    changed = bearer(bill_billing).patch(
        f"/api/v1/invoices/{invoice.pk}/", {"lines": [HOSTING] * 3}, format="json"
    )

    expected = invalid({"lines": ["A document can have at most 2 lines."]})
    assert (error_of(created), error_of(changed)) == (expected, expected)
    assert stored_rows() == before


# --- Dates in range (issue 11, item 8) -------------------------------------------------------

OUT_OF_RANGE = ["Enter a date between 2000-01-01 and 2099-12-31."]


@pytest.mark.parametrize("field", ["issue_date", "tax_point_date", "due_date"])
@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1999-12-31", "2100-01-01"])
def test_a_document_date_out_of_range_is_a_400_naming_it(
    billing_ready, bill_billing, carol_customer, field, day
):
    before = stored_rows()

    response = _create(bill_billing, customer=carol_customer.pk, **{field: day})

    assert response.status_code == 400
    assert error_of(response) == invalid({field: OUT_OF_RANGE})
    assert stored_rows() == before


def test_an_invoice_dated_at_the_end_of_the_range_gets_its_due_date(
    billing_ready, bill_billing, carol_customer
):
    response = _create(bill_billing, customer=carol_customer.pk, issue_date="2099-12-31")

    assert response.status_code == 201
    assert (response.json()["issue_date"], response.json()["due_date"]) == ("2099-12-31", "2100-01-14")


def test_a_payment_date_out_of_range_is_a_400(billing_ready, bill_billing, carol_customer):
    invoice = issued(bill_billing, carol_customer)
    before = stored_rows()

    response = bearer(bill_billing).post(
        "/api/v1/payments/", payment_payload(invoice, date="0001-01-01"), format="json"
    )

    assert response.status_code == 400
    assert error_of(response) == invalid({"date": OUT_OF_RANGE})
    assert stored_rows() == before


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/invoices/", "issued_from"),
        ("/api/v1/proformas/", "issued_to"),
        ("/api/v1/credit-notes/", "issued_from"),
        ("/api/v1/payments/", "received_from"),
        ("/api/v1/payments/", "received_to"),
    ],
)
def test_a_filter_date_out_of_range_is_a_400(billing_ready, bill_billing, url, field):
    response = bearer(bill_billing).get(url, {field: "0001-01-01"})

    assert response.status_code == 400
    assert error_of(response) == invalid({field: OUT_OF_RANGE})


# --- Text the XML and the PDF can carry (issue 11, item 9) -----------------------------------

BELL = ["Remove the control character U+0007."]


@pytest.mark.parametrize(
    ("description", "message"),
    [
        ("Hosting\x07", "Remove the control character U+0007."),
        ("Hosting\x1b[31m", "Remove the control character U+001B."),
        ("Hosting\ufffe", "Remove the control character U+FFFE."),
        ("Web\nhosting", "This field is one line: remove the line break or tab (U+000A)."),
        ("Web\thosting", "This field is one line: remove the line break or tab (U+0009)."),
        ("x" * 301, "Ensure this field has no more than 300 characters."),
    ],
)
def test_a_line_description_the_documents_cannot_carry_is_refused(
    billing_ready, bill_billing, carol_customer, description, message
):
    before = stored_rows()

    response = _create(
        bill_billing, customer=carol_customer.pk, lines=[{**HOSTING, "description": description}]
    )

    assert response.status_code == 400
    assert error_of(response) == invalid({"lines": {"0": {"description": [message]}}})
    assert stored_rows() == before


@pytest.mark.parametrize(
    ("notes", "message"),
    [
        ("Contract\x08 12", "Remove the control character U+0008; only tabs and line breaks are allowed."),
        ("n" * 1001, "Ensure this field has no more than 1000 characters."),
    ],
)
def test_notes_the_documents_cannot_carry_are_refused(
    billing_ready, bill_billing, carol_customer, notes, message
):
    invoice = draft(bill_billing, carol_customer)
    before = stored_rows()

    created = _create(bill_billing, customer=carol_customer.pk, notes=notes)
    changed = bearer(bill_billing).patch(f"/api/v1/invoices/{invoice.pk}/", {"notes": notes}, format="json")

    assert (error_of(created), error_of(changed)) == (invalid({"notes": [message]}),) * 2
    assert stored_rows() == before


def test_notes_of_several_lines_up_to_1000_characters_are_taken(billing_ready, bill_billing, carol_customer):
    notes = "Contract 12/2026\r\n\tAnnex 1" + "." * (1000 - 26)

    response = _create(bill_billing, customer=carol_customer.pk, notes=notes)

    assert response.status_code == 201
    assert Document.objects.get().notes == notes


@pytest.mark.parametrize(
    "field", ["vat_override_reason", "vat_exemption_reason", "vat_exemption_reason_code"]
)
def test_a_vat_reason_with_a_control_character_is_refused(billing_ready, bill_billing, carol_customer, field):
    line = {
        **HOSTING,
        "vat_category": "E",
        "vat_rate": "0",
        "vat_override_reason": "Art. 292",
        field: "a\x07",
    }

    response = _create(bill_billing, customer=carol_customer.pk, lines=[line])

    assert response.status_code == 400
    assert error_of(response)["fields"]["lines"]["0"][field] == BELL


@pytest.mark.parametrize("field", ["reference", "external_id"])
def test_a_payment_text_with_a_control_character_is_refused(
    billing_ready, bill_billing, carol_customer, field
):
    invoice = issued(bill_billing, carol_customer)
    before = stored_rows()

    response = bearer(bill_billing).post(
        "/api/v1/payments/", payment_payload(invoice, **{field: "OP\x07 1"}), format="json"
    )

    assert response.status_code == 400
    assert error_of(response) == invalid({field: BELL})
    assert stored_rows() == before
