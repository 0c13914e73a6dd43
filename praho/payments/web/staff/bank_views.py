"""Bank statements under /staff/payments/bank/: upload a statement, the review queue of its
transfers, and one transfer's page where staff confirm the proposal, split it across documents,
book it as a customer's credit, or ignore it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from praho.billing.web.staff.views import picker_context
from praho.core.http import AuthenticatedHttpRequest
from praho.core.paginator import DeferredJoinPaginator
from praho.core.validation import add_service_errors
from praho.customers.models import Customer
from praho.payments import selectors
from praho.payments.models import TransactionStatus
from praho.payments.services import bank_booking
from praho.payments.services.bank_import import import_statement
from praho.payments.web.staff.bank_forms import CreditForm, IgnoreForm, QueueFilterForm, SplitForm, UploadForm

PAGE_SIZE = 50
TEMPLATES = "payments/staff/"


@permission_required("payments.view_bankstatement", raise_exception=True)
def statements(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = UploadForm()
    if request.method == "POST":
        if not request.user.has_perm("payments.add_bankstatement"):
            return HttpResponse(status=403)
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                imported = import_statement(
                    actor=request.user, data=upload.read(), filename=upload.name or ""
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                _report(request, imported.statement, created=imported.created)
                return redirect(f"{reverse('payments:bank-queue')}?statement={imported.statement.pk}&status=")
    page_obj = DeferredJoinPaginator(selectors.bank_statements(), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page_obj": page_obj, "statements": list(page_obj)}
    return render(request, TEMPLATES + "bank_statements.html", context)


def _report(request: AuthenticatedHttpRequest, statement: Any, *, created: bool) -> None:
    if not created:
        messages.info(request, _("This statement was imported before; nothing was added."))
        return
    messages.success(
        request,
        _(
            "%(count)d new transfers: %(matched)d matched, %(unmatched)d without a match. "
            "Exact matches are booked by themselves."
        )
        % {"count": statement.transactions, "matched": statement.matched, "unmatched": statement.unmatched},
    )


@permission_required("payments.view_banktransaction", raise_exception=True)
def queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = QueueFilterForm(request.GET or None)
    valid = not form.is_bound or form.is_valid()
    data = form.cleaned_data if form.is_bound and valid else {}
    found = selectors.bank_queue(data) if valid else selectors.bank_queue({"status": "none"})
    page_obj = DeferredJoinPaginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page_obj": page_obj, "transactions": list(page_obj)}
    template = "_bank_queue_results.html" if request.htmx else "bank_queue.html"
    return render(request, TEMPLATES + template, context)


def _page(request: AuthenticatedHttpRequest, pk: int, **forms: Any) -> HttpResponse:
    tx = selectors.bank_transaction(pk)
    chosen = None
    wanted = request.GET.get("customer", "")
    if wanted.isdigit():
        chosen = Customer.objects.filter(pk=int(wanted)).first()
    context: dict[str, Any] = {
        "tx": tx,
        "open": tx.status in (TransactionStatus.PROPOSED, TransactionStatus.UNMATCHED),
        "allocations": selectors.allocations_of(tx),
        "split_form": forms.get("split_form") or SplitForm(initial=_split_initial(tx)),
        "credit_form": forms.get("credit_form") or CreditForm(),
        "ignore_form": forms.get("ignore_form") or IgnoreForm(),
        "picker": picker_context(
            request, selected=chosen or tx.customer, query=request.GET.get("customer_q", ""), optional=False
        ),
    }
    return render(request, TEMPLATES + "bank_transaction.html", context, status=400 if forms else 200)


def _split_initial(tx: Any) -> dict[str, Any]:
    return {"document_1": tx.document.number, "amount_1": tx.amount} if tx.document else {}


@permission_required("payments.view_banktransaction", raise_exception=True)
def transaction(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _page(request, pk)


def _done(request: AuthenticatedHttpRequest, pk: int, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("payments:bank-transaction", pk=pk)


@require_POST
@permission_required("payments.book_bank_transaction", raise_exception=True)
def confirm(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    tx = selectors.bank_transaction(pk)
    try:
        bank_booking.confirm(actor=request.user, transaction_id=tx.pk)
    except ValidationError as error:
        messages.error(request, "; ".join(error.messages))
        return redirect("payments:bank-transaction", pk=pk)
    return _done(request, pk, _("Booked on %(document)s.") % {"document": tx.document})


@require_POST
@permission_required("payments.book_bank_transaction", raise_exception=True)
def split(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    tx = selectors.bank_transaction(pk)
    form = SplitForm(request.POST)
    if form.is_valid():
        rows = form.rows()
        documents = selectors.documents_by_number([number for _row, number, _amount in rows])
        for row, number, _amount in rows:
            if number not in documents:
                form.add_error(
                    f"document_{row}", _("No document has the number %(number)s.") % {"number": number}
                )
    if not form.is_valid():
        return _page(request, pk, split_form=form)
    # The form's clean() made every row's amount required.
    parts = [bank_booking.Part(documents[number].pk, amount or Decimal(0)) for _row, number, amount in rows]
    try:
        bank_booking.book(actor=request.user, transaction_id=tx.pk, parts=parts)
    except ValidationError as error:
        add_service_errors(form, error, aliases=_split_fields(rows))
        return _page(request, pk, split_form=form)
    return _done(request, pk, _("Booked."))


def _split_fields(rows: list[tuple[int, str, Any]]) -> dict[str, str]:
    """The service names a part by its place among the parts; the form by its row."""
    aliases: dict[str, str] = {}
    for index, (row, _number, _amount) in enumerate(rows):
        aliases |= {f"parts.{index}.amount": f"amount_{row}", f"parts.{index}.document": f"document_{row}"}
    return aliases


@require_POST
@permission_required("payments.book_bank_transaction", raise_exception=True)
def credit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    tx = selectors.bank_transaction(pk)
    form = CreditForm(request.POST)
    customer = None
    if form.is_valid():
        customer = Customer.objects.filter(pk=form.cleaned_data["customer"], deleted_at__isnull=True).first()
        if customer is None:
            form.add_error("customer", _("Choose a customer."))
    if customer is None:
        return _page(request, pk, credit_form=form)
    try:
        bank_booking.book(actor=request.user, transaction_id=tx.pk, parts=[], customer=customer)
    except ValidationError as error:
        add_service_errors(form, error)
        return _page(request, pk, credit_form=form)
    return _done(request, pk, _("Booked as %(customer)s's credit.") % {"customer": customer.name})


@require_POST
@permission_required("payments.book_bank_transaction", raise_exception=True)
def ignore(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    tx = selectors.bank_transaction(pk)
    form = IgnoreForm(request.POST)
    if not form.is_valid():
        return _page(request, pk, ignore_form=form)
    try:
        bank_booking.ignore(actor=request.user, transaction_id=tx.pk, note=form.cleaned_data["note"])
    except ValidationError as error:
        add_service_errors(form, error)
        return _page(request, pk, ignore_form=form)
    return _done(request, pk, _("Ignored."))
