"""Issuing a document: its number, and everything the law fixes at issue, determined again.

A draft may have been written days or months before it is issued, and the customer may have
changed since. So issuing determines afresh, from the document's own dates and the parties as
they are now:

- the chargeable date: the tax point date (BT-7) when set, else the issue date;
- each line's VAT: the engine's treatment for the buyer on that date (after VIES confirmed an EU
  VAT number reverse charge depends on, billing.buyer_vat), or the override staff chose, checked
  again on that date. Lines whose treatment changed are rewritten with the document's totals, the
  change is audited (`vat_redetermined`) and the document says so (`vat_changes`, shown to staff);
- the legal mentions and exemption reasons from those final treatments, in the customer's
  document language;
- for a document in EUR or USD, BNR's rate of the chargeable date and the VAT in RON per rate;
- the VAT breakdown per category and rate, stored with the document (billing.models.breakdown).

A credit note keeps the VAT of the invoice lines it takes back and the invoice's exchange rate:
a storno reverses the VAT that was charged and the RON VAT that was declared. Its breakdown is
its share of what the invoice has left (billing.credit_amounts).

The issue date may not be after today, nor before the series' last issued document (numbering);
late issues are warned of (billing.issue_checks). Batches: billing.issuing_batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from praho.accounts.models import User
from praho.audit.services import record_event
from praho.billing import signals
from praho.billing.locks import locked_document
from praho.billing.models import (
    Document,
    DocumentLine,
    DocumentStatus,
    DocumentType,
    SellerProfile,
    VatSubtotal,
)
from praho.billing.rules import oss, totals, vat
from praho.billing.rules.issue_checks import IssueWarning, issue_warnings, refuse_future_issue_date
from praho.billing.services import credit_amounts, fx, ledger, numbering
from praho.billing.services.buyer_vat import confirm_vat_number
from praho.billing.services.drafts import _language, _line_treatment, _treatment, current_seller, line_values
from praho.core.money import Currency
from praho.core.transactions import service_transaction
from praho.core.validation import FieldErrors
from praho.customers.models import Address, Customer, CustomerKind
from praho.customers.services.customers import current_profile

# What issuing sets; the rest of the draft was read under the lock and stays as it is.
ISSUE_FIELDS = (
    "buyer",
    "seller",
    "customer_profile",
    "mentions",
    "net_total",
    "vat_total",
    "total",
    "exchange_rate",
    "vat_total_ron",
    "series",
    "number",
    "sequence",
    "issued_at",
    "status",
)
_LINE_VAT_FIELDS = ("vat_category", "vat_rate", "vat_exemption_reason_code", "vat_exemption_reason")


@service_transaction
def issue_document(*, actor: User, document: Document) -> Document:
    """Give the document its number and freeze it (invoices and credit notes; proformas are numbered).

    The number comes from the document type's default series, taken in this transaction: a
    failure afterwards rolls the number back, so series stay gap-free. Both parties are
    snapshotted (the seller's profile version, the customer's tax profile version, identity and
    billing address) and the VAT is determined again as the module docstring says. The returned
    document carries `vat_changes` (lines whose VAT changed) and `warnings` (issue_checks).
    """
    document = locked_document(document.pk)
    if document.status != DocumentStatus.DRAFT:
        raise ValidationError(
            _("%(document)s was already issued.") % {"document": document}, code="already_issued"
        )
    refuse_future_issue_date(document)
    if document.document_type == DocumentType.INVOICE:
        # One path for one invoice or many (issue 12): the batch's, on this locked invoice.
        from praho.billing.services import issuing_batch  # it imports this module

        return issuing_batch.issue_locked([document], actor=actor, alone=True)[0]
    seller = current_seller()
    lines = list(document.lines.order_by("position"))  # by position: the ordering would join the document
    document.buyer = buyer_snapshot(document.customer)
    document.seller = seller
    document.customer_profile = current_profile(document.customer)
    if document.document_type == DocumentType.CREDIT_NOTE:
        changes: list[dict[str, Any]] = []
        breakdown = _credit_note_terms(document, lines)
    else:
        problem = confirm_vat_number(document.customer, actor=actor)
        language = _language(document.customer_profile)
        computed = _treatment(document.customer, seller, chargeable_date(document), language)
        treatments = final_treatments(document, lines, computed, language, problem)
        changes = apply_treatments(document, lines, treatments)
        document.mentions = mentions_of(document, seller, treatments)
        breakdown = vat_breakdown(document, lines, rate=_rate_of(document))
    document.vat_total_ron = ron_total(document, breakdown)
    if document.is_fiscal:  # before the number: the series' counter stays locked until commit
        VatSubtotal.objects.bulk_create(breakdown)
    document.series, issued = numbering.next_default_number(
        document_type=document.document_type, on=document.issue_date
    )
    document.number, document.sequence = issued.formatted, issued.sequence
    document.issued_at = timezone.now()
    document.status = DocumentStatus.ISSUED
    _store_issue(document)
    threshold = (
        oss.threshold_warnings(document, oss.distance_sales(document.issue_date.year))
        if oss.is_distance_sale(document, breakdown)
        else []
    )
    if document.document_type == DocumentType.CREDIT_NOTE:
        ledger.post_credit_note(document, actor=actor)
    record_event(
        f"billing.{document.document_type}_issued",
        actor=actor,
        target=document,
        data=report_issue(document, changes, threshold),
    )
    announce_issued([document])
    return document


def chargeable_date(document: Document) -> date:
    """When the VAT becomes due, whose rate applies: the tax point date if set, else the issue date."""
    return vat.tax_point(issue_date=document.issue_date, tax_point_date=document.tax_point_date)


def report_issue(
    document: Document, changes: list[dict[str, Any]], more_warnings: Sequence[IssueWarning] = ()
) -> dict[str, Any]:
    """Tell what issuing found: set on the document for the page or API call that issued it
    (`vat_changes`, `warnings`), and returned as the data of its audit event."""
    warnings = [*issue_warnings(document), *more_warnings]
    document.vat_changes = changes  # type: ignore[attr-defined]
    document.warnings = warnings  # type: ignore[attr-defined]
    data: dict[str, Any] = {"number": document.number, "total": document.total, "currency": document.currency}
    if changes:
        data["vat_redetermined"] = changes
    if warnings:
        data["warnings"] = [warning.code for warning in warnings]
    return data


# --- The VAT of each line, determined again -----------------------------------------------


def final_treatments(
    document: Document,
    lines: Sequence[DocumentLine],
    computed: vat.VatTreatment,
    language: str,
    problem: ValidationError | None,
) -> list[vat.VatTreatment]:
    """Each line's treatment on the chargeable date: the computed one, or its override checked
    again on that date. Refused, naming each line, when an override no longer holds or VIES could
    not confirm the VAT number reverse charge depends on (`problem`)."""
    on = chargeable_date(document)
    errors = FieldErrors()  # in the language of whoever issues
    for index, line in enumerate(lines):
        prefix = f"lines.{index}."
        if line.vat_override_reason:
            _line_treatment(errors, prefix, line_values(line), computed=computed, on=on)
        elif problem is not None:
            errors.add(prefix + "vat_category", problem.messages[0], str(problem.code))
    errors.raise_if_any()
    with translation.override(language):  # what the document prints: the customer's language
        return [
            _line_treatment(FieldErrors(), "", line_values(line), computed=computed, on=on)
            if line.vat_override_reason
            else computed
            for line in lines
        ]


def apply_treatments(
    document: Document, lines: Sequence[DocumentLine], treatments: Sequence[vat.VatTreatment]
) -> list[dict[str, Any]]:
    """Give the lines their final treatments; when any changed, write them and the document's
    totals again. Returns the changes, one per line: its position, what it was and what it is."""
    changes = []
    changed = []
    for line, treatment in zip(lines, treatments, strict=True):
        before = _line_vat(line)
        line.vat_category, line.vat_rate = treatment.category, treatment.rate
        line.vat_exemption_reason_code = treatment.exemption_reason_code
        line.vat_exemption_reason = treatment.exemption_reason
        after = _line_vat(line)
        if after != before:
            changed.append(line)
            changes.append({"position": line.position, "from": before, "to": after})
    if changed:
        DocumentLine.objects.bulk_update(changed, _LINE_VAT_FIELDS)
        computed = totals.compute_totals(_line_input(line) for line in lines)
        document.net_total, document.vat_total = computed.net_total, computed.vat_total
        document.total = computed.tax_inclusive_total
    return changes


def _line_vat(line: DocumentLine) -> dict[str, str]:
    return {
        "vat_category": line.vat_category,
        "vat_rate": f"{Decimal(line.vat_rate).quantize(Decimal('0.01')):f}",
        "vat_exemption_reason_code": line.vat_exemption_reason_code,
        "vat_exemption_reason": line.vat_exemption_reason,
    }


def _line_input(line: DocumentLine) -> totals.LineInput:
    return totals.LineInput(line.quantity, line.unit_price, line.vat_category, line.vat_rate, line.discount)


def mentions_of(
    document: Document, seller: SellerProfile, treatments: Sequence[vat.VatTreatment]
) -> list[str]:
    """The legal mentions of the lines' final treatments, in the customer's document language."""
    language = _language(document.customer_profile)
    with translation.override(language):
        return [str(text) for text in vat.document_mentions(vat.seller_facts(seller), treatments)]


# --- Amounts: the VAT breakdown and the VAT in RON ---------------------------------------


def _rate_of(document: Document) -> Decimal | None:
    """BNR's rate of the chargeable date for a document in EUR or USD (None in RON)."""
    if document.currency == Currency.RON:
        return None
    return fx.rate_for(document.currency, chargeable_date(document)).rate


