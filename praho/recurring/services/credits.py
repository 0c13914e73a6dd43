"""Giving back part of a paid period, and dropping the next period's unpaid bill.

- The invoice that paid a service's period: the period's `Renewal` → its document (an invoice, or
  the invoice its proforma was converted to); for the first period (0), the invoice of the order
  that created the service.
- Crediting part of it: a credit note against that invoice (billing.corrections.credit_note) for an
  exact amount, on the invoice's line that billed the service (its description names the period,
  the plan or the domain; among equals the first that still has enough left), with a quantity in
  proportion, so the line's VAT is kept and its later credit notes still add up.
- The next period billed ahead on a renewal proforma still unpaid is cancelled (billing's proforma
  cancellation; recurring's receiver voids the Renewal, so the next run bills the period again at
  the new price); an invoice is left as it is (an issued invoice is corrected, never withdrawn).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils import translation

from praho.billing.models import Document, DocumentLine, DocumentStatus, DocumentType
from praho.billing.services import corrections, credit_amounts
from praho.catalog.cycles import Period
from praho.customers.services.customers import current_profile
from praho.orders.models import Order, Service
from praho.recurring.models import Renewal, RenewalStatus
from praho.recurring.rules.proration import period_text

QUANTITY_QUANTUM = Decimal("0.0001")


def paid_invoice(service: Service, period: Period) -> Document | None:
    """The issued invoice that billed the service's period; None when there is none (not billed,
    billed on a proforma not yet paid, or a service made by staff without an order)."""
    renewal = (
        Renewal.objects.filter(service=service, period_number=period.number)
        .exclude(status=RenewalStatus.VOID)
        .select_related("document")
        .first()
    )
    if renewal is not None:
        document = renewal.document
        if document.document_type == DocumentType.PROFORMA:
            return Document.objects.filter(converted_from=document, status=DocumentStatus.ISSUED).first()
        return document if document.status == DocumentStatus.ISSUED else None
    if period.number == 0 and service.order_line_id is not None:
        invoice_id = Order.objects.filter(lines__pk=service.order_line_id).values_list(
            "invoice_id", flat=True
        )
        return Document.objects.filter(pk__in=invoice_id, status=DocumentStatus.ISSUED).first()
    return None


def _score(line: DocumentLine, markers: list[str]) -> int:
    text = line.description.lower()
    return sum(
        weight for weight, marker in enumerate(reversed(markers), start=1) if marker and marker in text
    )


def billed_line(
    invoice: Document, service: Service, period: Period, amount: Decimal
) -> tuple[DocumentLine, credit_amounts.LineLeft] | None:
    """The invoice's line that billed the service's period, with what is left of it, if `amount` can
    still be credited on it."""
    left = credit_amounts.lines_left(invoice)
    plan = service.plan
    markers = [
        period_text(period.start, period.end),
        service.domain.lower(),
        *(str(getattr(plan, f"name_{code}", "") or "").lower() for code in ("en", "ro", "bg")),
        plan.code.lower(),
    ]
    candidates = [line for line in invoice.lines.order_by("position") if left[line.pk].net_amount >= amount]
    if not candidates:
        return None
    best = max(candidates, key=lambda line: (_score(line, markers), -line.position))
    return best, left[best.pk]


def _quantity(left: credit_amounts.LineLeft, amount: Decimal) -> Decimal | None:
    """The line's quantity in proportion to the amount credited; all that is left only with all of
    its amount."""
    if amount == left.net_amount:
        return left.quantity
    share = (left.quantity * amount / left.net_amount).quantize(QUANTITY_QUANTUM, rounding=ROUND_HALF_UP)
    share = min(max(share, QUANTITY_QUANTUM), left.quantity - QUANTITY_QUANTUM)
    return share if share > 0 else None


@dataclass(frozen=True)
class Credit:
    invoice: Document
    line: DocumentLine
    quantity: Decimal


def plan_credit(service: Service, period: Period, amount: Decimal) -> Credit | None:
    """Where `amount` of the service's period would be credited; None when it cannot be (no invoice
    paid the period, or its line has less than that left)."""
    invoice = paid_invoice(service, period)
    if invoice is None or amount <= 0:
        return None
    found = billed_line(invoice, service, period, amount)
    if found is None:
        return None
    line, left = found
    quantity = _quantity(left, amount)
    return None if quantity is None else Credit(invoice, line, quantity)


def issue_credit(*, actor: Any, credit: Credit, amount: Decimal, description: str) -> Document:
    """The credit note for `amount` exactly, on the line found (inside the caller's transaction)."""
    item = {
        "line": credit.line.pk,
        "quantity": credit.quantity,
        "net_amount": amount,
        "description": description,
    }
    return corrections.credit_note(actor=actor, invoice=credit.invoice, lines=[item])


def in_document_language(service: Service) -> translation.override:
    """What is written on documents speaks the customer's document language."""
    return translation.override(current_profile(service.customer).document_language)


@dataclass(frozen=True)
class NextPeriod:
    cancelled: Document | None  # the unpaid renewal proforma cancelled
    left: Document | None  # the unpaid renewal invoice left as it is


def drop_next_renewal(*, actor: Any, service: Service, period: Period) -> NextPeriod:
    """Cancel the unpaid renewal proforma of the period after `period` (billed ahead at the old
    price); an invoice is left, and said so."""
    renewal = (
        Renewal.objects.filter(service=service, period_number=period.number + 1, status=RenewalStatus.BILLED)
        .select_related("document")
        .first()
    )
    if renewal is None:
        return NextPeriod(None, None)
    document = renewal.document
    if document.document_type == DocumentType.PROFORMA and document.status == DocumentStatus.ISSUED:
        return NextPeriod(corrections.cancel_proforma(actor=actor, proforma=document), None)
    if document.document_type == DocumentType.INVOICE:
        return NextPeriod(None, document)
    return NextPeriod(None, None)
