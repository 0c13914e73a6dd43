"""Corrections and conversions: cancelling or converting a proforma, crediting an invoice.

An issued invoice is never edited, deleted or cancelled: it is corrected by a
credit note (storno) that refers to it and is itself issued and frozen.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_CEILING, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from praho.accounts.models import User
from praho.audit.services import record_event
from praho.billing import signals
from praho.billing.locks import locked_document
from praho.billing.models import Document, DocumentLine, DocumentStatus, DocumentType
from praho.billing.services import credit_amounts
from praho.billing.services.drafts import line_values, parse_decimal, refuse_unless_editable, write_lines
from praho.billing.services.issuing import issue_document
from praho.core.money import round_money
from praho.core.transactions import service_transaction
from praho.core.validation import FieldErrors, fiscal_today


@service_transaction
def cancel_proforma(*, actor: User, proforma: Document) -> Document:
    """A proforma is not a fiscal document: it can be cancelled until it is converted."""
    proforma = locked_document(proforma.pk)
    if proforma.document_type != DocumentType.PROFORMA:
        raise ValidationError(
            _("Only a proforma can be cancelled; an invoice is corrected with a credit note."),
            code="not_proforma",
        )
    refuse_unless_editable(proforma)
    proforma.status = DocumentStatus.CANCELLED
    proforma.save(update_fields=["status"])
    record_event("billing.proforma_cancelled", actor=actor, target=proforma, data={"number": proforma.number})
    signals.proforma_cancelled.send(sender=Document, document_id=proforma.pk, actor=actor)
    return proforma


@service_transaction
def convert_proforma(
    *, actor: User, proforma: Document, issue_date: date | None = None, paid_on: date | None = None
) -> Document:
    """Issue the invoice for a proforma: same lines, linked back; the proforma is closed.

    Issuing determines the lines' VAT again on the invoice's chargeable date (issuing.py). When
    the conversion follows a payment (`paid_on`, the day the money was received), that day is the
    chargeable event of the advance (art. 282(2)(c) Codul fiscal, "data încasării avansului"): it
    is the invoice's tax point date (BT-7) when it is before the issue date, and its rate applies.
    """
    proforma = locked_document(proforma.pk)
    if proforma.document_type != DocumentType.PROFORMA:
        raise ValidationError(_("Only a proforma can be converted."), code="not_proforma")
    refuse_unless_editable(proforma)
    issue_date = issue_date or fiscal_today()
    invoice = Document.objects.create(
        document_type=DocumentType.INVOICE,
        customer=proforma.customer,
        currency=proforma.currency,
        issue_date=issue_date,
        tax_point_date=paid_on if paid_on is not None and paid_on < issue_date else None,
        due_date=max(proforma.due_date, issue_date),
        converted_from=proforma,
        notes=proforma.notes,
        created_by=actor,
    )
    write_lines(invoice, [line_values(line) for line in proforma.lines.order_by("position")])
    invoice.save(update_fields=["net_total", "vat_total", "total"])
    proforma.status = DocumentStatus.CONVERTED
    proforma.save(update_fields=["status"])
    record_event("billing.proforma_converted", actor=actor, target=proforma, data={"invoice": invoice.pk})
    return issue_document(actor=actor, document=invoice)


@service_transaction
def credit_note(*, actor: User, invoice: Document, lines: list[dict[str, Any]] | None = None) -> Document:
    """Issue a credit note (storno) for a whole invoice or chosen lines and quantities.

    Amounts on the credit note are positive, as on a UBL CreditNote; it refers to the invoice's
    number and date and keeps its lines' VAT. No line is ever credited beyond what was invoiced,
    counting earlier credit notes, and the credit note that takes the rest of a line or a VAT rate
    takes exactly what is left of it (credit_amounts). Without `lines`, all that is left.

    A line may name the `net_amount` to credit (a prorated refund of part of a period, praho.recurring)
    and its own `description`: it takes that amount exactly, with `quantity` of the line.
    """
    invoice = locked_document(invoice.pk)
    if invoice.document_type != DocumentType.INVOICE or invoice.status == DocumentStatus.DRAFT:
        raise ValidationError(_("Only an issued invoice can be credited."), code="not_issued")
    originals = {line.pk: line for line in invoice.lines.order_by("position")}
    left = credit_amounts.lines_left(invoice)
    wanted = lines or [{"line": pk} for pk in originals if left[pk].quantity > 0]
    if not wanted:
        raise ValidationError(
            {
                "lines": ValidationError(
                    _("Invoice %(invoice)s is credited in full already.") % {"invoice": invoice},
                    code="over_credit",
                )
            }
        )
    errors = FieldErrors()
    seen: set[int] = set()
    chosen = [_credited(errors, index, item, originals, left, seen) for index, item in enumerate(wanted)]
    errors.raise_if_any()
    note = Document.objects.create(
        document_type=DocumentType.CREDIT_NOTE,
        customer=invoice.customer,
        currency=invoice.currency,
        issue_date=fiscal_today(),
        due_date=fiscal_today(),
        credited_document=invoice,
        created_by=actor,
    )
    write_lines(note, chosen)
    shares = credit_amounts.credit_breakdown(invoice, list(note.lines.all()))
    note.vat_total = sum((share.vat_amount for share in shares), Decimal("0.00"))
    note.total = note.net_total + note.vat_total
    note.save(update_fields=["net_total", "vat_total", "total"])
    return issue_document(actor=actor, document=note)


ZERO = Decimal("0.00")


def creditable_lines(invoice: Document) -> list[tuple[DocumentLine, Decimal]]:
    """Each line of the invoice with the quantity that can still be credited."""
    left = credit_amounts.lines_left(invoice)
    return [(line, left[line.pk].quantity) for line in invoice.lines.order_by("position")]


def _credited(
    errors: FieldErrors,
    index: int,
    item: dict[str, Any],
    originals: dict[int, DocumentLine],
    left: dict[int, credit_amounts.LineLeft],
    seen: set[int],
) -> dict[str, Any]:
    prefix = f"lines.{index}."
    try:
        line = originals[int(item.get("line"))]  # type: ignore[arg-type]
    except (KeyError, TypeError, ValueError):
        errors.add(prefix + "line", _("This invoice has no such line."), "invalid")
        return {}
    # Checked per line against earlier credit notes: the same line twice in one request
    # would slip past that check.
    if line.pk in seen:
        errors.add(prefix + "line", _("This line is already chosen; give its quantity once."), "duplicate")
        return {}
    seen.add(line.pk)
    remaining = left[line.pk].quantity
    quantity = parse_decimal(errors, prefix + "quantity", item.get("quantity", remaining), places=4)
    if quantity is not None and not Decimal("0") < quantity <= remaining:
        errors.add(
            prefix + "quantity",
            _("Between 0 and %(remaining)s of this line can still be credited.")
            % {"remaining": f"{remaining.normalize():f}"},
            "over_credit",
        )
        return {}
    if quantity is None:
        return {}
    if item.get("net_amount") is not None:
        amounts = _credited_amount(errors, prefix, item, quantity, left[line.pk])
        if amounts is None:
            return {}
        unit_price, discount = amounts
    else:
        unit_price, discount = credit_amounts.credited_line_amounts(line, quantity, left[line.pk])
    values = line_values(line) | {
        "quantity": quantity,
        "unit_price": unit_price,
        "discount": discount,
        "credited_line_id": line.pk,
    }
    if item.get("description"):
        values["description"] = str(item["description"])[:500]
    return values


def _credited_amount(
    errors: FieldErrors, prefix: str, item: dict[str, Any], quantity: Decimal, left: credit_amounts.LineLeft
) -> tuple[Decimal, Decimal] | None:
    """(unit price, discount) of a credit line that takes exactly `net_amount` (a prorated refund:
    part of a period) with `quantity` of the line. Taking the rest of the line's quantity takes
    the rest of its amount: the line's last credit note settles its VAT (credit_amounts)."""
    net = item["net_amount"]
    if not isinstance(net, Decimal) or net != round_money(net) or not ZERO < net <= left.net_amount:
        errors.add(
            prefix + "net_amount",
            _("Between 0 and %(left)s of this line can still be credited.") % {"left": left.net_amount},
            "over_credit",
        )
        return None
    if quantity == left.quantity and net != left.net_amount:
        errors.add(
            prefix + "quantity",
            _("Credit less than all that is left of the line's quantity, or all of its amount."),
            "over_credit",
        )
        return None
    return credit_amounts.amounts_giving(quantity, line_price_for(quantity, net), net)


def line_price_for(quantity: Decimal, net: Decimal) -> Decimal:
    """The unit price (4 decimals, rounded up) that gives `net` for `quantity`, less a rounding
    discount."""
    return (net / quantity).quantize(credit_amounts.PRICE_QUANTUM, rounding=ROUND_CEILING)
