"""Staff pages for proformas, invoices and credit notes under /staff/billing/: lists with filters
and sums, the document page with its history, drafts (create and edit), issuing, cancelling and
converting proformas, credit notes, the PDF and emailing.

Each view parses the request, calls one service or selector and renders; the rules and their
error messages come from the services (praho.billing.documents, corrections, ledger), and a
document is only ever reached through praho.billing.selectors, so an id staff may not see is a 404.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from babel.numbers import format_decimal
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet, Sum
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from praho.audit.models import AuditEvent
from praho.billing import corrections, documents, ledger, pdf, selectors, totals
from praho.billing.models import (
    DeliveryStatus,
    Document,
    DocumentLine,
    DocumentStatus,
    DocumentType,
    SellerProfile,
)
from praho.billing.staff_forms import (
    CreditNoteForm,
    DocumentFilterForm,
    DocumentHeaderForm,
    LineFormSet,
    line_initial,
)
from praho.billing.units import UNIT_CODES
from praho.core.formatting import babel_locale
from praho.core.http import AuthenticatedHttpRequest
from praho.customers import selectors as customer_selectors
from praho.customers.identifiers import ROMANIAN_COUNTIES
from praho.customers.models import Customer

PAGE_SIZE = 25
TEMPLATES = "billing/staff/"
LINES_PREFIX = "lines"


@dataclass(frozen=True)
class Kind:
    """How one document type is named in the staff pages."""

    title: Any
    list_url: str


KINDS: dict[str, Kind] = {
    DocumentType.INVOICE: Kind(gettext_lazy("Invoices"), "billing:invoices"),
    DocumentType.PROFORMA: Kind(gettext_lazy("Proformas"), "billing:proformas"),
    DocumentType.CREDIT_NOTE: Kind(gettext_lazy("Credit notes"), "billing:credit-notes"),
}

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
}


def _is_htmx(request: AuthenticatedHttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _querystring_without_page(request: AuthenticatedHttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return f"{query.urlencode()}&" if query else ""


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _to_detail(document: Document) -> HttpResponse:
    return redirect("billing:document", document.pk)


# --- the customer picker (list filters and new drafts) ---------------------------------------


def _visible_customer(request: AuthenticatedHttpRequest, customer_id: Any) -> Customer | None:
    """The customer with this id if staff may see it (one query), else None."""
    try:
        pk = int(customer_id)
    except (TypeError, ValueError):
        return None
    return customer_selectors.customers_visible_to(request.user).filter(pk=pk).first()


def _picker(
    request: AuthenticatedHttpRequest, *, selected: Customer | None, query: str, optional: bool
) -> dict[str, Any]:
    """The choices of the customer picker: the chosen customer and those matching the search."""
    query = query[:100].strip()
    results = customer_selectors.search_customers(request.user, query) if query else []
    return {
        "selected": selected,
        "results": [customer for customer in results if selected is None or customer.pk != selected.pk],
        "query": query,
        "optional": optional,
        "too_short": bool(query) and not customer_selectors.searchable(query),
        "min_length": customer_selectors.MIN_SEARCH_LENGTH,
    }


@permission_required("billing.view_document", raise_exception=True)
def customer_picker(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The picker's choices as the search box is typed in (htmx), keeping the customer chosen."""
    picker = _picker(
        request,
        selected=_visible_customer(request, request.GET.get("customer")),
        query=request.GET.get("customer_q", ""),
        optional=request.GET.get("optional") == "1",
    )
    return render(request, TEMPLATES + "_customer_options.html", {"picker": picker})


# --- lists -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentState:
    """An issued invoice's payment status as the pages name it ("issued" reads "Unpaid" there)."""

    value: str
    label: Any


def _payment_state(document: Document) -> PaymentState | None:
    """None for a draft; the ledger's status otherwise (from with_ledger_amounts() when annotated)."""
    if document.status != DocumentStatus.ISSUED:
        return None
    status = ledger.payment_status(document)
    if status == ledger.PaymentStatus.ISSUED:
        return PaymentState("unpaid", _("Unpaid"))
    return PaymentState(status.value, status.label)


def _filters(data: dict[str, Any]) -> selectors.DocumentFilters:
    return selectors.DocumentFilters(
        status=data.get("status") or "",
        customer_id=data.get("customer"),
        currency=data.get("currency") or "",
        issued_from=data.get("issued_from"),
        issued_to=data.get("issued_to"),
        overdue=bool(data.get("overdue")),
    )


def _sums(documents: QuerySet[Document], *, outstanding: bool) -> list[dict[str, Any]]:
    """Net, VAT and total (and what invoices still owe) of the filtered documents, per currency."""
    amounts: dict[str, Any] = {"net": Sum("net_total"), "vat": Sum("vat_total"), "total": Sum("total")}
    if outstanding:
        amounts["outstanding"] = Sum("ledger_outstanding")
    rows = documents.order_by().values("currency").annotate(**amounts).order_by("currency")
    return [dict(row) for row in rows]


