"""Staff money pages under /staff/billing/: payments (list, record one), a customer's
account (balance, open invoices, credit applied), the seller's data and exchange rates.

Each view parses the request, calls one service or selector and renders; the rules
and their error messages come from the services (payments, seller, fx).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, QuerySet, Sum
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from praho.billing import ledger_queries, selectors, tasks
from praho.billing.display import is_issued_invoice
from praho.billing.gateways import bnr
from praho.billing.ledger_queries import Balance
from praho.billing.models import (
    AccountKind,
    Document,
    DocumentStatus,
    DocumentType,
    ExchangeRate,
    Payment,
    PaymentMethod,
    TransactionKind,
)
from praho.billing.models.fx import FOREIGN_CURRENCIES, rate_text
from praho.billing.rules import oss
from praho.billing.services import fx, payments
from praho.billing.services import seller as seller_service
from praho.billing.web.staff.money_forms import (
    ApplyCreditForm,
    ManualRateForm,
    PaymentFilterForm,
    PaymentForm,
    SellerForm,
)
from praho.billing.web.staff.views import picker_context, visible_customer
from praho.core.formatting import format_date, format_money
from praho.core.http import AuthenticatedHttpRequest
from praho.core.money import round_money
from praho.core.paginator import DeferredJoinPaginator
from praho.core.validation import fiscal_today
from praho.customers import selectors as customer_selectors
from praho.customers.models import Customer
from praho.customers.rules.identifiers import ROMANIAN_COUNTIES

PAGE_SIZE = 25
RECENT_PAYMENTS = 10
RECENT_RATES = 15
TEMPLATES = "billing/staff/"


def _show_errors(error: ValidationError, form: forms.Form) -> None:
    """Each service error next to the field it names; the others above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        for one in errors:
            form.add_error(field if field in form.fields else None, one)


def document_url(document_id: int) -> str:
    return reverse("billing:document", args=[document_id])


# --- payments ---------------------------------------------------------------------------------


def _filters(data: dict[str, Any]) -> selectors.PaymentFilters:
    return selectors.PaymentFilters.from_values(data)


def _sums(payments_: QuerySet[Payment]) -> list[dict[str, Any]]:
    """Count and total per currency of every payment the filters match (one query)."""
    rows = selectors.sums_per_currency(payments_, count=Count("pk"), total=Sum("amount"))
    # SQLite sums decimals in floating point: back to cents.
    return [{**row, "total": round_money(Decimal(row["total"]))} for row in rows]


@permission_required("billing.view_payment", raise_exception=True)
def payment_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = PaymentFilterForm(request.GET or None)
    found = selectors.payments_visible_to(request.user).select_related("recorded_by")
    if form.is_bound and not form.is_valid():
        found = found.none()
    elif form.is_bound:
        found = selectors.filter_payments(found, _filters(form.cleaned_data))
    found = found.order_by("-received_on", "-pk")
    context: dict[str, Any] = {
        "form": form,
        "page_obj": DeferredJoinPaginator(found, PAGE_SIZE).get_page(request.GET.get("page")),
        "sums": _sums(found),
    }
    if request.htmx:
        return render(request, TEMPLATES + "payment_results.html", context)
    chosen = form.cleaned_data.get("customer") if form.is_bound and form.is_valid() else None
    context["picker"] = picker_context(
        request,
        selected=visible_customer(request, chosen) if chosen else None,
        query=request.GET.get("customer_q", ""),
        optional=True,
    )
    return render(request, TEMPLATES + "payment_list.html", context)


def _payable(user: Any, document_id: int) -> Document:
    """An invoice or a proforma the user may see; a credit note is paid by nobody."""
    document = selectors.document_for(user, document_id)
    if document.document_type == DocumentType.CREDIT_NOTE:
        raise Http404
    return document


