"""Staff pages for proformas, invoices and credit notes under /staff/billing/: the lists with
filters, their sums per currency, and the customer picker they share with new drafts. The other document pages
are in document_views.py (a document's page, PDF and the buttons on it), draft_views.py
(create and edit drafts) and credit_views.py (credit notes); this module also holds what
they share (KINDS, the picker, the redirect to a document's page).

Each view parses the request, calls one service or selector and renders; the rules and their
error messages come from the services (praho.billing.services.drafts, corrections, ledger), and a
document is only ever reached through praho.billing.selectors, so an id staff may not see is a 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet, Sum
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy

from praho.billing import ledger_queries, selectors
from praho.billing.display import payment_state
from praho.billing.models import Document, DocumentStatus, DocumentType
from praho.billing.web.staff.forms import DocumentFilterForm
from praho.core.http import AuthenticatedHttpRequest
from praho.core.paginator import DeferredJoinPaginator
from praho.customers import selectors as customer_selectors
from praho.customers.models import Customer

PAGE_SIZE = 25
TEMPLATES = "billing/staff/"

# --- what the staff document pages share ------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """How one document type is named in the staff pages."""

    title: Any
    list_url: str
    sums_url: str


KINDS: dict[str, Kind] = {
    DocumentType.INVOICE: Kind(gettext_lazy("Invoices"), "billing:invoices", "billing:invoice-sums"),
    DocumentType.PROFORMA: Kind(gettext_lazy("Proformas"), "billing:proformas", "billing:proforma-sums"),
    DocumentType.CREDIT_NOTE: Kind(
        gettext_lazy("Credit notes"), "billing:credit-notes", "billing:credit-note-sums"
    ),
}


def error_text(error: ValidationError) -> str:
    """A service's refusal as one message (for pages that show it as a flash message)."""
    return " ".join(error.messages)


def to_detail(document: Document) -> HttpResponse:
    return redirect("billing:document", document.pk)


# --- the customer picker (list filters and new drafts) ---------------------------------------


def visible_customer(request: AuthenticatedHttpRequest, customer_id: Any) -> Customer | None:
    """The customer with this id if staff may see it (one query), else None."""
    try:
        pk = int(customer_id)
    except (TypeError, ValueError):
        return None
    return customer_selectors.customers_visible_to(request.user).filter(pk=pk).first()


def picker_context(
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
    picker = picker_context(
        request,
        selected=visible_customer(request, request.GET.get("customer")),
        query=request.GET.get("customer_q", ""),
        optional=request.GET.get("optional") == "1",
    )
    return render(request, TEMPLATES + "_customer_options.html", {"picker": picker})


# --- lists -----------------------------------------------------------------------------------


def _sums(documents: QuerySet[Document], *, outstanding: bool) -> list[dict[str, Any]]:
    """Net, VAT and total (and what invoices still owe) of the filtered documents, per currency."""
    amounts = {"net": Sum("net_total"), "vat": Sum("vat_total"), "total": Sum("total")}
    if outstanding:
        amounts["outstanding"] = Sum("ledger_outstanding")
    return selectors.sums_per_currency(documents, **amounts)


def _counted_in_sums(documents: QuerySet[Document], status: str | None) -> QuerySet[Document]:
    """Drafts and cancelled proformas are summed only when the status filter asks for them:
    the totals people reconcile are those of documents the customer received."""
    if status in (DocumentStatus.DRAFT, DocumentStatus.CANCELLED):
        return documents
    return documents.exclude(status__in=[DocumentStatus.DRAFT, DocumentStatus.CANCELLED])


@dataclass(frozen=True)
class _Found:
    """A list's filters as the request gives them and the documents they find."""

    form: DocumentFilterForm
    data: dict[str, Any]  # the cleaned filters; empty when there are none or they are not valid
    documents: QuerySet[Document]


def _find(request: AuthenticatedHttpRequest, document_type: str) -> _Found:
    """The documents of the list's filters, with what the list and its sums read of them. Filters
    that are not valid find nothing; the form says why next to each field."""
    form = DocumentFilterForm(request.GET or None, document_type=document_type)
    visible = selectors.documents_visible_to(request.user).filter(document_type=document_type)
    valid = not form.is_bound or form.is_valid()
    data = form.cleaned_data if form.is_bound and valid else {}
    found = (
        selectors.filter_documents(visible, selectors.DocumentFilters.from_values(data))
        if valid
        else visible.none()
    )
    # filter_documents() already annotates the ledger amounts when it filters on a payment state.
    if document_type == DocumentType.INVOICE and "ledger_outstanding" not in found.query.annotations:
        found = ledger_queries.with_ledger_amounts(found)
    if document_type == DocumentType.CREDIT_NOTE:
        found = found.select_related("credited_document")
    return _Found(form, data, found)


def _with_filters(request: AuthenticatedHttpRequest, url_name: str) -> str:
    """The URL with the request's filters, without the page (the sums are those of every page)."""
    query = request.GET.copy()
    query.pop("page", None)
    url = reverse(url_name)
    return f"{url}?{query.urlencode()}" if query else url


def _document_list(request: AuthenticatedHttpRequest, document_type: str) -> HttpResponse:
    found = _find(request, document_type)
    is_invoice = document_type == DocumentType.INVOICE
    page_obj = DeferredJoinPaginator(found.documents, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {"document": document, "payment": payment_state(document) if is_invoice else None}
        for document in page_obj
    ]
    context: dict[str, Any] = {
        "kind": KINDS[document_type],
        "document_type": document_type,
        "form": found.form,
        "page_obj": page_obj,
        "rows": rows,
        # The sums load apart (document_sums): over every document found, they cost more than the page.
        "sums_url": _with_filters(request, KINDS[document_type].sums_url),
    }
    if request.htmx:
        return render(request, TEMPLATES + "_document_results.html", context)
    data = found.data
    context["picker"] = picker_context(
        request,
        selected=visible_customer(request, data.get("customer")) if data.get("customer") else None,
        query=request.GET.get("customer_q", ""),
        optional=True,
    )
    return render(request, TEMPLATES + "document_list.html", context)


def _document_sums(request: AuthenticatedHttpRequest, document_type: str) -> HttpResponse:
    """The sums per currency of a list's documents: the list's placeholder loads them (htmx); asked
    for without htmx (the list's <noscript> link), a page of its own."""
    found = _find(request, document_type)
    counted = _counted_in_sums(found.documents, found.data.get("status"))
    context: dict[str, Any] = {
        "kind": KINDS[document_type],
        "document_type": document_type,
        "form": found.form,
        "sums": _sums(counted, outstanding=document_type == DocumentType.INVOICE),
        "back_url": _with_filters(request, KINDS[document_type].list_url),
    }
    template = "_document_sums.html" if request.htmx else "document_sums.html"
    return render(request, TEMPLATES + template, context)


# One view per page, each type's URL passing its document_type (staff_urls.py).
document_list = permission_required("billing.view_document", raise_exception=True)(_document_list)
document_sums = permission_required("billing.view_document", raise_exception=True)(_document_sums)
