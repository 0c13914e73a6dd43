"""Write operations on proformas, invoices and credit notes.

Each function is one business action in one transaction, audited. Drafts are
edited freely; issuing numbers the document, snapshots both parties and
freezes an invoice or credit note for good. Corrections are credit notes.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from praho.accounts.models import User
from praho.audit.services import record_event
from praho.billing.locks import locked_document
from praho.billing.models import Document, DocumentLine, DocumentStatus, DocumentType, SellerProfile
from praho.billing.rules import totals, vat
from praho.billing.rules.document_input import (
    checked_notes,
    checked_texts,
    fitting_amounts,
    in_range,
    refuse_large_totals,
    too_many_lines,
)
from praho.billing.rules.units import UNIT_CODES
from praho.billing.services.buyer_vat import confirm_vat_number
from praho.core.money import Currency
from praho.core.numbers import plain_decimal
from praho.core.transactions import service_transaction
from praho.core.validation import FieldErrors, fiscal_today
from praho.customers.models import Customer, TaxProfile
from praho.customers.services.customers import current_profile

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
    """A number in ASCII digits with one optional sign and one decimal point, or comma as staff
    type it (praho.core.numbers: Decimal() alone also reads "1_000" and other scripts' digits)."""
    if isinstance(value, Decimal):  # from the API's serializers, or code
        number: Decimal | None = value if value.is_finite() else None
    else:
        number = plain_decimal(str(value), comma=True)
    if number is None:
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
    line = checked_texts(errors, prefix, line)  # one line each, bounded (document_input)
    description = line["description"]
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
    discount = parse_decimal(errors, prefix + "discount", line.get("discount") or "0", places=2)
    quantity, unit_price, discount = fitting_amounts(errors, prefix, quantity, unit_price, discount)
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
    if line.get("vat_rate") not in (None, ""):
        # Read here, strictly: the override check below would take "1_000" or "١٢" for a rate.
        rate = parse_decimal(errors, prefix + "vat_rate", line["vat_rate"], places=2)
        line = {**line, "vat_rate": rate if rate is not None else ""}
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


def _refuse_unconfirmed_reverse_charge(
    errors: FieldErrors, lines: list[dict[str, Any]], problem: ValidationError | None
) -> None:
    """VIES could not confirm the VAT number reverse charge depends on: the engine cannot choose the
    VAT of lines without an override (billing.buyer_vat)."""
    if problem is None:
        return
    for index, line in enumerate(lines):
        if not _is_override(line):
            errors.add(f"lines.{index}.vat_category", problem.messages[0], str(problem.code))


def _refuse_outside_scope_mixed(errors: FieldErrors, lines: list[dict[str, Any]]) -> None:
    """A document outside the scope of VAT (category O) has only O lines (EN 16931 BR-O-11..14):
    e-Factura could not express anything else."""
    categories = {line["vat_category"] for line in lines}
    if vat.VatCategory.OUTSIDE_SCOPE not in categories or len(categories) == 1:
        return
    for index, line in enumerate(lines):
        if line["vat_category"] == vat.VatCategory.OUTSIDE_SCOPE:
            errors.add(
                f"lines.{index}.vat_category",
                _(
                    "A line outside the scope of VAT (O) cannot share a document with lines that are "
                    "taxed or exempt; put it on a document of its own."
                ),
                "outside_scope_mixed",
            )


def _treatment(customer: Customer, seller: SellerProfile, on: date, language: str) -> vat.VatTreatment:
    """The computed treatment, its mention and exemption reason in the customer's document
    language: they are printed on the document and sent to ANAF (e-Factura)."""
    with translation.override(language):
        return vat.determine_treatment(
            seller=vat.seller_facts(seller), buyer=vat.buyer_facts(customer), on=on
        )


def _language(profile: TaxProfile | None) -> str:
    return profile.document_language if profile is not None else "ro"


def _clean_header(
    errors: FieldErrors, customer: Customer, values: dict[str, Any]
) -> tuple[str, date, date | None, date, str]:
    """Currency, issue date, tax point date, due date and the customer's document language."""
    profile = current_profile(customer)
    currency = str(values.get("currency") or profile.currency).upper()
    if currency not in Currency.values:
        errors.add("currency", _("Choose RON, EUR or USD."), "invalid_choice")
    issue_date = in_range(errors, "issue_date", values.get("issue_date")) or fiscal_today()
    tax_point_date = in_range(errors, "tax_point_date", values.get("tax_point_date"))
    # In range, the issue date plus the customer's terms (at most a few years) cannot overflow.
    due_date = in_range(errors, "due_date", values.get("due_date"))
    due_date = due_date or issue_date + timedelta(days=profile.payment_terms_days)
    if due_date < issue_date:
        errors.add("due_date", _("The due date cannot be before the issue date."), "before_issue")
    return currency, issue_date, tax_point_date, due_date, _language(profile)


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


@service_transaction
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
    currency, issue_date, tax_point_date, due_date, language = _clean_header(errors, customer, values)
    notes = checked_notes(errors, values.get("notes"))
    seller = current_seller()
    vies_problem = confirm_vat_number(customer, actor=actor)
    treatment = _treatment(customer, seller, tax_point_date or issue_date, language)
    if not lines:
        errors.add("lines", _("A document needs at least one line."), "required")
    on = tax_point_date or issue_date
    if too_many_lines(errors, lines):
        errors.raise_if_any()
    cleaned = [_clean_line(errors, i, line, treatment=treatment, on=on) for i, line in enumerate(lines)]
    _refuse_unconfirmed_reverse_charge(errors, lines, vies_problem)
    _refuse_outside_scope_mixed(errors, cleaned)
    errors.raise_if_any()
    computed = _line_totals(cleaned)
    refuse_large_totals(computed)
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
        notes=notes,
        created_by=actor,
    )
    # Totals before the INSERT: a new draft has no lines to replace and needs no UPDATE after.
    _set_totals(document, computed)
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