def _document_list(request: AuthenticatedHttpRequest, document_type: str) -> HttpResponse:
    form = DocumentFilterForm(request.GET or None, document_type=document_type)
    visible = selectors.documents_visible_to(request.user).filter(document_type=document_type)
    valid = not form.is_bound or form.is_valid()
    data = form.cleaned_data if form.is_bound and valid else {}
    found = selectors.filter_documents(visible, _filters(data)) if valid else visible.none()
    is_invoice = document_type == DocumentType.INVOICE
    # filter_documents() already annotates the ledger amounts when it filters on a payment state.
    if is_invoice and "ledger_outstanding" not in found.query.annotations:
        found = ledger.with_ledger_amounts(found)
    if document_type == DocumentType.CREDIT_NOTE:
        found = found.select_related("credited_document")
    page_obj = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {"document": document, "payment": _payment_state(document) if is_invoice else None}
        for document in page_obj
    ]
    context: dict[str, Any] = {
        "kind": KINDS[document_type],
        "document_type": document_type,
        "form": form,
        "page_obj": page_obj,
        "rows": rows,
        "sums": _sums(found, outstanding=is_invoice),
        "querystring_without_page": _querystring_without_page(request),
    }
    if _is_htmx(request):
        return render(request, TEMPLATES + "_document_results.html", context)
    context["picker"] = _picker(
        request,
        selected=_visible_customer(request, data.get("customer")) if data.get("customer") else None,
        query=request.GET.get("customer_q", ""),
        optional=True,
    )
    return render(request, TEMPLATES + "document_list.html", context)


@permission_required("billing.view_document", raise_exception=True)
def invoice_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _document_list(request, DocumentType.INVOICE)


@permission_required("billing.view_document", raise_exception=True)
def proforma_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _document_list(request, DocumentType.PROFORMA)


@permission_required("billing.view_document", raise_exception=True)
def credit_note_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _document_list(request, DocumentType.CREDIT_NOTE)


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


def _number(value: Decimal) -> str:
    """A quantity, price or rate in the viewer's language, with the decimals it has (no padding)."""
    return format_decimal(value.normalize(), format="#,##0.####", locale=babel_locale())


def _line_rows(lines: list[DocumentLine]) -> list[dict[str, Any]]:
    return [
        {
            "line": line,
            "unit": UNIT_CODES.get(line.unit_code, line.unit_code),
            "quantity": _number(line.quantity),
            "unit_price": _number(line.unit_price),
            "vat_rate": f"{_number(line.vat_rate)}%",
        }
        for line in lines
    ]


def _vat_breakdown(lines: list[DocumentLine]) -> list[dict[str, Any]]:
    """The VAT per category and rate, as totals.py computes it for the document's lines."""
    computed = totals.compute_totals(
        totals.LineInput(line.quantity, line.unit_price, line.vat_category, line.vat_rate, line.discount)
        for line in lines
    )
    return [{"group": group, "rate": f"{_number(group.rate)}%"} for group in computed.vat_breakdown]


