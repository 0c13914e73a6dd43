"""A document's staff page under /staff/billing/documents/<id>/ and what its buttons do: the page
(lines, VAT breakdown, buyer and seller, related documents, payments, emails, history), the PDF,
and issuing, cancelling or converting a proforma, and emailing. The lists and what the document
pages share are in views.py.

Each view parses the request, calls one service or selector and renders; the rules and their
error messages come from the services (praho.billing.services.drafts, corrections, delivery), and a
document is only ever reached through praho.billing.selectors, so an id staff may not see is a 404.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from praho.audit.models import AuditEvent
from praho.billing import ledger_queries, selectors
from praho.billing.display import decimal_text, is_issued_invoice, payment_state, price_text, vat_breakdown
from praho.billing.models import (
    DeliveryStatus,
    Document,
    DocumentLine,
    DocumentStatus,
    DocumentType,
    SellerProfile,
)
from praho.billing.pdf import downloads as pdf_downloads
from praho.billing.rules import issue_checks
from praho.billing.rules.units import UNIT_CODES
from praho.billing.services import corrections, issuing, numbering
from praho.billing.services import drafts as documents
from praho.billing.web.staff.views import KINDS, TEMPLATES, error_text, to_detail
from praho.core.http import AuthenticatedHttpRequest
from praho.core.validation import fiscal_today
from praho.customers.rules.identifiers import ROMANIAN_COUNTIES

# What the history shows for the events billing services record; other actions show their code.
EVENT_LABELS = {
    "billing.invoice_drafted": gettext_lazy("Draft created"),
    "billing.proforma_drafted": gettext_lazy("Draft created"),
    "billing.invoice_changed": gettext_lazy("Draft changed"),
    "billing.proforma_changed": gettext_lazy("Proforma changed"),
    "billing.invoice_issued": gettext_lazy("Issued"),
    "billing.proforma_issued": gettext_lazy("Issued"),
    "billing.credit_note_issued": gettext_lazy("Issued"),
    "billing.proforma_cancelled": gettext_lazy("Cancelled"),
    "billing.proforma_converted": gettext_lazy("Converted to an invoice"),
    "billing.payment_recorded": gettext_lazy("Payment recorded"),
    "billing.credit_applied": gettext_lazy("Customer credit applied"),
    "billing.document_email_requested": gettext_lazy("Email requested"),
    "billing.document_emailed": gettext_lazy("Emailed"),
    "billing.document_email_failed": gettext_lazy("Email failed"),
    "billing.pdf_archived": gettext_lazy("PDF stored"),
}


# --- detail ------------------------------------------------------------------------------------


def _is_editable(document: Document) -> bool:
    try:
        documents.refuse_unless_editable(document)
    except ValidationError:
        return False
    return True


def _actions(request: AuthenticatedHttpRequest, document: Document) -> dict[str, bool]:
    """Which buttons the page offers: what the document's state allows and the user may do."""
    may = request.user.has_perm
    status, kind = document.status, document.document_type
    editable = _is_editable(document)
    is_proforma = kind == DocumentType.PROFORMA
    return {
        "edit": editable and may("billing.change_document"),
        "issue": status == DocumentStatus.DRAFT and may("billing.issue_document"),
        "cancel": is_proforma and editable and may("billing.change_document"),
        "convert": is_proforma and editable and may("billing.issue_document"),
        "credit": kind == DocumentType.INVOICE
        and status == DocumentStatus.ISSUED
        and may("billing.credit_document"),
        "email": status == DocumentStatus.ISSUED and may("billing.email_document"),
        # What payments.record_payment accepts: an issued invoice, or an issued proforma when
        # paying converts it (BILLING_CONVERT_PAID_PROFORMAS).
        "pay": status == DocumentStatus.ISSUED
        and (kind == DocumentType.INVOICE or (is_proforma and settings.BILLING_CONVERT_PAID_PROFORMAS))
        and may("billing.add_payment"),
    }


ADDRESS_FIELDS = ("street", "city", "county", "postal_code", "country")


def _address_of(holder: Any) -> dict[str, str]:
    return {name: getattr(holder, name) for name in ADDRESS_FIELDS}


def _address(values: dict[str, str]) -> list[str]:
    """Street; postal code and city; county name and country (as the buyer snapshot stores them)."""
    county = ROMANIAN_COUNTIES.get(values.get("county", ""), values.get("county", ""))
    city = " ".join(part for part in (values.get("postal_code", ""), values.get("city", "")) if part)
    return [
        line
        for line in (
            values.get("street", ""),
            city,
            ", ".join(p for p in (county, values.get("country", "")) if p),
        )
        if line
    ]