def vat_breakdown(
    document: Document, lines: Sequence[DocumentLine], *, rate: Decimal | None
) -> list[VatSubtotal]:
    """The rows of an invoice's (or proforma's) VAT breakdown from its lines, in RON too at `rate`."""
    document.exchange_rate = rate
    groups = totals.compute_totals(_line_input(line) for line in lines).vat_breakdown
    return [
        VatSubtotal(
            document=document,
            category=group.category,
            rate=group.rate,
            taxable_amount=group.taxable_amount,
            vat_amount=group.vat_amount,
            vat_amount_ron=fx.ron_value(group.vat_amount, rate) if rate is not None else None,
        )
        for group in groups
    ]


def ron_total(document: Document, breakdown: Sequence[VatSubtotal]) -> Decimal | None:
    """The VAT in RON (BT-111): the sum of the rows' RON amounts, as each rate is declared."""
    if document.exchange_rate is None:
        return None
    return sum((row.vat_amount_ron or Decimal("0.00") for row in breakdown), Decimal("0.00"))


def _credit_note_terms(document: Document, lines: Sequence[DocumentLine]) -> list[VatSubtotal]:
    """A credit note takes its invoice's mentions and exchange rate, and its share of what the
    invoice has left to credit, per VAT rate (credit_amounts)."""
    invoice = document.credited_document
    if invoice is None:
        raise ValidationError(
            {"document": ValidationError(_("A credit note credits an invoice."), code="no_invoice")}
        )
    document.mentions = list(invoice.mentions)
    document.exchange_rate = invoice.exchange_rate
    shares = credit_amounts.credit_breakdown(invoice, lines)
    return [
        VatSubtotal(
            document=document,
            category=share.category,
            rate=share.rate,
            taxable_amount=share.taxable_amount,
            vat_amount=share.vat_amount,
            vat_amount_ron=share.vat_amount_ron,
        )
        for share in shares
    ]


