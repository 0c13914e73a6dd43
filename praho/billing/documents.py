"""Write operations on proformas, invoices and credit notes.

Each function is one business action in one transaction, audited. Drafts are
edited freely; issuing numbers the document, snapshots both parties and
freezes an invoice or credit note for good. Corrections are credit notes.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from praho.accounts.models import User
from praho.audit.services import record_event
from praho.billing import ledger, numbering, totals, vat
from praho.billing.models import Document, DocumentLine, DocumentStatus, DocumentType, SellerProfile
from praho.billing.units import UNIT_CODES
from praho.core.money import CENT, Currency, round_money
from praho.customers.models import Customer, CustomerKind
from praho.customers.services import current_profile

PROFORMA_VALID_DAYS = 15


class _Errors:
    """Collects errors keyed by field ("lines.0.quantity") so one request reports them all."""

    def __init__(self) -> None:
        self.by_field: dict[str, list[ValidationError]] = {}

    def add(self, field: str, message: str, code: str) -> None:
        self.by_field.setdefault(field, []).append(ValidationError(message, code=code))

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)


def current_seller() -> SellerProfile:
    seller = SellerProfile.objects.order_by("-version").first()
    if seller is None:
        raise ValidationError(
            _("The seller's data (our company) is not configured yet; an administrator sets it first."),
            code="no_seller",
        )
    return seller


def _decimal(errors: _Errors, field: str, value: Any, *, places: int) -> Decimal | None:
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError, TypeError):
        number = None
    if number is None or not number.is_finite():
        errors.add(field, _("Enter a number."), "invalid")
        return None
    if -number.as_tuple().exponent > places:  # type: ignore[operator]
        errors.add(field, _("Use at most %(places)s decimals.") % {"places": places}, "decimals")
        return None
    return number


def _clean_line(
    errors: _Errors, index: int, line: dict[str, Any], *, treatment: vat.VatTreatment, on: date
) -> dict[str, Any]:
    prefix = f"lines.{index}."
    description = str(line.get("description") or "").strip()
    if not description:
        errors.add(prefix + "description", _("This field is required."), "required")
    quantity = _decimal(errors, prefix + "quantity", line.get("quantity", ""), places=4)
    if quantity is not None and quantity <= 0:
        errors.add(
            prefix + "quantity",
            _("The quantity must be greater than zero; to take something back, issue a credit note."),
            "not_positive",
        )
    unit_price = _decimal(errors, prefix + "unit_price", line.get("unit_price", ""), places=4)
    if unit_price is not None and unit_price < 0:
        errors.add(prefix + "unit_price", _("The unit price cannot be negative."), "negative")
    discount = _decimal(errors, prefix + "discount", line.get("discount") or "0", places=2) or Decimal("0")
    unit_code = str(line.get("unit_code") or "H87").upper()
    if unit_code not in UNIT_CODES:
        errors.add(
            prefix + "unit_code",
            _("Unknown unit code; use a UN/ECE Rec. 20 code such as H87, MON, ANN or HUR."),
            "unit_code",
        )
    if discount < 0:
        errors.add(prefix + "discount", _("The discount cannot be negative."), "negative")
    elif (
        quantity is not None and quantity > 0 and unit_price is not None and discount > quantity * unit_price
    ):
        errors.add(prefix + "discount", _("The discount cannot exceed the line's amount."), "discount")
    chosen = _line_treatment(errors, prefix, line, computed=treatment, on=on)
    return {
        "description": description,
        "quantity": quantity,
        "unit_code": unit_code,
        "unit_price": unit_price,
        "discount": discount,
        "vat_category": chosen.category,
        "vat_rate": chosen.rate,
        "vat_override_reason": ""
        if chosen == treatment
        else str(line.get("vat_override_reason") or "").strip(),
        "vat_exemption_reason_code": chosen.exemption_reason_code,
        "vat_exemption_reason": chosen.exemption_reason,
    }


def _is_override(line: dict[str, Any]) -> bool:
    return line.get("vat_rate") not in (None, "") or bool(line.get("vat_category"))


def _line_treatment(
    errors: _Errors, prefix: str, line: dict[str, Any], *, computed: vat.VatTreatment, on: date
) -> vat.VatTreatment:
    """The computed treatment, or the one billing staff chose instead (checked, with a reason)."""
    if not _is_override(line):
        return computed
    category = str(line.get("vat_category") or computed.category)
    rate = str(line["vat_rate"]) if line.get("vat_rate") not in (None, "") else computed.rate
    if (category, Decimal(str(rate))) == (computed.category, computed.rate):
        return computed
    try:
        return vat.vat_override(
            category=category,
            rate=rate,
            reason=str(line.get("vat_override_reason") or ""),
            country=computed.vat_country or "RO",
            on=on,
            exemption_reason=str(line.get("vat_exemption_reason") or ""),
            exemption_reason_code=str(line.get("vat_exemption_reason_code") or ""),
        )
    except ValidationError as error:
        for field, field_errors in error.error_dict.items():
            for one in field_errors:
                errors.add(prefix + field, one.messages[0], str(one.code))
        return computed


def _treatment(customer: Customer, seller: SellerProfile, on: date) -> vat.VatTreatment:
    return vat.determine_treatment(seller=vat.seller_facts(seller), buyer=vat.buyer_facts(customer), on=on)


def _clean_header(
    errors: _Errors, customer: Customer, values: dict[str, Any]
) -> tuple[str, date, date | None, date]:
    profile = current_profile(customer)
    currency = str(values.get("currency") or profile.currency).upper()
    if currency not in Currency.values:
        errors.add("currency", _("Choose RON, EUR or USD."), "invalid_choice")
    issue_date = values.get("issue_date") or timezone.localdate()
    tax_point_date = values.get("tax_point_date")
    due_date = values.get("due_date") or issue_date + timedelta(days=profile.payment_terms_days)
    if due_date < issue_date:
        errors.add("due_date", _("The due date cannot be before the issue date."), "before_issue")
    return currency, issue_date, tax_point_date, due_date


def _write_lines(document: Document, lines: list[dict[str, Any]]) -> None:
    computed = totals.compute_totals(
        totals.LineInput(
            line["quantity"], line["unit_price"], line["vat_category"], line["vat_rate"], line["discount"]
        )
        for line in lines
    )
    document.lines.all().delete()
    DocumentLine.objects.bulk_create(
        DocumentLine(document=document, position=index + 1, net_amount=net, **line)
        for index, (line, net) in enumerate(zip(lines, computed.line_net_amounts, strict=True))
    )
    document.net_total, document.vat_total = computed.net_total, computed.vat_total
    document.total = computed.tax_inclusive_total


def create_document(
    *,
    actor: User,
    document_type: str,
    customer: Customer,
    lines: list[dict[str, Any]],
    **values: Any,
) -> Document:
    """A draft proforma or invoice: VAT per line from the engine unless overridden with a reason.

    `values`: currency (default: the customer's), issue_date (today), tax_point_date,
    due_date (issue date + the customer's payment terms), notes.
    """
    if document_type not in (DocumentType.PROFORMA, DocumentType.INVOICE):
        raise ValidationError(
            {"document_type": ValidationError(_("Choose proforma or invoice."), code="invalid")}
        )
    errors = _Errors()
    currency, issue_date, tax_point_date, due_date = _clean_header(errors, customer, values)
    seller = current_seller()
    treatment = _treatment(customer, seller, tax_point_date or issue_date)
    if not lines:
        errors.add("lines", _("A document needs at least one line."), "required")
    on = tax_point_date or issue_date
    cleaned = [_clean_line(errors, i, line, treatment=treatment, on=on) for i, line in enumerate(lines)]
    errors.raise_if_any()
    with transaction.atomic():
        document = Document.objects.create(
            document_type=document_type,
            customer=customer,
            currency=currency,
            issue_date=issue_date,
            tax_point_date=tax_point_date,
            due_date=due_date,
            valid_until=issue_date + timedelta(days=PROFORMA_VALID_DAYS)
            if document_type == DocumentType.PROFORMA
            else None,
            notes=str(values.get("notes") or ""),
            created_by=actor,
        )
        _write_lines(document, cleaned)
        document.save(update_fields=["net_total", "vat_total", "total"])
        overrides = [line for line in cleaned if line["vat_override_reason"]]
        record_event(
            f"billing.{document_type}_drafted",
            actor=actor,
            target=document,
            data={
                "customer": customer.pk,
                "currency": currency,
                "total": document.total,
                "vat_overrides": [
                    {k: line[k] for k in ("description", "vat_category", "vat_rate", "vat_override_reason")}
                    for line in overrides
                ],
            },
        )
    return document


def update_draft(
    *, actor: User, document: Document, lines: list[dict[str, Any]] | None = None, **values: Any
) -> Document:
    """Change a draft (or a proforma not yet converted or cancelled); issued invoices never change."""
    with transaction.atomic():
        document = Document.objects.select_for_update().get(pk=document.pk)
        _refuse_unless_editable(document)
        errors = _Errors()
        merged = {
            "currency": document.currency,
            "issue_date": document.issue_date,
            "tax_point_date": document.tax_point_date,
            "due_date": document.due_date,
        } | values
        currency, issue_date, tax_point_date, due_date = _clean_header(errors, document.customer, merged)
        treatment = _treatment(document.customer, current_seller(), tax_point_date or issue_date)
        cleaned = None
        if lines is not None:
            if not lines:
                errors.add("lines", _("A document needs at least one line."), "required")
            cleaned = [
                _clean_line(errors, i, line, treatment=treatment, on=tax_point_date or issue_date)
                for i, line in enumerate(lines)
            ]
        errors.raise_if_any()
        document.currency, document.issue_date = currency, issue_date
        document.tax_point_date, document.due_date = tax_point_date, due_date
        if "notes" in values:
            document.notes = str(values["notes"] or "")
        if cleaned is not None:
            _write_lines(document, cleaned)
        document.save()
        record_event(
            f"billing.{document.document_type}_changed",
            actor=actor,
            target=document,
            data={"fields": sorted(values), "lines": cleaned is not None, "total": document.total},
        )
    return document


def _refuse_unless_editable(document: Document) -> None:
    if document.is_locked:
        raise ValidationError(
            _("Document %(number)s is issued and cannot be changed; correct it with a credit note.")
            % {"number": document.number},
            code="issued",
        )
    if document.status in (DocumentStatus.CANCELLED, DocumentStatus.CONVERTED):
        raise ValidationError(
            _("This proforma is %(status)s and cannot be changed.")
            % {"status": document.get_status_display()},
            code="closed",
        )


def _buyer_snapshot(customer: Customer) -> dict[str, Any]:
    address = customer.addresses.filter(is_billing=True).first()
    if address is None:
        raise ValidationError(
            {
                "customer": ValidationError(
                    _(
                        "The customer has no billing address; "
                        "the law requires the buyer's address on the document."
                    ),
                    code="no_address",
                )
            }
        )
    if customer.kind == CustomerKind.COMPANY and customer.country == "RO" and not customer.tax_id:
        raise ValidationError(
            {
                "customer": ValidationError(
                    _("A Romanian company must have a CUI on the document."), code="no_tax_id"
                )
            }
        )
    return {
        "kind": customer.kind,
        "name": customer.name,
        "tax_id": customer.tax_id,
        "trade_register_number": customer.trade_register_number,
        "email": customer.email,
        "street": address.street,
        "city": address.city,
        "county": address.county,
        "postal_code": address.postal_code,
        "country": address.country,
    }


def issue_document(*, actor: User, document: Document) -> Document:
    """Give the document its number and freeze it (invoices and credit notes).

    The number comes from the document type's default series, taken in this
    transaction: a failure afterwards rolls the number back, so series stay
    gap-free. Both parties are snapshotted: the seller's profile version, the
    customer's tax profile version and identity and billing address.
    """
    with transaction.atomic():
        document = Document.objects.select_for_update().select_related("customer").get(pk=document.pk)
        if document.status != DocumentStatus.DRAFT:
            raise ValidationError(
                _("%(document)s was already issued.") % {"document": document}, code="already_issued"
            )
        seller = current_seller()
        document.buyer = _buyer_snapshot(document.customer)
        document.seller = seller
        document.customer_profile = current_profile(document.customer)
        document.mentions = _mentions(document, seller)
        _set_ron_vat(document)
        issued = numbering.next_number(
            series=numbering.default_series(document.document_type), on=document.issue_date
        )
        document.number, document.sequence = issued.formatted, issued.sequence
        document.issued_at = timezone.now()
        document.status = DocumentStatus.ISSUED
        document.save()
        if document.document_type == DocumentType.INVOICE:
            ledger.post_invoice(document, actor=actor)
        elif document.document_type == DocumentType.CREDIT_NOTE:
            ledger.post_credit_note(document, actor=actor)
        record_event(
            f"billing.{document.document_type}_issued",
            actor=actor,
            target=document,
            data={"number": document.number, "total": document.total, "currency": document.currency},
        )
    return document


def _mentions(document: Document, seller: SellerProfile) -> list[str]:
    """The legal mentions, in the customer's document language, from each line's treatment."""
    on = document.tax_point_date or document.issue_date
    computed = _treatment(document.customer, seller, on)
    treatments = []
    for line in document.lines.all():
        values = _line_values(line)
        errors = _Errors()
        treatments.append(
            _line_treatment(errors, "", values if line.vat_override_reason else {}, computed=computed, on=on)
        )
    language = document.customer_profile.document_language if document.customer_profile else "ro"
    with translation.override(language):
        return [str(text) for text in vat.document_mentions(vat.seller_facts(seller), treatments)]


def _set_ron_vat(document: Document) -> None:
    if document.currency == Currency.RON:
        document.exchange_rate, document.vat_total_ron = None, None
        return
    from praho.billing import fx

    on = document.tax_point_date or document.issue_date
    document.exchange_rate = fx.rate_for(document.currency, on).rate
    document.vat_total_ron = fx.to_ron(document.vat_total, document.currency, on)


def cancel_proforma(*, actor: User, proforma: Document) -> Document:
    """A proforma is not a fiscal document: it can be cancelled until it is converted."""
    with transaction.atomic():
        proforma = Document.objects.select_for_update().get(pk=proforma.pk)
        if proforma.document_type != DocumentType.PROFORMA:
            raise ValidationError(
                _("Only a proforma can be cancelled; an invoice is corrected with a credit note."),
                code="not_proforma",
            )
        _refuse_unless_editable(proforma)
        proforma.status = DocumentStatus.CANCELLED
        proforma.save(update_fields=["status"])
        record_event(
            "billing.proforma_cancelled", actor=actor, target=proforma, data={"number": proforma.number}
        )
    return proforma


def convert_proforma(*, actor: User, proforma: Document, issue_date: date | None = None) -> Document:
    """Issue the invoice for a proforma: same lines and VAT, linked back; the proforma is closed."""
    with transaction.atomic():
        proforma = Document.objects.select_for_update().get(pk=proforma.pk)
        if proforma.document_type != DocumentType.PROFORMA:
            raise ValidationError(_("Only a proforma can be converted."), code="not_proforma")
        _refuse_unless_editable(proforma)
        issue_date = issue_date or timezone.localdate()
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
        _write_lines(invoice, [_line_values(line) for line in proforma.lines.all()])
        invoice.save(update_fields=["net_total", "vat_total", "total"])
        proforma.status = DocumentStatus.CONVERTED
        proforma.save(update_fields=["status"])
        record_event("billing.proforma_converted", actor=actor, target=proforma, data={"invoice": invoice.pk})
        return issue_document(actor=actor, document=invoice)


def _line_values(line: DocumentLine) -> dict[str, Any]:
    fields = (
        "description",
        "quantity",
        "unit_code",
        "unit_price",
        "discount",
        "vat_category",
        "vat_rate",
        "vat_override_reason",
    )
    return {field: getattr(line, field) for field in fields}


def credit_note(*, actor: User, invoice: Document, lines: list[dict[str, Any]] | None = None) -> Document:
    """Issue a credit note (storno) for a whole invoice or chosen lines and quantities.

    Amounts on the credit note are positive, as on a UBL CreditNote; it refers
    to the invoice's number and date. No line is ever credited beyond what was
    invoiced, counting earlier credit notes.
    """
    with transaction.atomic():
        invoice = Document.objects.select_for_update().get(pk=invoice.pk)
        if invoice.document_type != DocumentType.INVOICE or invoice.status == DocumentStatus.DRAFT:
            raise ValidationError(_("Only an issued invoice can be credited."), code="not_issued")
        originals = {line.pk: line for line in invoice.lines.all()}
        wanted = lines or [{"line": pk} for pk in originals]
        errors = _Errors()
        chosen = [_credited(errors, index, item, originals) for index, item in enumerate(wanted)]
        errors.raise_if_any()
        note = Document.objects.create(
            document_type=DocumentType.CREDIT_NOTE,
            customer=invoice.customer,
            currency=invoice.currency,
            issue_date=timezone.localdate(),
            due_date=timezone.localdate(),
            credited_document=invoice,
            created_by=actor,
        )
        _write_lines(note, chosen)
        _refuse_over_crediting(invoice, note)
        note.save(update_fields=["net_total", "vat_total", "total"])
        return issue_document(actor=actor, document=note)


def _credited(
    errors: _Errors, index: int, item: dict[str, Any], originals: dict[int, DocumentLine]
) -> dict[str, Any]:
    prefix = f"lines.{index}."
    try:
        line = originals[int(item.get("line"))]  # type: ignore[arg-type]
    except (KeyError, TypeError, ValueError):
        errors.add(prefix + "line", _("This invoice has no such line."), "invalid")
        return {}
    already = DocumentLine.objects.filter(credited_line=line).exclude(
        document__status=DocumentStatus.DRAFT
    ).aggregate(total=Sum("quantity"))["total"] or Decimal("0")
    remaining = line.quantity - already
    quantity = _decimal(errors, prefix + "quantity", item.get("quantity", remaining), places=4)
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
    return _line_values(line) | {"quantity": quantity, "discount": discount, "credited_line_id": line.pk}


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
