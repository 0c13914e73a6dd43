"""Write operations on proformas, invoices and credit notes.

Each function is one business action in one transaction, audited. Drafts are
edited freely; issuing numbers the document, snapshots both parties and
freezes an invoice or credit note for good. Corrections are credit notes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connections, router, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from praho.accounts.models import User
from praho.audit.services import EventSpec, record_event, record_events
from praho.billing import ledger, numbering, signals, totals, vat
from praho.billing.document_input import (
    checked_notes,
    checked_texts,
    fitting_amounts,
    in_range,
    refuse_large_totals,
    too_many_lines,
)
from praho.billing.models import Document, DocumentLine, DocumentStatus, DocumentType, SellerProfile
from praho.billing.units import UNIT_CODES
from praho.core.money import Currency
from praho.core.numbers import plain_decimal
from praho.core.validation import FieldErrors, fiscal_today
from praho.customers.models import Address, Customer, CustomerKind, TaxProfile
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
    treatment = _treatment(customer, seller, tax_point_date or issue_date, language)
    if not lines:
        errors.add("lines", _("A document needs at least one line."), "required")
    on = tax_point_date or issue_date
    if too_many_lines(errors, lines):
        errors.raise_if_any()
    cleaned = [_clean_line(errors, i, line, treatment=treatment, on=on) for i, line in enumerate(lines)]
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
        currency, issue_date, tax_point_date, due_date, language = _clean_header(
            errors, document.customer, merged
        )
        notes = checked_notes(errors, values.get("notes"))
        treatment = _treatment(document.customer, current_seller(), tax_point_date or issue_date, language)
        cleaned = None
        if lines is not None:
            if not lines:
                errors.add("lines", _("A document needs at least one line."), "required")
            if too_many_lines(errors, lines):
                errors.raise_if_any()
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


def _buyer_snapshot(customer: Customer) -> dict[str, Any]:
    # By id: the same first address as the model's ordering gives within one customer, without
    # that ordering's join to the customer.
    return _buyer_from(customer, customer.addresses.filter(is_billing=True).order_by("pk").first())


def _buyer_from(customer: Customer, address: Address | None) -> dict[str, Any]:
    """The buyer's snapshot from the customer and its first billing address; refused without
    an address, or without a CUI for a Romanian company."""
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
        _announce_issued([document])
    return document


def _announce_issued(documents: Sequence[Document]) -> None:
    """signals.documents_issued for the invoices and credit notes among `documents`, after commit."""
    ids = [document.pk for document in documents if document.is_fiscal]
    if ids:
        # robust: a receiver failing (the broker down) must not turn an issued invoice into an error
        # page; it is logged, and e-Factura's periodic intake takes the documents in anyway.
        transaction.on_commit(
            lambda: signals.documents_issued.send(sender=Document, document_ids=ids), robust=True
        )


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
    language = _language(document.customer_profile)
    computed = _treatment(document.customer, seller, on, language)
    # By position: the model's ordering would join the document only to sort by its date.
    with translation.override(language):
        treatments = [_treatment_of(line, computed, on) for line in document.lines.order_by("position")]
    return _mentions_in_language(document, seller, treatments)


def _treatment_of(line: DocumentLine, computed: vat.VatTreatment, on: date) -> vat.VatTreatment:
    """The line's treatment: the computed one, or the override it was drafted with."""
    values = line_values(line)
    return _line_treatment(
        FieldErrors(), "", values if line.vat_override_reason else {}, computed=computed, on=on
    )


def _mentions_in_language(
    document: Document, seller: SellerProfile, treatments: list[vat.VatTreatment]
) -> list[str]:
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
        # An exempt (E) line's reason prints its legal mention; copies must keep it.
        "vat_exemption_reason_code",
        "vat_exemption_reason",
    )
    return {field: getattr(line, field) for field in fields}


# --- Issuing in batches (a billing run) ------------------------------------------------

# The types issue_documents issues: invoices (credit notes are issued one by one, as each
# one's ledger split depends on what its invoice still owes).
_BATCH_TYPES = (DocumentType.INVOICE,)


