"""Issued invoices and credit notes straight through the ORM, for ledger and payment tests.

They stand in for the issue service: amounts come from praho.billing.rules.totals, lines are
written while the document is a draft, and the status is set last (the ORM guard
freezes an issued invoice). `post=True` also posts the document to the ledger, as
issuing does.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

from praho.billing.models import Document, DocumentLine, DocumentStatus, DocumentType
from praho.billing.rules.totals import LineInput, compute_totals
from praho.billing.services import ledger

D = Decimal
_numbers = itertools.count(1)

# (quantity, unit price, VAT rate in percent)
LineSpec = tuple[Decimal, Decimal, Decimal]
ONE_HUNDRED_PLUS_VAT: Sequence[LineSpec] = ((D("1"), D("100"), D("21")),)  # 121.00


def _category(rate: Decimal) -> str:
    return "S" if rate else "O"


def _issue(document: Document, lines: Sequence[tuple[LineSpec, DocumentLine | None]]) -> Document:
    totals = compute_totals(
        LineInput(quantity, price, _category(rate), rate) for (quantity, price, rate), _line in lines
    )
    document.net_total, document.vat_total, document.total = (
        totals.net_total,
        totals.vat_total,
        totals.tax_inclusive_total,
    )
    document.save()
    for position, (((quantity, price, rate), credited), net) in enumerate(
        zip(lines, totals.line_net_amounts, strict=True), start=1
    ):
        DocumentLine.objects.create(
            document=document,
            position=position,
            description=f"Hosting plan {position}",
            quantity=quantity,
            unit_code="MON",
            unit_price=price,
            net_amount=net,
            vat_category=_category(rate),
            vat_rate=rate,
            credited_line=credited,
        )
    document.status = DocumentStatus.ISSUED
    document.save(update_fields=["status"])
    return document


def issued_invoice(
    customer: object,
    *,
    currency: str = "RON",
    lines: Sequence[LineSpec] = ONE_HUNDRED_PLUS_VAT,
    issue_date: date = date(2026, 2, 2),
    due_date: date | None = None,
    post: bool = True,
) -> Document:
    invoice = Document(
        document_type=DocumentType.INVOICE,
        number=f"TST-2026-{next(_numbers):06d}",
        customer=customer,
        currency=currency,
        issue_date=issue_date,
        due_date=due_date or issue_date + timedelta(days=14),
    )
    _issue(invoice, [(line, None) for line in lines])
    if post:
        ledger.post_invoice(invoice)
    return invoice


def issued_credit_note(
    invoice: Document,
    *,
    quantities: dict[int, Decimal] | None = None,
    issue_date: date | None = None,
    post: bool = True,
) -> Document:
    """Credit the invoice's lines by position ({1: Decimal("0.5")}); all of it by default."""
    originals = list(invoice.lines.order_by("position"))
    wanted = quantities or {line.position: line.quantity for line in originals}
    credited = [
        ((wanted[line.position], line.unit_price, line.vat_rate), line)
        for line in originals
        if line.position in wanted
    ]
    note = Document(
        document_type=DocumentType.CREDIT_NOTE,
        number=f"TSC-2026-{next(_numbers):06d}",
        customer_id=invoice.customer_id,
        currency=invoice.currency,
        issue_date=issue_date or invoice.issue_date,
        due_date=issue_date or invoice.issue_date,
        credited_document=invoice,
    )
    _issue(note, credited)
    if post:
        ledger.post_credit_note(note)
    return note