@permission_required("billing.view_document", raise_exception=True)
def document_detail(request: AuthenticatedHttpRequest, document_id: int) -> HttpResponse:
    document = selectors.document_for(request.user, document_id)
    lines = list(document.lines.all())
    payments = list(selectors.payments_visible_to(request.user).filter(document=document))
    deliveries = list(document.deliveries.select_related("requested_by"))
    seller = _seller(document)
    is_issued_invoice = (
        document.document_type == DocumentType.INVOICE and document.status == DocumentStatus.ISSUED
    )
    context = {
        "document": document,
        "kind": KINDS[document.document_type],
        "lines": _line_rows(lines),
        "vat_breakdown": _vat_breakdown(lines),
        "seller": seller,
        "seller_address": _address(_address_of(seller)) if seller else [],
        "buyer": _buyer(document),
        "links": _links(request, document),
        "payments": payments,
        "amounts": ledger.document_amounts(document) if is_issued_invoice else None,
        "payment_state": _payment_state(document) if is_issued_invoice else None,
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
    response = HttpResponse(pdf.render_document_pdf(document), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, f"{name}.pdf") or "inline"
    return response


# --- actions on a document --------------------------------------------------------------------


def _act(
    request: AuthenticatedHttpRequest, call: Callable[[], Document], success: Callable[[Document], str]
) -> Document | None:
    """Run one service call; its refusal becomes an error message, its result a success message."""
    try:
        result = call()
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return None
    messages.success(request, success(result))
    return result


@require_POST
@permission_required("billing.issue_document", raise_exception=True)
def document_issue(request: AuthenticatedHttpRequest, document_id: int) -> HttpResponse:
    document = selectors.document_for(request.user, document_id)
    _act(
        request,
        lambda: documents.issue_document(actor=request.user, document=document),
        lambda issued: _("%(document)s was issued.") % {"document": issued.number},
    )
    return _to_detail(document)


@require_POST
@permission_required("billing.change_document", raise_exception=True)
def proforma_cancel(request: AuthenticatedHttpRequest, document_id: int) -> HttpResponse:
    proforma = selectors.document_for(request.user, document_id, DocumentType.PROFORMA)
    _act(
        request,
        lambda: corrections.cancel_proforma(actor=request.user, proforma=proforma),
        lambda cancelled: _("%(document)s was cancelled.") % {"document": cancelled},
    )
    return _to_detail(proforma)


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
    return _to_detail(invoice or proforma)


@require_POST
@permission_required("billing.email_document", raise_exception=True)
def document_email(request: AuthenticatedHttpRequest, document_id: int) -> HttpResponse:
    # Imported when used: delivery.py brings Celery and the mail machinery, which no other page needs.
    from praho.billing.delivery import send_document

    document = selectors.document_for(request.user, document_id)
    try:
        delivery = send_document(actor=request.user, document=document, recipient="")
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return _to_detail(document)
    names = {"document": document, "recipient": delivery.recipient, "detail": delivery.detail}
    if delivery.status == DeliveryStatus.FAILED:
        messages.error(request, _("%(document)s could not be sent to %(recipient)s: %(detail)s") % names)
    elif delivery.status == DeliveryStatus.SENT:
        messages.success(request, _("%(document)s was sent to %(recipient)s.") % names)
    else:
        messages.success(request, _("%(document)s will be sent to %(recipient)s shortly.") % names)
    return _to_detail(document)


# --- create and edit drafts -------------------------------------------------------------------


class _Editor:
    """The header form and the lines formset of a draft, and where the services' errors go."""

    def __init__(self, data: Any, *, header_initial: dict[str, Any], lines_initial: list[dict[str, Any]]):
        self.header = DocumentHeaderForm(data, initial=header_initial)
        self.lines = LineFormSet(data, initial=lines_initial, prefix=LINES_PREFIX)
        self.line_errors: list[str] = []
        self.positions: list[int] = []  # the form index of each line sent to the service

    def is_valid(self) -> bool:
        return self.header.is_valid() & self.lines.is_valid()

    def line_values(self) -> list[dict[str, Any]]:
        """The lines to save: not removed, and not a blank line added but never filled in."""
        values = []
        self.positions = []
        for index, form in enumerate(self.lines.forms):
            if form in self.lines.deleted_forms or (form.empty_permitted and not form.has_changed()):
                continue
            self.positions.append(index)
            values.append(form.values())
        return values

    def show(self, error: ValidationError) -> None:
        """Each service error next to its field: "lines.2.quantity" on the third line sent."""
        if not hasattr(error, "error_dict"):
            self.header.add_error(None, error)
            return
        for key, errors in error.error_dict.items():
            for one in errors:
                self._place(key, one)

    def _place(self, key: str, error: ValidationError) -> None:
        index, _dot, field = key.removeprefix(f"{LINES_PREFIX}.").partition(".")
        if key.startswith(f"{LINES_PREFIX}.") and index.isdigit() and int(index) < len(self.positions):
            form = self.lines.forms[self.positions[int(index)]]
            form.add_error(field if field in form.fields else None, error)
        elif key == LINES_PREFIX:
            self.line_errors.extend(error.messages)
        else:
            self.header.add_error(key if key in self.header.fields else None, error)


def _with_one_more_line(data: Any) -> Any:
    """The posted data asking for one more (blank) line: the add-line button without JavaScript."""
    data = data.copy()
    total = f"{LINES_PREFIX}-TOTAL_FORMS"
    data[total] = str(int(data.get(total) or 0) + 1)
    return data


def _editor_page(request: AuthenticatedHttpRequest, editor: _Editor, **context: Any) -> HttpResponse:
    return render(
        request,
        TEMPLATES + "document_form.html",
        {"form": editor.header, "lines": editor.lines, "line_errors": editor.line_errors, **context},
    )


def _document_create(request: AuthenticatedHttpRequest, document_type: str) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    if data is not None and "add_line" in data:
        data = _with_one_more_line(data)
    editor = _Editor(data, header_initial={}, lines_initial=[])
    if data is None:
        editor.lines.extra = 1
    customer = _visible_customer(request, data.get("customer") if data else request.GET.get("customer"))
    saving = data is not None and not ({"add_line", "find_customer"} & set(data))
    if saving and editor.is_valid():
        if customer is None:
            editor.header.add_error("customer", _("Choose the customer."))
        else:
            try:
                document = documents.create_document(
                    actor=request.user,
                    document_type=document_type,
                    customer=customer,
                    lines=editor.line_values(),
                    **editor.header.values(),
                )
            except ValidationError as error:
                editor.show(error)
            else:
                messages.success(request, _("The draft was saved."))
                return _to_detail(document)
    picker = _picker(
        request, selected=customer, query=data.get("customer_q", "") if data else "", optional=False
    )
    return _editor_page(
        request, editor, kind=KINDS[document_type], document_type=document_type, picker=picker
    )


@permission_required("billing.add_document", raise_exception=True)
def invoice_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _document_create(request, DocumentType.INVOICE)


@permission_required("billing.add_document", raise_exception=True)
def proforma_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _document_create(request, DocumentType.PROFORMA)


def _header_initial(document: Document) -> dict[str, Any]:
    return {
        "currency": document.currency,
        "issue_date": document.issue_date,
        "tax_point_date": document.tax_point_date,
        "due_date": document.due_date,
        "notes": document.notes,
    }


@permission_required("billing.change_document", raise_exception=True)
def document_edit(request: AuthenticatedHttpRequest, document_id: int) -> HttpResponse:
    document = selectors.document_for(request.user, document_id)
    try:
        documents.refuse_unless_editable(document)
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return _to_detail(document)
    data = request.POST if request.method == "POST" else None
    if data is not None and "add_line" in data:
        data = _with_one_more_line(data)
    editor = _Editor(
        data,
        header_initial=_header_initial(document),
        lines_initial=[line_initial(line) for line in document.lines.all()],
    )
    if data is not None and "add_line" not in data and editor.is_valid():
        try:
            documents.update_draft(
                actor=request.user, document=document, lines=editor.line_values(), **editor.header.values()
            )
        except ValidationError as error:
            editor.show(error)
        else:
            messages.success(request, _("The changes were saved."))
            return _to_detail(document)
    return _editor_page(request, editor, kind=KINDS[document.document_type], document=document)


# --- credit notes ------------------------------------------------------------------------------


def _credit_request(form: CreditNoteForm, everything: bool) -> list[tuple[DocumentLine, dict[str, Any]]]:
    if everything:
        return [(line, {"line": line.pk}) for line, remaining in form.lines if remaining > 0]
    return [(line, {"line": line.pk, "quantity": quantity}) for line, quantity in form.chosen()]


def _show_credit_errors(
    form: CreditNoteForm, error: ValidationError, chosen: list[tuple[DocumentLine, dict[str, Any]]]
) -> None:
    by_key = error.error_dict if hasattr(error, "error_dict") else {"": error.error_list}
    for key, errors in by_key.items():
        index, _dot, field = key.removeprefix("lines.").partition(".")
        target = None
        if field == "quantity" and index.isdigit() and int(index) < len(chosen):
            target = form.field_name(chosen[int(index)][0])
        for one in errors:
            form.add_error(target, one)


@permission_required("billing.credit_document", raise_exception=True)
def credit_note_create(request: AuthenticatedHttpRequest, document_id: int) -> HttpResponse:
    invoice = selectors.document_for(request.user, document_id, DocumentType.INVOICE)
    if invoice.status != DocumentStatus.ISSUED:
        messages.error(request, _("Only an issued invoice can be credited."))
        return _to_detail(invoice)
    form = CreditNoteForm(
        request.POST if request.method == "POST" else None, lines=corrections.creditable_lines(invoice)
    )
    if request.method == "POST" and form.is_valid():
        chosen = _credit_request(form, everything=request.POST.get("action") == "all")
        if not chosen:
            form.add_error(None, _("Give the quantity to credit of at least one line."))
        else:
            try:
                note = corrections.credit_note(
                    actor=request.user, invoice=invoice, lines=[wanted for _line, wanted in chosen]
                )
            except ValidationError as error:
                _show_credit_errors(form, error, chosen)
            else:
                messages.success(
                    request,
                    _("Credit note %(note)s was issued for invoice %(invoice)s.")
                    % {"note": note.number, "invoice": invoice.number},
                )
                return _to_detail(note)
    rows = [
        {
            "line": line,
            "invoiced": _number(line.quantity),
            "remaining": _number(remaining),
            "unit_price": _number(line.unit_price),
            "field": field,
        }
        for line, remaining, field in form.rows()
    ]
    nothing_left = all(remaining <= 0 for _line, remaining in form.lines)
    context = {"invoice": invoice, "form": form, "rows": rows, "nothing_left": nothing_left}
    return render(request, TEMPLATES + "credit_note_form.html", context)