# --- The parties ---------------------------------------------------------------------------


def buyer_snapshot(customer: Customer) -> dict[str, Any]:
    # By id: the same first address as the model's ordering gives within one customer, without
    # that ordering's join to the customer.
    return buyer_from(customer, customer.addresses.filter(is_billing=True).order_by("pk").first())


def buyer_from(customer: Customer, address: Address | None) -> dict[str, Any]:
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


# --- Writing -------------------------------------------------------------------------------


def _store_issue(document: Document) -> None:
    """One UPDATE of what issuing set, on the row locked above while it is still a draft.

    A queryset update rather than save(): the model's save() guard reads back all fiscal
    fields to compare them, while the queryset's own guard only asks whether the row is
    issued already; the draft filter makes that certain (no signals listen to documents).
    """
    updated = Document.objects.filter(pk=document.pk, status=DocumentStatus.DRAFT).update(
        **{field: getattr(document, field) for field in ISSUE_FIELDS}
    )
    if updated != 1:  # impossible under the row lock; never issue half
        raise RuntimeError(f"Document {document.pk} changed while it was being issued.")


def announce_issued(documents: Sequence[Document]) -> None:
    """signals.documents_issued for the invoices and credit notes among `documents`, after commit."""
    ids = [document.pk for document in documents if document.is_fiscal]
    if ids:
        # robust: a receiver failing (the broker down) must not turn an issued invoice into an error
        # page; it is logged, and e-Factura's periodic intake takes the documents in anyway.
        transaction.on_commit(
            lambda: signals.documents_issued.send(sender=Document, document_ids=ids), robust=True
        )
