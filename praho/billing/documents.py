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
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from praho.accounts.models import User
from praho.audit.services import record_event
from praho.billing import ledger, numbering, totals, vat
from praho.billing.models import Document, DocumentLine, DocumentStatus, DocumentType, SellerProfile
from praho.billing.units import UNIT_CODES
from praho.core.money import Currency
from praho.core.validation import FieldErrors, fiscal_today
from praho.customers.models import Customer, CustomerKind
from praho.customers.services import current_profile

PROFORMA_VALID_DAYS = 15


def current_seller() -> SellerProfile:
    seller = SellerProfile.objects.order_by("-version").first()
    if seller is None:
        raise ValidationError(
            _("The seller's data (our company) is not configured yet; an administrator sets it first."),
            code="no_seller",
        )
    return seller


def parse_decimal(errors: FieldErrors, field: str, value: Any, *, places: int) -> Decimal | None:
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
    errors: FieldErrors, index: int, line: dict[str, Any], *, treatment: vat.VatTreatment, on: date
) -> dict[str, Any]:
    prefix = f"lines.{index}."
    description = str(line.get("description") or "").strip()
    if not description:
        errors.add(prefix + "description", _("This field is required."), "required")
    quantity = parse_decimal(errors, prefix + "quantity", line.get("quantity", ""), places=4)
    if quantity is not None and quantity <= 0:
        errors.add(
            prefix + "quantity",
            _("The quantity must be greater than zero; to take something back, issue a credit note."),
            "not_positive",
        )
    unit_price = parse_decimal(errors, prefix + "unit_price", line.get("unit_price", ""), places=4)
    if unit_price is not None and unit_price < 0:
        errors.add(prefix + "unit_price", _("The unit price cannot be negative."), "negative")
    discount = parse_decimal(errors, prefix + "discount", line.get("discount") or "0", places=2) or Decimal(
        "0"
    )
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
    errors: FieldErrors, prefix: str, line: dict[str, Any], *, computed: vat.VatTreatment, on: date
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
    errors: FieldErrors, customer: Customer, values: dict[str, Any]
) -> tuple[str, date, date | None, date]:
    profile = current_profile(customer)
    currency = str(values.get("currency") or profile.currency).upper()
    if currency not in Currency.values:
        errors.add("currency", _("Choose RON, EUR or USD."), "invalid_choice")
    issue_date = values.get("issue_date") or fiscal_today()
    tax_point_date = values.get("tax_point_date")
    due_date = values.get("due_date") or issue_date + timedelta(days=profile.payment_terms_days)
    if due_date < issue_date:
        errors.add("due_date", _("The due date cannot be before the issue date."), "before_issue")
    return currency, issue_date, tax_point_date, due_date


def write_lines(document: Document, lines: list[dict[str, Any]]) -> None:
    computed = _line_totals(lines)
    document.lines.all().delete()
    _insert_lines(document, lines, computed)
    _set_totals(document, computed)


def _line_totals(lines: list[dict[str, Any]]) -> totals.Totals:
    return totals.compute_totals(
        totals.LineInput(
            line["quantity"], line["unit_price"], line["vat_category"], line["vat_rate"], line["discount"]
        )
        for line in lines
    )


def _insert_lines(document: Document, lines: list[dict[str, Any]], computed: totals.Totals) -> None:
    """All lines in one INSERT."""
    DocumentLine.objects.bulk_create(
        DocumentLine(document=document, position=index + 1, net_amount=net, **line)
        for index, (line, net) in enumerate(zip(lines, computed.line_net_amounts, strict=True))
    )


def _set_totals(document: Document, computed: totals.Totals) -> None:
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
    errors = FieldErrors()
    currency, issue_date, tax_point_date, due_date = _clean_header(errors, customer, values)
    seller = current_seller()
    treatment = _treatment(customer, seller, tax_point_date or issue_date)
    if not lines:
        errors.add("lines", _("A document needs at least one line."), "required")
    on = tax_point_date or issue_date
    cleaned = [_clean_line(errors, i, line, treatment=treatment, on=on) for i, line in enumerate(lines)]
    errors.raise_if_any()
    document = Document(
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
    computed = _line_totals(cleaned)
    # Totals before the INSERT: a new draft has no lines to replace and needs no UPDATE after.
    _set_totals(document, computed)
    with transaction.atomic():
        document.save(force_insert=True)
        _insert_lines(document, cleaned, computed)
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
        refuse_unless_editable(document)
        errors = FieldErrors()
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
            write_lines(document, cleaned)
        document.save()
        record_event(
            f"billing.{document.document_type}_changed",
            actor=actor,
            target=document,
            data={"fields": sorted(values), "lines": cleaned is not None, "total": document.total},
        )
    return document


def refuse_unless_editable(document: Document) -> None:
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
    # By id: the same first address as the model's ordering gives within one customer, without
    # that ordering's join to the customer.
    address = customer.addresses.filter(is_billing=True).order_by("pk").first()
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


# What issuing sets; the rest of the draft was read under the lock and stays as it is.
_ISSUE_FIELDS = (
    "buyer",
    "seller",
    "customer_profile",
    "mentions",
    "exchange_rate",
    "vat_total_ron",
    "series",
    "number",
    "sequence",
    "issued_at",
    "status",
)


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
        document.series, issued = numbering.next_default_number(
            document_type=document.document_type, on=document.issue_date
        )
        document.number, document.sequence = issued.formatted, issued.sequence
        document.issued_at = timezone.now()
        document.status = DocumentStatus.ISSUED
        _store_issue(document)
        if document.document_type == DocumentType.INVOICE:
            ledger.post_issued_invoice(document, actor=actor)
        elif document.document_type == DocumentType.CREDIT_NOTE:
            ledger.post_credit_note(document, actor=actor)
        record_event(
            f"billing.{document.document_type}_issued",
            actor=actor,
            target=document,
            data={"number": document.number, "total": document.total, "currency": document.currency},
        )
    return document


def _store_issue(document: Document) -> None:
    """One UPDATE of what issuing set, on the row locked above while it is still a draft.

    A queryset update rather than save(): the model's save() guard reads back all fiscal
    fields to compare them, while the queryset's own guard only asks whether the row is
    issued already; the draft filter makes that certain (no signals listen to documents).
    """
    updated = Document.objects.filter(pk=document.pk, status=DocumentStatus.DRAFT).update(
        **{field: getattr(document, field) for field in _ISSUE_FIELDS}
    )
    if updated != 1:  # impossible under the row lock; never issue half
        raise RuntimeError(f"Document {document.pk} changed while it was being issued.")


def _mentions(document: Document, seller: SellerProfile) -> list[str]:
    """The legal mentions, in the customer's document language, from each line's treatment."""
    on = document.tax_point_date or document.issue_date
    computed = _treatment(document.customer, seller, on)
    treatments = []
    # By position: the model's ordering would join the document only to sort by its date.
    for line in document.lines.order_by("position"):
        values = line_values(line)
        errors = FieldErrors()
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


def line_values(line: DocumentLine) -> dict[str, Any]:
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
