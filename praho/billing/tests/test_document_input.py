"""What create_document and update_draft take (issue 11): they are the one gate the API and the
staff pages both pass through, so each refusal here is a field error, with nothing saved."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError

from praho.billing.models import Document, DocumentLine
from praho.billing.services.drafts import create_document, update_draft

D = Decimal
HOSTING = {"description": "Web hosting Business", "quantity": "1", "unit_code": "MON", "unit_price": "100.00"}


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.datetime(2026, 3, 10, 10, tzinfo=datetime.UTC), tick=False):
        yield


def refusal(actor, customer, *, lines: list[dict[str, Any]] | None = None, **values: Any) -> dict[str, Any]:
    """The errors create_document raises, by field; nothing may have been saved."""
    with pytest.raises(ValidationError) as failure:
        create_document(
            actor=actor, document_type="invoice", customer=customer, lines=lines or [HOSTING], **values
        )
    assert (Document.objects.count(), DocumentLine.objects.count()) == (0, 0)
    return failure.value.message_dict


def draft(actor, customer, *lines: dict[str, Any], **values: Any) -> Document:
    return create_document(
        actor=actor, document_type="invoice", customer=customer, lines=list(lines or [HOSTING]), **values
    )


# --- Numbers (item 19) -----------------------------------------------------------------------


@pytest.mark.parametrize("number", ["1_000", "\uff11\uff12", "\u0663", "1e3", "NaN", "1,5,0", "1.5.0", "-"])
@pytest.mark.parametrize("field", ["quantity", "unit_price", "discount", "vat_rate"])
def test_a_number_that_is_not_plain_ascii_is_refused(
    billing_ready, bill_billing, carol_customer, field, number
):
    line = {**HOSTING, field: number, "vat_override_reason": "test"}

    assert refusal(bill_billing, carol_customer, lines=[line]) == {f"lines.0.{field}": ["Enter a number."]}


def test_a_comma_is_a_decimal_point_as_staff_type_it(billing_ready, bill_billing, carol_customer):
    invoice = draft(bill_billing, carol_customer, {**HOSTING, "quantity": "1,5", "unit_price": " 10,25 "})

    assert [(line.quantity, line.unit_price, line.net_amount) for line in invoice.lines.all()] == [
        (D("1.5000"), D("10.2500"), D("15.38"))
    ]


# --- Amounts that fit their columns (item 14) ------------------------------------------------

LINE_TOO_LARGE = "The line's amount (quantity times unit price) cannot be more than 999999999999.99."
TOTAL_TOO_LARGE = "The document's total cannot be more than 999999999999.99; split it into several documents."


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("quantity", "10000000000", "Enter at most 9999999999.9999."),
        ("unit_price", "10000000000", "Enter at most 9999999999.9999."),
        ("quantity", "1" + "0" * 40, "Enter at most 9999999999.9999."),
        ("discount", "1000000000000", "Enter at most 999999999999.99."),
    ],
)
def test_a_number_beyond_its_column_is_refused(
    billing_ready, bill_billing, carol_customer, field, value, message
):
    errors = refusal(bill_billing, carol_customer, lines=[{**HOSTING, field: value}])

    assert errors[f"lines.0.{field}"] == [message]


def test_a_line_amount_beyond_its_column_is_refused_on_the_unit_price(
    billing_ready, bill_billing, carol_customer
):
    line = {**HOSTING, "quantity": "100000", "unit_price": "100000000"}

    assert refusal(bill_billing, carol_customer, lines=[line]) == {"lines.0.unit_price": [LINE_TOO_LARGE]}


def test_the_largest_line_amount_is_taken(billing_ready, bill_billing, carol_customer):
    line = {**HOSTING, "quantity": "100", "unit_price": "8264462809.9172"}  # + 21% VAT

    invoice = draft(bill_billing, carol_customer, line)

    assert (invoice.net_total, invoice.vat_total, invoice.total) == (
        D("826446280991.72"),
        D("173553719008.26"),
        D("999999999999.98"),
    )


def test_a_document_total_beyond_its_column_is_refused_on_the_lines(
    billing_ready, bill_billing, carol_customer
):
    line = {**HOSTING, "quantity": "100", "unit_price": "9000000000"}  # + 21% VAT

    assert refusal(bill_billing, carol_customer, lines=[line]) == {"lines": [TOTAL_TOO_LARGE]}


def test_a_change_to_a_total_beyond_its_column_is_refused_and_the_draft_stays(
    billing_ready, bill_billing, carol_customer
):
    invoice = draft(bill_billing, carol_customer)
    lines = [{**HOSTING, "quantity": "5000", "unit_price": "100000000"}] * 2

    with pytest.raises(ValidationError) as failure:
        update_draft(actor=bill_billing, document=invoice, lines=lines)

    assert failure.value.message_dict == {"lines": [TOTAL_TOO_LARGE]}
    invoice.refresh_from_db()
    assert (invoice.total, invoice.lines.count()) == (D("121.00"), 1)


# --- Lines per document (item 15) ------------------------------------------------------------


def test_a_document_takes_up_to_billing_max_lines_lines_500_by_default(
    billing_ready, bill_billing, carol_customer
):
    invoice = draft(bill_billing, carol_customer, *[HOSTING] * 500)

    assert invoice.lines.count() == 500
    with pytest.raises(ValidationError) as failure:
        update_draft(actor=bill_billing, document=invoice, lines=[HOSTING] * 501)
    assert failure.value.message_dict == {"lines": ["A document can have at most 500 lines."]}
    assert invoice.lines.count() == 500


def test_more_lines_than_billing_max_lines_are_refused(billing_ready, bill_billing, carol_customer, settings):
    settings.BILLING_MAX_LINES = 2

    assert refusal(bill_billing, carol_customer, lines=[HOSTING] * 3) == {
        "lines": ["A document can have at most 2 lines."]
    }


# --- Dates in range (item 8) -----------------------------------------------------------------

OUT_OF_RANGE = ["Enter a date between 2000-01-01 and 2099-12-31."]


@pytest.mark.parametrize("field", ["issue_date", "tax_point_date", "due_date"])
@pytest.mark.parametrize(
    "day", [datetime.date(9999, 12, 31), datetime.date(1, 1, 1), datetime.date(1999, 12, 31)]
)
def test_a_date_out_of_range_is_refused(billing_ready, bill_billing, carol_customer, field, day):
    assert refusal(bill_billing, carol_customer, **{field: day}) == {field: OUT_OF_RANGE}


def test_a_change_to_a_date_out_of_range_is_refused(billing_ready, bill_billing, carol_customer):
    invoice = draft(bill_billing, carol_customer)

    with pytest.raises(ValidationError) as failure:
        update_draft(actor=bill_billing, document=invoice, due_date=datetime.date(2100, 1, 1))

    assert failure.value.message_dict == {"due_date": OUT_OF_RANGE}
    invoice.refresh_from_db()
    assert invoice.due_date == datetime.date(2026, 3, 24)


def test_a_proforma_dated_at_the_end_of_the_range_is_valid_15_days_after(
    billing_ready, bill_billing, carol_customer
):
    proforma = create_document(
        actor=bill_billing,
        document_type="proforma",
        customer=carol_customer,
        lines=[HOSTING],
        issue_date=datetime.date(2099, 12, 31),
    )

    assert (proforma.due_date, proforma.valid_until) == (
        datetime.date(2100, 1, 14),
        datetime.date(2100, 1, 15),
    )


# --- Text the XML and the PDF can carry (item 9) ---------------------------------------------


@pytest.mark.parametrize(
    ("description", "message"),
    [
        ("Hosting\x01", "Remove the control character U+0001."),
        ("Hosting\x7f", "Remove the control character U+007F."),
        ("Web\r\nhosting", "This field is one line: remove the line break or tab (U+000D)."),
        ("x" * 301, "Ensure this field has no more than 300 characters (it has 301)."),
    ],
)
def test_a_description_the_documents_cannot_carry_is_refused(
    billing_ready, bill_billing, carol_customer, description, message
):
    errors = refusal(bill_billing, carol_customer, lines=[{**HOSTING, "description": description}])

    assert errors == {"lines.0.description": [message]}


def test_a_description_of_300_characters_is_taken_trimmed(billing_ready, bill_billing, carol_customer):
    invoice = draft(bill_billing, carol_customer, {**HOSTING, "description": " " + "d" * 300 + " "})

    assert invoice.lines.get().description == "d" * 300


def test_notes_with_a_control_character_are_refused_in_a_change_too(
    billing_ready, bill_billing, carol_customer
):
    invoice = draft(bill_billing, carol_customer, notes="Contract 12")

    with pytest.raises(ValidationError) as failure:
        update_draft(actor=bill_billing, document=invoice, notes="Contract\x0b 12")

    assert failure.value.message_dict == {
        "notes": ["Remove the control character U+000B; only tabs and line breaks are allowed."]
    }
    invoice.refresh_from_db()
    assert invoice.notes == "Contract 12"


def test_a_vat_override_reason_of_several_lines_is_refused(billing_ready, bill_billing, carol_customer):
    line = {**HOSTING, "vat_category": "E", "vat_rate": "0", "vat_override_reason": "Art. 292\nalin. 2"}

    errors = refusal(bill_billing, carol_customer, lines=[line])

    assert errors["lines.0.vat_override_reason"] == [
        "This field is one line: remove the line break or tab (U+000A)."
    ]
