"""What create_document and update_draft take, beyond the form of each value (issue 11).

The API and the staff pages both pass through those services, so these checks are the one
gate: text the documents can carry, numbers that fit their columns, dates in range and a
bounded number of lines. Each records a field error keyed as the services key theirs.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from praho.billing.models import DocumentLine
from praho.billing.rules import totals
from praho.core.numbers import column_max
from praho.core.validation import FieldErrors, check_text, date_error

# Text printed on the PDF and sent to ANAF (praho.core.validation.check_text): one line each. A
# description is the item's name, description and, whole, its note in the XML (BT-127: at most
# 300 characters under CIUS-RO, BR-RO-L303). Notes are printed on the PDF only: several lines.
DESCRIPTION_MAX_LENGTH = 300
NOTES_MAX_LENGTH = 1000
LINE_TEXTS = {
    "description": DESCRIPTION_MAX_LENGTH,
    "vat_override_reason": 255,
    "vat_exemption_reason": 255,
    "vat_exemption_reason_code": 32,
}


def checked_texts(errors: FieldErrors, prefix: str, line: dict[str, Any]) -> dict[str, Any]:
    """The line with its description and VAT reasons stripped; an error for each the documents
    cannot carry (a line break, a control character, too long) and for a missing description."""
    texts = {
        name: check_text(errors, prefix + name, str(line.get(name) or ""), max_length=limit)
        for name, limit in LINE_TEXTS.items()
        if name == "description" or line.get(name)
    }
    if not texts["description"] and prefix + "description" not in errors.by_field:
        errors.add(prefix + "description", _("This field is required."), "required")
    return {**line, **texts}


def checked_notes(errors: FieldErrors, value: Any) -> str:
    """A document's notes, stripped: several lines, bounded, no control characters."""
    return check_text(errors, "notes", str(value or ""), max_length=NOTES_MAX_LENGTH, multiline=True)


# The largest values the columns hold: what is entered must fit them, and so must what is
# computed from it (a line's amount, a document's totals), or the database refuses the row.
MAX_QUANTITY = column_max(DocumentLine._meta.get_field("quantity"))
MAX_UNIT_PRICE = column_max(DocumentLine._meta.get_field("unit_price"))
MAX_AMOUNT = column_max(DocumentLine._meta.get_field("net_amount"))


def _at_most(errors: FieldErrors, field: str, value: Decimal | None, limit: Decimal) -> Decimal | None:
    """`value`, or None after a field error when it is beyond `limit` (its column's largest)."""
    if value is not None and value > limit:
        errors.add(field, _("Enter at most %(max)s.") % {"max": limit}, "max_value")
        return None
    return value


def fitting_amounts(
    errors: FieldErrors,
    prefix: str,
    quantity: Decimal | None,
    unit_price: Decimal | None,
    discount: Decimal | None,
) -> tuple[Decimal | None, Decimal | None, Decimal]:
    """The line's numbers, each None after an error when beyond its column (the discount 0), and
    an error on the unit price when the line's amount would be."""
    quantity = _at_most(errors, prefix + "quantity", quantity, MAX_QUANTITY)
    unit_price = _at_most(errors, prefix + "unit_price", unit_price, MAX_UNIT_PRICE)
    discount = _at_most(errors, prefix + "discount", discount, MAX_AMOUNT) or Decimal("0")
    if (
        quantity is not None
        and unit_price is not None
        and totals.line_net_amount(quantity, unit_price, discount) > MAX_AMOUNT
    ):
        message = _("The line's amount (quantity times unit price) cannot be more than %(max)s.")
        errors.add(prefix + "unit_price", message % {"max": MAX_AMOUNT}, "too_large")
    return quantity, unit_price, discount


def too_many_lines(errors: FieldErrors, lines: list[dict[str, Any]]) -> bool:
    """Whether `lines` are too many for a document (settings.BILLING_MAX_LINES), after the error."""
    if len(lines) > settings.BILLING_MAX_LINES:
        message = _("A document can have at most %(max)s lines.") % {"max": settings.BILLING_MAX_LINES}
        errors.add("lines", message, "too_many_lines")
        return True
    return False


def refuse_large_totals(computed: totals.Totals) -> None:
    """Totals beyond their columns (many large lines) are refused on "lines"."""
    if max(computed.net_total, computed.vat_total, computed.tax_inclusive_total) > MAX_AMOUNT:
        message = _("The document's total cannot be more than %(max)s; split it into several documents.")
        raise ValidationError({"lines": ValidationError(message % {"max": MAX_AMOUNT}, code="too_large")})


def in_range(errors: FieldErrors, field: str, value: date | None) -> date | None:
    """`value`, or None after a field error when it is outside core.validation's date range."""
    problem = date_error(value) if value is not None else None
    if problem is not None:
        errors.add(field, problem.messages[0], "date_range")
        return None
    return value
