"""Documents and statement files for the bank statement tests."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from praho.billing.services.drafts import create_document
from praho.billing.services.issuing import issue_document
from praho.core.validation import fiscal_today
from praho.testing.statements import camt053


def issued(
    actor: Any, customer: Any, kind: str = "proforma", price: str = "100.00", currency: str = "RON"
) -> Any:
    line = {"description": "Web hosting Business", "quantity": "1", "unit_code": "MON", "unit_price": price}
    draft = create_document(
        actor=actor, document_type=kind, customer=customer, lines=[line], currency=currency
    )
    return issue_document(actor=actor, document=draft)


def spaced(number: str) -> str:
    """A number as people type it in a transfer: lower case, spaces for dashes."""
    return number.lower().replace("-", " ")


def statement(*entries: dict[str, Any], **options: Any) -> bytes:
    defaults = {"booking_date": fiscal_today(), "payer_name": "SC NIMENI SRL"}
    return camt053([defaults | entry for entry in entries], **options)


def amount(value: str) -> Decimal:
    return Decimal(value)
