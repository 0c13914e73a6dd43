"""Corrections and conversions: cancelling or converting a proforma, crediting an invoice.

An issued invoice is never edited, deleted or cancelled: it is corrected by a
credit note (storno) that refers to it and is itself issued and frozen.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils.translation import gettext as _

from praho.accounts.models import User
from praho.audit.services import record_event
from praho.billing.documents import (
    issue_document,
    line_values,
    parse_decimal,
    refuse_unless_editable,
    write_lines,
)
from praho.billing.locks import locked_document
from praho.billing.models import Document, DocumentLine, DocumentStatus, DocumentType
from praho.core.money import CENT, round_money
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
    return proforma


@service_transaction
def convert_proforma(*, actor: User, proforma: Document, issue_date: date | None = None) -> Document:
    """Issue the invoice for a proforma: same lines and VAT, linked back; the proforma is closed."""
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
        due_date=max(proforma.due_date, issue_date),
        converted_from=proforma,
        notes=proforma.notes,
        created_by=actor,
    )
    write_lines(invoice, [line_values(line) for line in proforma.lines.all()])
    invoice.save(update_fields=["net_total", "vat_total", "total"])
    proforma.status = DocumentStatus.CONVERTED
    proforma.save(update_fields=["status"])
    record_event("billing.proforma_converted", actor=actor, target=proforma, data={"invoice": invoice.pk})
    return issue_document(actor=actor, document=invoice)


@service_transaction
def credit_note(*, actor: User, invoice: Document, lines: list[dict[str, Any]] | None = None) -> Document:
    """Issue a credit note (storno) for a whole invoice or chosen lines and quantities.

    Amounts on the credit note are positive, as on a UBL CreditNote; it refers
    to the invoice's number and date. No line is ever credited beyond what was
    invoiced, counting earlier credit notes.
    """
    invoice = locked_document(invoice.pk)
    if invoice.document_type != DocumentType.INVOICE or invoice.status == DocumentStatus.DRAFT:
        raise ValidationError(_("Only an issued invoice can be credited."), code="not_issued")
    originals = {line.pk: line for line in invoice.lines.all()}
    wanted = lines or [{"line": pk} for pk in originals]
    errors = FieldErrors()
    already = credited_quantities(invoice)
    seen: set[int] = set()
    chosen = [_credited(errors, index, item, originals, already, seen) for index, item in enumerate(wanted)]
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
    _refuse_over_crediting(invoice, note)
    note.save(update_fields=["net_total", "vat_total", "total"])
    return issue_document(actor=actor, document=note)


def credited_quantities(invoice: Document) -> dict[int, Decimal]:
    """Per line of the invoice, the quantity its issued credit notes already took back."""
    return dict(
        DocumentLine.objects.filter(credited_line__document=invoice)
        .exclude(document__status=DocumentStatus.DRAFT)
        .order_by()
        .values_list("credited_line")
        .annotate(total=Sum("quantity"))
    )


def creditable_lines(invoice: Document) -> list[tuple[DocumentLine, Decimal]]:
    """Each line of the invoice with the quantity that can still be credited."""
    credited = credited_quantities(invoice)
    return [(line, line.quantity - credited.get(line.pk, Decimal("0"))) for line in invoice.lines.all()]


def _credited(
    errors: FieldErrors,
    index: int,
    item: dict[str, Any],
    originals: dict[int, DocumentLine],
    already: dict[int, Decimal],
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
    remaining = line.quantity - already.get(line.pk, Decimal("0"))
    quantity = parse_decimal(errors, prefix + "quantity", item.get("quantity", remaining), places=4)
    if quantity is not None and not Decimal("0") < quantity <= remaining:
        errors.add(
            prefix + "quantity",
            _("Between 0 and %(remaining)s of this line can still be credited.")
            % {"remaining": f"{remaining.normalize():f}"},
            "over_credit",
        )
    if quantity is None:
        return {}
    discount = round_money(line.discount * quantity / line.quantity)
    return line_values(line) | {"quantity": quantity, "discount": discount, "credited_line_id": line.pk}


def _refuse_over_crediting(invoice: Document, note: Document) -> None:
    """The credited lines never exceed the invoiced quantities (checked per line); the totals
    may differ by the cent per VAT rate that rounding VAT per document (BR-CO-17) gives, no more."""
    credited = Document.objects.filter(credited_document=invoice).exclude(
        status=DocumentStatus.DRAFT
    ).aggregate(total=Sum("total"))["total"] or Decimal("0")
    rates = invoice.lines.values("vat_category", "vat_rate").distinct().count()
    if credited + note.total > invoice.total + CENT * rates:
        raise ValidationError(
            {
                "lines": ValidationError(
                    _("Crediting %(amount)s would exceed what was invoiced (%(left)s left to credit).")
                    % {"amount": note.total, "left": invoice.total - credited},
                    code="over_credit",
                )
            }
        )