def _left_to_pay(document: Document) -> Decimal:
    """What the ledger says an issued invoice still owes (for a converted proforma, its
    invoice); any other proforma or a draft owes its total."""
    if document.document_type == DocumentType.PROFORMA and document.status == DocumentStatus.CONVERTED:
        invoice = Document.objects.filter(converted_from=document).first()
        document = invoice if invoice is not None else document
    if is_issued_invoice(document):
        return ledger_queries.document_outstanding(document)
    return document.total


def _to_customer_credit(payment: Payment) -> Decimal:
    """The part of a payment beyond what its invoice owed, as its ledger posting split it."""
    posting = payment.ledger_transactions.get(kind=TransactionKind.PAYMENT_RECEIVED)
    return -ledger_queries.transaction_amount(posting, AccountKind.CUSTOMER_CREDIT)


def _report_payment(request: AuthenticatedHttpRequest, payment: Payment, paid: Document) -> None:
    invoice = payment.document
    assert invoice is not None  # recorded on an invoice (a paid proforma's is its new invoice)
    amount = format_money(payment.amount, payment.currency)
    messages.success(
        request,
        _("Payment of %(amount)s recorded for invoice %(invoice)s.") % {"amount": amount, "invoice": invoice},
    )
    if invoice.pk != paid.pk:
        messages.info(
            request,
            _("Proforma %(proforma)s was converted into invoice %(invoice)s.")
            % {"proforma": paid, "invoice": invoice},
        )
    overpaid = _to_customer_credit(payment)
    if overpaid > 0:
        extra = {"amount": format_money(overpaid, payment.currency)}
        if settings.BILLING_AUTO_APPLY_CREDIT:
            message = _(
                "%(amount)s more than the invoice owed went to the customer's credit, "
                "which was applied to their other open invoices."
            )
        else:
            message = _("%(amount)s more than the invoice owed went to the customer's credit.")
        messages.info(request, message % extra)


@permission_required("billing.add_payment", raise_exception=True)
def payment_create(request: AuthenticatedHttpRequest, document_id: int) -> HttpResponse:
    document = _payable(request.user, document_id)
    left_to_pay = _left_to_pay(document)
    initial = {
        "amount": left_to_pay if left_to_pay > 0 else "",
        "currency": document.currency,
        "method": PaymentMethod.BANK_TRANSFER,
        "received_on": fiscal_today(),
    }
    form = PaymentForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            payment = payments.record_payment(actor=request.user, invoice=document, **form.cleaned_data)
        except ValidationError as error:
            _show_errors(error, form)
        else:
            _report_payment(request, payment, document)
            return redirect(document_url(payment.document_id or document.pk))
    context = {"document": document, "form": form, "left_to_pay": left_to_pay}
    return render(request, TEMPLATES + "payment_form.html", context)


# --- a customer's account -----------------------------------------------------------------


@dataclass
class OpenInvoice:
    invoice: Document  # annotated by ledger_queries.with_ledger_amounts()
    credit_form: ApplyCreditForm | None  # when the customer has credit to pay it with


@dataclass
class CurrencyAccount:
    currency: str
    balance: Balance
    open_invoices: list[OpenInvoice]


def _currency_accounts(
    user: Any, customer: Customer, posted: ApplyCreditForm | None
) -> list[CurrencyAccount]:
    """Per currency the customer has ledger entries in: balance and open invoices (one query
    for the balances and one per currency in which something is owed)."""
    may_apply = user.has_perm("billing.add_payment")
    accounts = []
    for currency, balance in sorted(ledger_queries.customer_balance(customer).items()):
        invoices = ledger_queries.open_invoices(customer, currency) if balance.receivable > 0 else []
        rows = []
        for invoice in invoices:
            form = None
            if may_apply and balance.credit > 0:
                form = ApplyCreditForm(initial={"invoice": invoice.pk}, auto_id=f"id_credit_{invoice.pk}_%s")
                if posted is not None and posted.initial.get("invoice") == invoice.pk:
                    form = posted
            rows.append(OpenInvoice(invoice, form))
        accounts.append(CurrencyAccount(currency, balance, rows))
    return accounts


