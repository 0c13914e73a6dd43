"""The customer area's billing pages: the current customer's documents, their PDFs and its balance.

Who: members of the customer the user currently acts for (customers.current) whose role
has the BILLING capability (owner, billing); other members get the 403 "no access" page.
What: documents come from selectors.documents_visible_to, the one isolation rule for
billing, narrowed to the current customer, so a user of two customers sees one at a
time and the id of any other customer's document answers 404.

Customers see issued invoices and credit notes, and proformas that are issued or were
converted into an invoice. Drafts of any type never show: their PDF says "DRAFT" and has
no number or payment reference (pdf.py), and staff may still change or drop them.
Cancelled proformas are hidden too: nothing is to be paid on them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import wraps
from typing import Any, Concatenate, ParamSpec, cast

from babel.numbers import format_decimal, format_percent
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from praho.accounts.models import User
from praho.billing import ledger_queries
from praho.billing.display import PAYMENT_STATE_LABELS, decimal_text, vat_breakdown
from praho.billing.ledger_queries import PaymentStatus
from praho.billing.models import Document, DocumentLine, DocumentStatus, DocumentType
from praho.billing.pdf import downloads as pdf_downloads
from praho.billing.pdf.rendering import payment_reference
from praho.billing.rules.totals import VatGroup
from praho.billing.rules.units import UNIT_CODES
from praho.billing.selectors import (
    PAYMENT_STATES,
    DocumentFilters,
    documents_visible_to,
    filter_documents,
    payments_visible_to,
    shown_to_customers,
)
from praho.billing.services.delivery import attachment_filename, grouped_iban
from praho.core.contributions import contributions
from praho.core.formatting import babel_locale
from praho.core.http import AuthenticatedHttpRequest
from praho.core.paginator import DeferredJoinPaginator
from praho.core.validation import fiscal_today
from praho.customers.models import Customer, Membership
from praho.customers.roles import Capability, can
from praho.customers.web.area.views import area_page

PAGE_SIZE = 25
TEMPLATES = "billing/area/"
TYPE_TABS: list[tuple[str, Promise]] = [
    ("", _("All documents")),
    (DocumentType.INVOICE, _("Invoices")),
    (DocumentType.PROFORMA, _("Proformas")),
    (DocumentType.CREDIT_NOTE, _("Credit notes")),
]
STATE_CHOICES: list[tuple[str, StrOrPromise]] = [
    ("", _("Any")),
    *((state, PAYMENT_STATE_LABELS[state]) for state in PAYMENT_STATES),
]

P = ParamSpec("P")
BillingView = Callable[Concatenate[AuthenticatedHttpRequest, Membership, P], HttpResponse]


def billing_page(view: BillingView[P]) -> Callable[Concatenate[AuthenticatedHttpRequest, P], HttpResponse]:
    """A customer-area page for members whose role may see billing (403 page otherwise)."""

    @wraps(view)
    def check(
        request: AuthenticatedHttpRequest, membership: Membership, *args: P.args, **kwargs: P.kwargs
    ) -> HttpResponse:
        if not can(membership.role, Capability.BILLING):
            context = {"customer": membership.customer, "role": membership.get_role_display()}
            return render(request, TEMPLATES + "forbidden.html", context, status=403)
        return view(request, membership, *args, **kwargs)

    return area_page()(check)


def customer_documents(user: User, customer: Customer) -> QuerySet[Document]:
    """What the customer area shows of one customer (see the module docstring)."""
    return shown_to_customers(documents_visible_to(user).filter(customer=customer))


def _document(
    request: AuthenticatedHttpRequest, membership: Membership, document_id: int, *, full: bool = False
) -> Document:
    """The current customer's document as the area shows it, or 404. `full` also reads what the
    detail page shows beside it: the seller snapshot, related documents and ledger amounts."""
    documents = customer_documents(request.user, membership.customer)
    if full:
        documents = ledger_queries.with_ledger_amounts(documents).select_related(
            "seller", "credited_document", "converted_from", "converted_to"
        )
    try:
        return documents.get(pk=document_id)
    except Document.DoesNotExist:
        raise Http404 from None


# --- the list ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentRow:
    document: Document
    # Invoices only: the ledger's view of them; None for proformas and credit notes.
    payment_status: PaymentStatus | None
    outstanding: Decimal | None


def _row(document: Document, today: Any) -> DocumentRow:
    if document.document_type != DocumentType.INVOICE:
        return DocumentRow(document, None, None)
    return DocumentRow(document, ledger_queries.payment_status(document, today), document.ledger_outstanding)  # type: ignore[attr-defined]


def _listed(request: AuthenticatedHttpRequest, customer: Customer) -> tuple[QuerySet[Document], str, str]:
    """The documents of the chosen tab and payment state, with their ledger amounts."""
    kind = request.GET.get("type", "")
    kind = kind if kind in DocumentType.values else ""
    state = request.GET.get("status", "")
    state = state if state in PAYMENT_STATES else ""
    documents = customer_documents(request.user, customer)
    if kind:
        documents = documents.filter(document_type=kind)
    if state:
        # Payment states belong to invoices: filter_documents keeps issued invoices only.
        documents = filter_documents(documents, DocumentFilters(status=state))
    else:
        documents = ledger_queries.with_ledger_amounts(documents)
    documents = documents.select_related("credited_document").order_by("-issue_date", "-id")
    return documents, kind, state


@billing_page
def documents(request: AuthenticatedHttpRequest, membership: Membership) -> HttpResponse:
    customer = membership.customer
    listed, kind, state = _listed(request, customer)
    page = DeferredJoinPaginator(listed, PAGE_SIZE).get_page(request.GET.get("page"))
    today = fiscal_today()
    context = {
        "customer": customer,
        "balances": sorted(ledger_queries.customer_balance(customer, today).items()),
        "page_obj": page,
        "rows": [_row(document, today) for document in page.object_list],
        "tabs": TYPE_TABS,
        "states": STATE_CHOICES,
        "kind": kind,
        "state": state,
    }
    template = "_documents.html" if request.htmx else "documents.html"
    return render(request, TEMPLATES + template, context)


# --- one document -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineRow:
    line: DocumentLine
    unit: str
    quantity: str  # "12", "1,5": as many decimals as it has
    unit_price: str  # 2 to 4 decimals, without the currency (the table's heading names it)
    vat: str  # "21 %", "0 % AE"


@dataclass(frozen=True)
class VatRow:
    group: VatGroup
    vat: str


def _vat_label(category: str, rate: Decimal, locale: str) -> str:
    percent = format_percent(rate / 100, locale=locale, decimal_quantization=False)
    return percent if category == "S" else f"{percent} {category}"


def _line_rows(lines: list[DocumentLine]) -> list[LineRow]:
    locale = babel_locale()
    return [
        LineRow(
            line=line,
            unit=str(UNIT_CODES.get(line.unit_code, line.unit_code)),
            quantity=decimal_text(line.quantity, locale),
            unit_price=format_decimal(line.unit_price, "#,##0.00##", locale=locale),
            vat=_vat_label(line.vat_category, line.vat_rate, locale),
        )
        for line in lines
    ]


def _vat_rows(document: Document, lines: list[DocumentLine]) -> list[VatRow]:
    locale = babel_locale()
    return [
        VatRow(group, _vat_label(group.category, group.rate, locale))
        for group in vat_breakdown(document, lines)
    ]


def _invoice_context(request: AuthenticatedHttpRequest, document: Document) -> dict[str, Any]:
    """Paid, credited and still owed from the ledger (annotated by _document), and the payments."""
    if document.document_type != DocumentType.INVOICE:
        return {}
    return {
        "payment_status": ledger_queries.payment_status(document),
        "paid": document.ledger_paid,  # type: ignore[attr-defined]
        "credited": document.ledger_credited,  # type: ignore[attr-defined]
        "outstanding": document.ledger_outstanding,  # type: ignore[attr-defined]
        "payments": payments_visible_to(request.user).filter(document=document).order_by("received_on", "pk"),
    }


def _payment_context(document: Document) -> dict[str, Any]:
    """How to pay: for an issued proforma, or an invoice that still owes something."""
    seller = document.seller
    owes = getattr(document, "ledger_outstanding", None)
    payable = document.status == DocumentStatus.ISSUED and (
        document.document_type == DocumentType.PROFORMA
        or (document.document_type == DocumentType.INVOICE and owes is not None and owes > 0)
    )
    if not payable or seller is None:
        return {"show_payment": False}
    return {
        "show_payment": True,
        "payment_reference": payment_reference(document),
        "iban": grouped_iban(seller.iban),
        "bank_name": seller.bank_name,
        "beneficiary": seller.name,
    }


def _converted_to(document: Document) -> Document | None:
    try:
        return document.converted_to
    except Document.DoesNotExist:
        return None


@billing_page
def document_detail(
    request: AuthenticatedHttpRequest, membership: Membership, document_id: int
) -> HttpResponse:
    # A proforma and the invoice it became, and an invoice and its credit notes, always belong to
    # the same customer and are never drafts (conversion and crediting issue at once), so the
    # related documents read here are ones the customer may see.
    document = _document(request, membership, document_id, full=True)
    lines = list(document.lines.all())
    context = {
        "customer": membership.customer,
        "document": document,
        "lines": _line_rows(lines),
        "vat_rows": _vat_rows(document, lines),
        "credit_notes": list(
            customer_documents(request.user, membership.customer)
            .filter(credited_document=document)
            .order_by("issue_date", "pk")
        ),
        "converted_to": _converted_to(document),
        "converted_from": document.converted_from,
    }
    context |= _invoice_context(request, document) | _payment_context(document)
    if context["show_payment"]:
        # Other ways to pay, from the apps above billing (payments: by card through Stripe).
        context["panels"] = [panel(request, document) for panel in document_panels()]
    return render(request, TEMPLATES + "document.html", context)


def document_panels() -> list[Callable[[AuthenticatedHttpRequest, Document], Any]]:
    return cast(
        list[Callable[[AuthenticatedHttpRequest, Document], Any]],
        contributions("document_panels", "area_panel"),
    )


@billing_page
def document_pdf(request: AuthenticatedHttpRequest, membership: Membership, document_id: int) -> HttpResponse:
    document = _document(request, membership, document_id)
    try:  # the stored PDF (pdf_archive); rendered on first use, within the user's rate
        return pdf_downloads.pdf_response(
            request, document, attachment=False, filename=attachment_filename(document)
        )
    except pdf_downloads.RenderRefusedError as refused:
        return pdf_downloads.refusal_page(
            request, refused, TEMPLATES + "pdf_refused.html", customer=membership.customer, document=document
        )
