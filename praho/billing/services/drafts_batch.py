"""Many draft proformas or invoices made in one transaction (recurring billing's renewals).

Each draft is what drafts.create_document makes of the same input: the header's checks, VAT per
line from the engine (no overrides here: a renewal's lines never carry one), line checks, totals
and a drafted audit event. What create_document reads per document is read once for the batch:
the customers' current tax profiles, the seller, and the VAT treatment of each kind of buyer and
date (issuing_batch.Treatments). Rows are written with one INSERT for the documents and one for
all their lines. All or nothing: any problem raises one ValidationError naming each document's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from praho.accounts.models import User
from praho.audit.services import EventSpec, record_events
from praho.billing.models import Document, DocumentLine, DocumentType
from praho.billing.rules.document_input import checked_notes, refuse_large_totals, too_many_lines
from praho.billing.services.buyer_vat import confirm_vat_number
from praho.billing.services.drafts import (
    PROFORMA_VALID_DAYS,
    _clean_line,
    _language,
    _line_totals,
    _refuse_outside_scope_mixed,
    _refuse_unconfirmed_reverse_charge,
    _set_totals,
    current_seller,
)
from praho.billing.services.issuing_batch import Treatments
from praho.core.money import Currency
from praho.core.transactions import service_transaction
from praho.core.validation import FieldErrors
from praho.customers.models import Customer, TaxProfile
from praho.customers.selectors import current_profiles


@dataclass(frozen=True)
class DraftSpec:
    customer: Customer
    currency: str
    issue_date: date
    due_date: date
    lines: list[dict[str, Any]]
    notes: str = ""


@service_transaction
def create_documents(*, actor: User | None, document_type: str, specs: Sequence[DraftSpec]) -> list[Document]:
    """Drafts of `document_type` (proforma or invoice), one per spec, in the specs' order."""
    if document_type not in (DocumentType.PROFORMA, DocumentType.INVOICE):
        raise ValidationError(
            {"document_type": ValidationError(_("Choose proforma or invoice."), code="invalid")}
        )
    seller = current_seller()
    profiles = {
        profile.customer_id: profile
        for profile in current_profiles().filter(customer_id__in={spec.customer.pk for spec in specs})
    }
    treatments = Treatments(seller)
    problems: list[str] = []
    documents: list[Document] = []
    cleaned_lines: list[list[dict[str, Any]]] = []
    for spec in specs:
        errors = FieldErrors()
        document, cleaned = _draft(
            errors, spec, document_type, profiles.get(spec.customer.pk), treatments, actor
        )
        if errors.by_field:
            problems += [
                f"{spec.customer}: {field}: {message}"
                for field, found in errors.by_field.items()
                for one in found
                for message in one.messages
            ]
            continue
        documents.append(document)
        cleaned_lines.append(cleaned)
    if problems:
        raise ValidationError(
            {"documents": [ValidationError(problem, code="invalid") for problem in problems]}
        )
    Document.objects.bulk_create(documents)
    DocumentLine.objects.bulk_create(
        DocumentLine(document=document, position=index + 1, net_amount=net, **line)
        for document, lines in zip(documents, cleaned_lines, strict=True)
        for index, (line, net) in enumerate(zip(lines, document.line_nets, strict=True))  # type: ignore[attr-defined]
    )
    record_events(
        [
            EventSpec(
                f"billing.{document_type}_drafted",
                actor=actor,
                target=document,
                data={
                    "customer": document.customer_id,
                    "currency": document.currency,
                    "total": document.total,
                },
            )
            for document in documents
        ]
    )
    return documents


def _draft(
    errors: FieldErrors,
    spec: DraftSpec,
    document_type: str,
    profile: TaxProfile | None,
    treatments: Treatments,
    actor: User | None,
) -> tuple[Document, list[dict[str, Any]]]:
    if profile is None:
        errors.add("customer", _("The customer has no tax profile."), "no_profile")
        return Document(), []
    if spec.currency not in Currency.values:
        errors.add("currency", _("Choose RON, EUR or USD."), "invalid_choice")
    if spec.due_date < spec.issue_date:
        errors.add("due_date", _("The due date cannot be before the issue date."), "before_issue")
    notes = checked_notes(errors, spec.notes)
    language = _language(profile)
    vies_problem = confirm_vat_number(spec.customer, actor=actor)  # type: ignore[arg-type]
    treatment = treatments.computed(spec.customer, spec.issue_date, language)
    if not spec.lines:
        errors.add("lines", _("A document needs at least one line."), "required")
    if too_many_lines(errors, spec.lines):
        return Document(), []
    cleaned = [
        _clean_line(errors, i, line, treatment=treatment, on=spec.issue_date)
        for i, line in enumerate(spec.lines)
    ]
    _refuse_unconfirmed_reverse_charge(errors, spec.lines, vies_problem)
    _refuse_outside_scope_mixed(errors, cleaned)
    if errors.by_field:
        return Document(), []
    computed = _line_totals(cleaned)
    try:
        refuse_large_totals(computed)
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            for message in messages:
                errors.add(field, message, "too_large")
        return Document(), []
    document = Document(
        document_type=document_type,
        customer=spec.customer,
        currency=spec.currency,
        issue_date=spec.issue_date,
        due_date=spec.due_date,
        valid_until=spec.issue_date + timedelta(days=PROFORMA_VALID_DAYS)
        if document_type == DocumentType.PROFORMA
        else None,
        notes=notes,
        created_by=actor,
    )
    _set_totals(document, computed)
    document.line_nets = computed.line_net_amounts  # type: ignore[attr-defined]
    return document, cleaned