def _render_account(
    request: AuthenticatedHttpRequest, customer: Customer, posted: ApplyCreditForm | None = None
) -> HttpResponse:
    recent = None
    if request.user.has_perm("billing.view_payment"):
        recent = list(
            selectors.payments_visible_to(request.user)
            .filter(customer=customer)
            .select_related("recorded_by")
            .order_by("-received_on", "-pk")[:RECENT_PAYMENTS]
        )
    accounts = _currency_accounts(request.user, customer, posted)
    context = {
        "customer": customer,
        "accounts": accounts,
        "any_open": any(account.open_invoices for account in accounts),
        "payments": recent,
        "today": fiscal_today(),
    }
    return render(request, TEMPLATES + "account.html", context)


@permission_required("billing.view_document", raise_exception=True)
def customer_account(request: AuthenticatedHttpRequest, customer_id: int) -> HttpResponse:
    customer = customer_selectors.customer_for(request.user, customer_id, include_deleted=True)
    return _render_account(request, customer)


@require_POST
@permission_required("billing.add_payment", raise_exception=True)
def apply_credit(request: AuthenticatedHttpRequest, customer_id: int) -> HttpResponse:
    """Pay one of the customer's open invoices from their credit in its currency."""
    customer = customer_selectors.customer_for(request.user, customer_id)
    form = ApplyCreditForm(request.POST)
    if not form.is_valid() and "invoice" in form.errors:
        raise Http404
    invoice = selectors.document_for(request.user, form.cleaned_data["invoice"], DocumentType.INVOICE)
    if invoice.customer_id != customer.pk:
        raise Http404
    # Shown again in this invoice's row, with the ids the page gives that row's inputs.
    form.auto_id, form.initial = f"id_credit_{invoice.pk}_%s", {"invoice": invoice.pk}
    if form.is_valid():
        try:
            posting = payments.apply_customer_credit(
                actor=request.user, customer=customer, invoice=invoice, amount=form.cleaned_data["amount"]
            )
        except ValidationError as error:
            _show_errors(error, form)
        else:
            applied = ledger_queries.transaction_amount(posting, AccountKind.CUSTOMER_CREDIT)
            messages.success(
                request,
                _("%(amount)s of the customer's credit paid invoice %(invoice)s.")
                % {"amount": format_money(applied, invoice.currency), "invoice": invoice},
            )
            return redirect("billing:account", customer.pk)
    return _render_account(request, customer, posted=form)


# --- the seller -----------------------------------------------------------------------------


def _shown(field: str, value: Any) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if field == "county":
        return ROMANIAN_COUNTIES.get(value, value) or "—"
    return str(value or "—")


def _labelled_history() -> list[dict[str, Any]]:
    """The version history with each change as "label: before → after" parts for the page."""
    labels = {name: field.label for name, field in SellerForm.base_fields.items()}
    return [
        {
            "seller": entry.seller,
            "first": entry.first,
            "changes": [
                {
                    "label": labels.get(change.field, change.field),
                    "before": _shown(change.field, change.before),
                    "after": _shown(change.field, change.after),
                }
                for change in entry.changes
            ],
        }
        for entry in seller_service.version_history()
    ]


@permission_required("billing.view_sellerprofile", raise_exception=True)
def seller_detail(request: AuthenticatedHttpRequest) -> HttpResponse:
    history = _labelled_history()
    current = history[0]["seller"] if history else None
    context = {
        "seller": current,
        "county": ROMANIAN_COUNTIES.get(current.county, current.county) if current else "",
        "history": history,
        "distance_sales": oss_bars(fiscal_today().year),
    }
    return render(request, TEMPLATES + "seller.html", context)