def _buyer(document: Document) -> dict[str, Any]:
    """The buyer as issued (the snapshot), or for a draft as the customer is now."""
    if document.buyer:
        return {**document.buyer, "address": _address(document.buyer), "snapshot": True}
    customer = document.customer
    address = customer.addresses.filter(is_billing=True).first()
    return {
        "name": customer.name,
        "tax_id": customer.tax_id,
        "trade_register_number": customer.trade_register_number,
        "email": customer.email,
        "address": _address(_address_of(address)) if address else [],
        "snapshot": False,
    }


def _seller(document: Document) -> SellerProfile | None:
    """The seller version snapshotted at issue; for a draft, the one it would be issued with."""
    return document.seller or SellerProfile.objects.order_by("-version").first()


def _links(request: AuthenticatedHttpRequest, document: Document) -> dict[str, Any]:
    visible = selectors.documents_visible_to(request.user)
    return {
        "converted_from": visible.filter(pk=document.converted_from_id).first()
        if document.converted_from_id
        else None,
        "converted_to": visible.filter(converted_from=document).first()
        if document.document_type == DocumentType.PROFORMA
        else None,
        "credited": visible.filter(pk=document.credited_document_id).first()
        if document.credited_document_id
        else None,
        "credit_notes": list(visible.filter(credited_document=document).order_by("issue_date", "pk"))
        if document.document_type == DocumentType.INVOICE
        else [],
    }


def _history(document: Document, payment_ids: Iterable[int]) -> list[dict[str, Any]]:
    """The audit events whose target is this document or one of its payments, newest first
    (events store their target as object_type "app.model" and object_id, see praho.audit)."""
    about = Q(object_type="billing.document", object_id=str(document.pk)) | Q(
        object_type="billing.payment", object_id__in=[str(pk) for pk in payment_ids]
    )
    events = AuditEvent.objects.filter(about).order_by("-id")
    return [{"event": event, "label": EVENT_LABELS.get(event.action, event.action)} for event in events]


def _line_rows(lines: list[DocumentLine]) -> list[dict[str, Any]]:
    return [
        {
            "line": line,
            "unit": UNIT_CODES.get(line.unit_code, line.unit_code),
            "quantity": decimal_text(line.quantity),
            "unit_price": price_text(line.unit_price),
            "vat_rate": f"{decimal_text(line.vat_rate)}%",
        }
        for line in lines
    ]


def _vat_rows(document: Document, lines: list[DocumentLine]) -> list[dict[str, Any]]:
    return [
        {"group": group, "rate": f"{decimal_text(group.rate)}%"} for group in vat_breakdown(document, lines)
    ]


@permission_required("billing.view_document", raise_exception=True)
def document_detail(request: AuthenticatedHttpRequest, document_id: int) -> HttpResponse:
    document = selectors.document_for(request.user, document_id)
    lines = list(document.lines.all())
    payments = list(selectors.payments_visible_to(request.user).filter(document=document))
    deliveries = list(document.deliveries.select_related("requested_by"))
    seller = _seller(document)
    issued_invoice = is_issued_invoice(document)
    context = {
        "document": document,
        "kind": KINDS[document.document_type],
        "lines": _line_rows(lines),
        "vat_breakdown": _vat_rows(document, lines),
        "seller": seller,
        "seller_address": _address(_address_of(seller)) if seller else [],
        "buyer": _buyer(document),
        "links": _links(request, document),
        "payments": payments,
        "amounts": ledger_queries.document_amounts(document) if issued_invoice else None,
        "payment_state": payment_state(document) if issued_invoice else None,
        "deliveries": deliveries,
        "history": _history(document, (payment.pk for payment in payments)),
        "actions": _actions(request, document),
    }
    return render(request, TEMPLATES + "document_detail.html", context)


@permission_required("billing.view_document", raise_exception=True)
def document_pdf(request: AuthenticatedHttpRequest, document_id: int) -> HttpResponse:
    """The PDF, shown in the browser; saved under the document's number (a draft has none yet)."""
    document = selectors.document_for(request.user, document_id)
    name = document.number or f"{document.document_type}-draft-{document.pk}"
    try:  # the stored PDF (pdf_archive); a draft is rendered, within the user's rate
        return pdf_downloads.pdf_response(request, document, attachment=False, filename=f"{name}.pdf")
    except pdf_downloads.RenderRefusedError as refused:
        return pdf_downloads.refusal_page(request, refused, TEMPLATES + "pdf_refused.html", document=document)


# --- actions on a document --------------------------------------------------------------------


def _act(
    request: AuthenticatedHttpRequest, call: Callable[[], Document], success: Callable[[Document], str]
) -> Document | None:
    """Run one service call; its refusal becomes an error message, its result a success message."""
    try:
        result = call()
    except ValidationError as error:
        messages.error(request, error_text(error))
        return None
    messages.success(request, success(result))
    _tell_what_issuing_found(request, result)
    return result