def issue_documents(*, actor: User, documents: Sequence[Document]) -> list[Document]:
    """Issue many draft invoices in one transaction: all of them, or none.

    The result is what issue_document would give each invoice, issued one by one in
    (issue date, id) order: the same numbers, snapshots, mentions, RON VAT, ledger
    transactions and audit events. Work that issue_document repeats per invoice is done
    once per batch: one counter update takes all the numbers, addresses, tax profiles
    and lines are read for all invoices at once, rates and VAT treatments are looked up
    once per (currency or buyer, date), and the rows are written with bulk statements.
    Returns the issued invoices in the order they were numbered.

    ValidationError, with nothing issued and no number taken, when any document is not a
    draft invoice or its buyer lacks what the law requires on the document.
    """
    ids = [document.pk for document in documents]
    if not ids:
        return []
    if None in ids or len(set(ids)) != len(ids):
        raise _batch_refusal(_("Each document must be saved and in the batch once."), "duplicate")
    with transaction.atomic():
        # Locked in numbering order; the customers are read along, not locked.
        batch = list(
            Document.objects.select_for_update(of=("self",))
            .select_related("customer")
            .filter(pk__in=ids)
            .order_by("issue_date", "pk")
        )
        _refuse_unissuable(batch, ids)
        seller = current_seller()
        _snapshot_parties(batch, seller)
        _number_batch(batch)
        _store_issues(batch)
        ledger.post_issued_invoices(batch, actor=actor)
        record_events(
            [
                EventSpec(
                    f"billing.{document.document_type}_issued",
                    actor=actor,
                    target=document,
                    data={"number": document.number, "total": document.total, "currency": document.currency},
                )
                for document in batch
            ]
        )
        _announce_issued(batch)
    return batch


def _batch_refusal(message: str, code: str) -> ValidationError:
    return ValidationError({"documents": ValidationError(message, code=code)})


def _refuse_unissuable(batch: list[Document], ids: list[int]) -> None:
    """All problems at once, each naming its document; the batch is issued only without any."""
    errors = FieldErrors()
    found = {document.pk for document in batch}
    for missing in (pk for pk in ids if pk not in found):
        errors.add("documents", _("Document #%(id)s does not exist.") % {"id": missing}, "not_found")
    for document in batch:
        if document.document_type not in _BATCH_TYPES:
            errors.add(
                "documents",
                _("%(document)s is not an invoice; only invoices are issued in batches.")
                % {"document": document},
                "not_invoice",
            )
        elif document.status != DocumentStatus.DRAFT:
            errors.add(
                "documents", _("%(document)s was already issued.") % {"document": document}, "already_issued"
            )
    errors.raise_if_any()


def _snapshot_parties(batch: list[Document], seller: SellerProfile) -> None:
    """Buyer, seller and customer profile snapshots, mentions and RON VAT of every document."""
    customer_ids = {document.customer_id for document in batch}
    buyers = _buyer_snapshots(batch, customer_ids)
    profiles = _current_profiles(customer_ids)
    lines = _lines_by_document(batch)
    treatments = _Treatments(seller)
    rates: dict[tuple[str, date], Decimal] = {}
    for document in batch:
        document.buyer = buyers[document.customer_id]
        document.seller = seller
        if document.customer_id not in profiles:  # as current_profile refuses it for issue_document
            raise TaxProfile.DoesNotExist(f"{document.customer} has no tax profile")
        document.customer_profile = profiles[document.customer_id]
        on = document.tax_point_date or document.issue_date
        language = _language(document.customer_profile)
        computed = treatments.computed(document.customer, on, language)
        document.mentions = _mentions_in_language(
            document,
            seller,
            [treatments.of_line(line, computed, on, language) for line in lines[document.pk]],
        )
        _set_ron_vat_at(document, rates)


def _buyer_snapshots(batch: list[Document], customer_ids: set[int]) -> dict[int, dict[str, Any]]:
    """Each customer's buyer snapshot from one query of all first billing addresses."""
    addresses: dict[int, Address] = {}
    # Lowest id first, as _buyer_snapshot picks it.
    for address in Address.objects.filter(customer_id__in=customer_ids, is_billing=True).order_by("pk"):
        addresses.setdefault(address.customer_id, address)
    errors = FieldErrors()
    buyers: dict[int, dict[str, Any]] = {}
    for document in batch:
        if document.customer_id in buyers:
            continue
        try:
            buyers[document.customer_id] = _buyer_from(document.customer, addresses.get(document.customer_id))
        except ValidationError as error:
            for one in error.error_dict["customer"]:
                errors.add(
                    "documents",
                    _("%(document)s: %(problem)s") % {"document": document, "problem": one.messages[0]},
                    str(one.code),
                )
    errors.raise_if_any()
    return buyers


def _current_profiles(customer_ids: set[int]) -> dict[int, TaxProfile]:
    """Each customer's highest tax profile version (current_profile), in one query."""
    profiles: dict[int, TaxProfile] = {}
    for profile in TaxProfile.objects.filter(customer_id__in=customer_ids).order_by(
        "customer_id", "-version"
    ):
        profiles.setdefault(profile.customer_id, profile)
    return profiles