def oss_bars(year: int) -> dict[str, object]:
    """This year's and last year's EU distance sales against the OSS threshold, as chart bars."""
    sales = oss.distance_sales(year)
    scale = max(sales.total_eur, sales.previous_year_eur, oss.THRESHOLD_EUR)
    return {
        "sales": sales,
        "bars": [
            {"year": year_of, "eur": amount, "percent": int(100 * amount / scale) if amount > 0 else 0}
            for year_of, amount in ((year - 1, sales.previous_year_eur), (year, sales.total_eur))
        ],
        "threshold_percent": int(100 * oss.THRESHOLD_EUR / scale),
    }


@permission_required("billing.add_sellerprofile", raise_exception=True)
def seller_edit(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A change to the seller's data is saved as a new version."""
    current = seller_service.newest_version()
    initial = {name: getattr(current, name) for name in SellerForm.base_fields} if current else {}
    form = SellerForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = seller_service.update_seller_profile(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _show_errors(error, form)
        else:
            if current is not None and saved.pk == current.pk:
                messages.info(
                    request,
                    _("Nothing changed; the seller's data stays at version %(version)s.")
                    % {"version": saved.version},
                )
            else:
                messages.success(
                    request,
                    _("The seller's data was saved as version %(version)s.") % {"version": saved.version},
                )
            return redirect("billing:seller")
    return render(request, TEMPLATES + "seller_form.html", {"form": form, "current": current})


# --- exchange rates -------------------------------------------------------------------------


@dataclass(frozen=True)
class ShownRate:
    rate: ExchangeRate
    text: str  # as BNR writes it: "5.0915"


def _recent_rates() -> list[tuple[str, list[ShownRate]]]:
    """The newest rates of each foreign currency (one query per currency)."""
    recent = []
    for currency in FOREIGN_CURRENCIES:
        rows = (
            ExchangeRate.objects.filter(currency=currency)
            .select_related("entered_by")
            .order_by("-date")[:RECENT_RATES]
        )
        recent.append((currency, [ShownRate(row, rate_text(row.rate)) for row in rows]))
    return recent


@permission_required("billing.view_exchangerate", raise_exception=True)
def rate_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The recent rates and, for staff who may, the form to enter one by hand (posted here)."""
    may_add = request.user.has_perm("billing.add_exchangerate")
    if request.method == "POST" and not may_add:
        raise PermissionDenied
    form = None
    if may_add:
        initial = {"currency": FOREIGN_CURRENCIES[0], "on": fiscal_today()}
        form = ManualRateForm(request.POST if request.method == "POST" else None, initial=initial)
    if form is not None and form.is_bound and form.is_valid():
        values = form.cleaned_data
        try:
            rate = fx.set_manual_rate(
                actor=request.user, currency=values["currency"], on=values["on"], rate=values["rate"]
            )
        except ValidationError as error:
            _show_errors(error, form)
        else:
            messages.success(
                request,
                _("The %(currency)s rate for %(date)s is %(rate)s RON, entered by hand.")
                % {"currency": rate.currency, "date": format_date(rate.date), "rate": rate_text(rate.rate)},
            )
            return redirect("billing:rates")
    return render(request, TEMPLATES + "rate_list.html", {"form": form, "rates": _recent_rates()})


@require_POST
@permission_required("billing.add_exchangerate", raise_exception=True)
def rates_fetch(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Fetch BNR's rates now, in this request, through the scheduled task (not queued:
    staff wait for the answer, which the gateway's short timeouts bound)."""
    result = tasks.fetch_bnr_rates.apply(throw=False)
    if isinstance(result.result, bnr.UnavailableError):
        messages.error(request, str(result.result))
        return redirect("billing:rates")
    count = result.get()  # any other failure is a bug: raised here, as it would be in the worker
    if count:
        messages.success(
            request, _("BNR's rates were fetched: %(count)s added or changed.") % {"count": count}
        )
    else:
        messages.info(request, _("BNR's rates were fetched: they were already up to date."))
    return redirect("billing:rates")