def _tell_what_issuing_found(request: AuthenticatedHttpRequest, document: Document) -> None:
    """Lines whose VAT issuing determined again, and the warnings of a late or OSS-relevant issue."""
    for change in getattr(document, "vat_changes", []):
        messages.warning(
            request,
            _("Line %(position)s: VAT determined again on issue, %(before)s → %(after)s.")
            % {
                "position": change["position"],
                "before": f"{change['from']['vat_category']} {change['from']['vat_rate']}%",
                "after": f"{change['to']['vat_category']} {change['to']['vat_rate']}%",
            },
        )
    for warning in getattr(document, "warnings", []):
        messages.warning(request, warning.message)


@require_GET
@permission_required("billing.issue_document", raise_exception=True)
def document_issue_confirm(request: AuthenticatedHttpRequest, document_id: int) -> HttpResponse:
    """The step before issuing: what will be numbered, with which series, and that it is final.

    Issuing takes a fiscal number no one can give back, so the page's Issue button leads here;
    the form here posts to document_issue. No script is involved: it works wherever a form does."""
    document = selectors.document_for(request.user, document_id)
    if document.status != DocumentStatus.DRAFT:
        messages.info(request, _("%(document)s was already issued.") % {"document": document})
        return to_detail(document)
    try:
        series = numbering.default_series(document.document_type)
    except ValidationError as error:
        messages.error(request, error_text(error))
        return to_detail(document)
    context = {
        "document": document,
        "kind": KINDS[document.document_type],
        "series": series,
        "expected_number": numbering.expected_number(series=series, on=document.issue_date),
        "warnings": issue_checks.issue_warnings(document),
    }
    return render(request, TEMPLATES + "issue_confirm.html", context)


@require_POST
@permission_required("billing.issue_document", raise_exception=True)
def document_issue(request: AuthenticatedHttpRequest, document_id: int) -> HttpResponse:
    document = selectors.document_for(request.user, document_id)
    _act(
        request,
        lambda: issuing.issue_document(actor=request.user, document=document),
        lambda issued: _("%(document)s was issued.") % {"document": issued.number},
    )
    return to_detail(document)


@permission_required("billing.issue_document", raise_exception=True)
def proforma_convert_confirm(request: AuthenticatedHttpRequest, document_id: int) -> HttpResponse:
    """The step before converting a proforma: converting issues an invoice, whose number is final,
    so the page's Convert button leads here (as Issue does); the form here posts to proforma_convert."""
    proforma = selectors.document_for(request.user, document_id, DocumentType.PROFORMA)
    if proforma.status != DocumentStatus.ISSUED:
        messages.info(request, _("%(document)s cannot be converted now.") % {"document": proforma})
        return to_detail(proforma)
    try:
        series = numbering.default_series(DocumentType.INVOICE)
    except ValidationError as error:
        messages.error(request, error_text(error))
        return to_detail(proforma)
    context = {
        "document": proforma,
        "series": series,
        "expected_number": numbering.expected_number(series=series, on=fiscal_today()),
    }
    return render(request, TEMPLATES + "convert_confirm.html", context)


@require_POST
@permission_required("billing.change_document", raise_exception=True)
def proforma_cancel(request: AuthenticatedHttpRequest, document_id: int) -> HttpResponse:
    proforma = selectors.document_for(request.user, document_id, DocumentType.PROFORMA)
    _act(
        request,
        lambda: corrections.cancel_proforma(actor=request.user, proforma=proforma),
        lambda cancelled: _("%(document)s was cancelled.") % {"document": cancelled},
    )
    return to_detail(proforma)


@require_POST
@permission_required("billing.issue_document", raise_exception=True)
def proforma_convert(request: AuthenticatedHttpRequest, document_id: int) -> HttpResponse:
    proforma = selectors.document_for(request.user, document_id, DocumentType.PROFORMA)
    invoice = _act(
        request,
        lambda: corrections.convert_proforma(actor=request.user, proforma=proforma),
        lambda issued: (
            _("%(proforma)s was converted into invoice %(invoice)s.")
            % {"proforma": proforma, "invoice": issued.number}
        ),
    )
    return to_detail(invoice or proforma)


@require_POST
@permission_required("billing.email_document", raise_exception=True)
def document_email(request: AuthenticatedHttpRequest, document_id: int) -> HttpResponse:
    # Imported when used: delivery.py brings Celery and the mail machinery, which no other page needs.
    from praho.billing.services.delivery import send_document

    document = selectors.document_for(request.user, document_id)
    try:
        delivery = send_document(actor=request.user, document=document, recipient="")
    except ValidationError as error:
        messages.error(request, error_text(error))
        return to_detail(document)
    names = {"document": document, "recipient": delivery.recipient, "detail": delivery.detail}
    if delivery.status == DeliveryStatus.FAILED:
        messages.error(request, _("%(document)s could not be sent to %(recipient)s: %(detail)s") % names)
    elif delivery.status == DeliveryStatus.SENT:
        messages.success(request, _("%(document)s was sent to %(recipient)s.") % names)
    else:
        messages.success(request, _("%(document)s will be sent to %(recipient)s shortly.") % names)
    return to_detail(document)