def _lines_by_document(batch: list[Document]) -> dict[int, list[DocumentLine]]:
    lines: dict[int, list[DocumentLine]] = defaultdict(list)
    for line in DocumentLine.objects.filter(document__in=batch).order_by("document_id", "position"):
        lines[line.document_id].append(line)
    return lines


class _Treatments:
    """VAT treatments looked up once per batch for each distinct buyer situation and date.

    The computed treatment depends on the seller's facts, the tax date and, of the buyer,
    only its kind, country and whether it has a valid EU VAT number (vat.determine_treatment),
    so customers alike share one lookup (and its VAT rate query). Overridden lines are
    checked once per distinct override.
    """

    def __init__(self, seller: SellerProfile) -> None:
        self.seller = seller
        self._computed: dict[tuple[Any, ...], vat.VatTreatment] = {}
        self._overrides: dict[tuple[Any, ...], vat.VatTreatment] = {}

    def computed(self, customer: Customer, on: date, language: str) -> vat.VatTreatment:
        buyer = vat.buyer_facts(customer)
        key = (buyer.kind, buyer.country, buyer.has_eu_vat_number, on, language)
        if key not in self._computed:
            self._computed[key] = _treatment(customer, self.seller, on, language)
        return self._computed[key]

    def of_line(
        self, line: DocumentLine, computed: vat.VatTreatment, on: date, language: str
    ) -> vat.VatTreatment:
        if not line.vat_override_reason:
            return computed
        key = (computed, on, language, tuple(line_values(line).items()))
        if key not in self._overrides:
            with translation.override(language):
                self._overrides[key] = _treatment_of(line, computed, on)
        return self._overrides[key]


def _set_ron_vat_at(document: Document, rates: dict[tuple[str, date], Decimal]) -> None:
    """_set_ron_vat with the BNR rate looked up once per (currency, date) of the batch."""
    if document.currency == Currency.RON:
        document.exchange_rate, document.vat_total_ron = None, None
        return
    from praho.billing import fx

    on = document.tax_point_date or document.issue_date
    if (document.currency, on) not in rates:
        rates[document.currency, on] = fx.rate_for(document.currency, on).rate
    document.exchange_rate = rates[document.currency, on]
    document.vat_total_ron = fx.ron_value(document.vat_total, document.exchange_rate)


def _number_batch(batch: list[Document]) -> None:
    """Consecutive numbers in (issue date, id) order: one counter update per fiscal year in the batch."""
    by_year: dict[int, list[Document]] = defaultdict(list)
    for document in batch:
        by_year[document.issue_date.year].append(document)
    for year in sorted(by_year):  # the batch is sorted by date: years in order, as one-by-one would
        group = by_year[year]
        series, numbers = numbering.take_default_numbers(
            document_type=group[0].document_type, on=group[0].issue_date, count=len(group)
        )
        for document, issued in zip(group, numbers, strict=True):
            document.series, document.number, document.sequence = series, issued.formatted, issued.sequence
            document.issued_at = timezone.now()
            document.status = DocumentStatus.ISSUED


def _store_issues(batch: list[Document]) -> None:
    """What issuing set, one UPDATE per row sent together (executemany), on rows locked above
    while they are still drafts.

    The statement is built once: bulk_update's CASE expressions or a queryset update per
    row cost Django more CPU per row than the database takes to run them (bench/billing.py
    --batch prints the statements' times). As in _store_issue, the draft condition stands in
    for the queryset's guard, and PostgreSQL's trigger still refuses changes to issued rows.
    """
    alias = router.db_for_write(Document)
    connection = connections[alias]
    quote = connection.ops.quote_name
    meta = Document._meta
    concrete = {field.name: field for field in meta.concrete_fields}
    fields = [concrete[name] for name in _ISSUE_FIELDS]

    def column(field: Any) -> str:
        return quote(field.column)  # concrete fields always have a column

    # Quoted identifiers from the model; every value is a parameter.
    sql = "UPDATE {table} SET {values} WHERE {pk} = %s AND {status} = %s".format(  # noqa: S608
        table=quote(meta.db_table),
        values=", ".join(f"{column(field)} = %s" for field in fields),
        pk=column(meta.pk),
        status=column(concrete["status"]),
    )
    rows = [
        [field.get_db_prep_save(getattr(document, field.attname), connection) for field in fields]
        + [document.pk, DocumentStatus.DRAFT]
        for document in batch
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
        updated = cursor.rowcount
    if updated != len(batch):  # impossible under the row locks; never issue half
        raise RuntimeError(f"{len(batch) - updated} documents changed while they were being issued.")
