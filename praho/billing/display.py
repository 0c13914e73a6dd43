"""How billing data is shown, where the staff pages, the customer area and the API show it the
same way: one place, so that a page and the API cannot drift apart (a VAT breakdown computed
twice two ways, a payment state named differently in a list and on the document's page).

Only presentation lives here: no queries beyond the prefetched lines, no rules (the services
decide), no HTML (the templates do).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from babel.numbers import format_decimal
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from praho.billing import ledger_queries
from praho.billing.models import Document, DocumentLine, DocumentStatus, DocumentType
from praho.billing.rules import totals
from praho.core.formatting import babel_locale
from praho.core.money import CENT

# The payment states the lists filter on (selectors.PAYMENT_STATES), as the pages name them.
PAYMENT_STATE_LABELS: dict[str, StrOrPromise] = {
    "unpaid": _("Unpaid"),
    "partially_paid": _("Partially paid"),
    "paid": _("Paid"),
    "overdue": _("Overdue"),
}


def is_issued_invoice(document: Document) -> bool:
    """The only documents with a payment status and an outstanding amount in the ledger."""
    return document.document_type == DocumentType.INVOICE and document.status == DocumentStatus.ISSUED


def vat_breakdown(document: Document, lines: Iterable[DocumentLine]) -> tuple[totals.VatGroup, ...]:
    """The VAT per category and rate: as stored at issue for an issued invoice or credit note (a credit
    note's is its exact share of the invoice's, billing.credit_amounts), else computed from the lines
    by the rules that compute the totals: one rounding per rate."""
    if document.is_locked:
        stored = sorted(document.vat_subtotals.all(), key=lambda row: (row.category, -row.rate))
        if stored:
            return tuple(
                totals.VatGroup(row.category, row.rate.quantize(CENT), row.taxable_amount, row.vat_amount)
                for row in stored
            )
    return totals.compute_totals(
        totals.LineInput(line.quantity, line.unit_price, line.vat_category, line.vat_rate, line.discount)
        for line in lines
    ).vat_breakdown


def decimal_text(value: Decimal, locale: str | None = None) -> str:
    """A quantity, price or rate in the viewer's language with the decimals it has (no padding,
    at most 4): "12", "1,5", "49,99"."""
    return format_decimal(value, format="#,##0.####", locale=locale or babel_locale())


def price_text(value: Decimal, locale: str | None = None) -> str:
    """A unit price in the viewer's language with 2 to 4 decimals, as the PDF and the customer
    area print it: "49,90", "0,0125"."""
    return format_decimal(value, format="#,##0.00##", locale=locale or babel_locale())


@dataclass(frozen=True)
class PaymentState:
    """An issued invoice's payment status as the staff pages name it ("issued" reads "Unpaid")."""

    value: str
    label: StrOrPromise


def payment_state(document: Document) -> PaymentState | None:
    """None unless issued; the ledger's status otherwise (from with_ledger_amounts() when annotated)."""
    if document.status != DocumentStatus.ISSUED:
        return None
    status = ledger_queries.payment_status(document)
    if status == ledger_queries.PaymentStatus.ISSUED:
        return PaymentState("unpaid", PAYMENT_STATE_LABELS["unpaid"])
    return PaymentState(status.value, status.label)