@service_transaction
def update_draft(
    *, actor: User, document: Document, lines: list[dict[str, Any]] | None = None, **values: Any
) -> Document:
    """Change a draft (or a proforma not yet converted or cancelled); issued invoices never change."""
    document = locked_document(document.pk)
    refuse_unless_editable(document)
    errors = FieldErrors()
    merged = {
        "currency": document.currency,
        "issue_date": document.issue_date,
        "tax_point_date": document.tax_point_date,
        "due_date": document.due_date,
    } | values
    currency, issue_date, tax_point_date, due_date, language = _clean_header(
        errors, document.customer, merged
    )
    notes = checked_notes(errors, values.get("notes"))
    vies_problem = confirm_vat_number(document.customer, actor=actor) if lines is not None else None
    treatment = _treatment(document.customer, current_seller(), tax_point_date or issue_date, language)
    cleaned = None
    if lines is not None:
        if not lines:
            errors.add("lines", _("A document needs at least one line."), "required")
        if too_many_lines(errors, lines):
            errors.raise_if_any()
        _refuse_unconfirmed_reverse_charge(errors, lines, vies_problem)
        cleaned = [
            _clean_line(errors, i, line, treatment=treatment, on=tax_point_date or issue_date)
            for i, line in enumerate(lines)
        ]
        _refuse_outside_scope_mixed(errors, cleaned)
    errors.raise_if_any()
    if cleaned is not None:
        refuse_large_totals(_line_totals(cleaned))
    document.currency, document.issue_date = currency, issue_date
    document.tax_point_date, document.due_date = tax_point_date, due_date
    if "notes" in values:
        document.notes = notes
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
        # An exempt (E) line's reason prints its legal mention; copies must keep it.
        "vat_exemption_reason_code",
        "vat_exemption_reason",
    )
    return {field: getattr(line, field) for field in fields}
