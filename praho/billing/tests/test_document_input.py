"""What create_document and update_draft take (issue 11): they are the one gate the API and the
staff pages both pass through, so each refusal here is a field error, with nothing saved."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError

from praho.billing.documents import create_document
from praho.billing.models import Document, DocumentLine

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
