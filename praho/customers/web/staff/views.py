"""Staff pages for customers under /staff/customers/: list and instant search,
create (with ANAF prefill), detail, edit, tax profile versions, VIES check,
soft delete and restore.

Each view parses the request, calls one service or selector and renders; the
rules and their error messages come from the services.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from praho.core.http import AuthenticatedHttpRequest
from praho.customers import selectors
from praho.customers.gateways import GatewayError
from praho.customers.models import ChangeRequestStatus, Customer, CustomerKind, TaxProfile
from praho.customers.rules.identifiers import ROMANIAN_COUNTIES
from praho.customers.services import customers as services
from praho.customers.services import lookups
from praho.customers.web.staff.forms import (
    IDENTITY_FORMS,
    NEW_CUSTOMER_FORMS,
    BillingAddressForm,
    CustomerFilterForm,
    TaxProfileForm,
)

PAGE_SIZE = 25
SEARCH_LIMIT = selectors.SEARCH_LIMIT
TEMPLATES = "customers/staff/"


# --- showing service errors next to their fields ---------------------------------------------


def _duplicate_tax_id_error(request: AuthenticatedHttpRequest, error: ValidationError) -> ValidationError:
    """The "already belongs to customer X" error with X as a link (name escaped), when staff may open X."""
    customer_id = (error.params or {}).get("customer_id")
    other = None
    if customer_id is not None:
        visible = selectors.customers_visible_to(request.user, include_deleted=True)
        other = visible.filter(pk=customer_id).only("pk", "name").first()
    if other is None:
        return ValidationError(error.message, code=error.code, params=error.params)
    link = format_html('<a href="{}">{}</a>', reverse("customers:detail", args=[other.pk]), other.name)
    return ValidationError(
        format_html(_("This tax identifier already belongs to customer {link}."), link=link),
        code="duplicate",
    )


def show_service_errors(
    request: AuthenticatedHttpRequest,
    error: ValidationError,
    form: forms.Form,
    address_form: forms.Form | None = None,
) -> None:
    """Put each service error on the field it names ("address.city" on the address form)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for key, errors in error.error_dict.items():
        target, field = form, key
        if key.startswith("address.") and address_form is not None:
            target, field = address_form, key.removeprefix("address.")
        for one in errors:
            if one.code == "duplicate" and field == "tax_id":
                one = _duplicate_tax_id_error(request, one)
            target.add_error(field if field in target.fields else None, one)


# --- list and search ------------------------------------------------------------------------


@permission_required("customers.view_customer", raise_exception=True)
def customer_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = CustomerFilterForm(request.GET or None)
    customers: QuerySet[Customer]
    if form.is_bound and not form.is_valid():
        customers = Customer.objects.none()
    else:
        filters = form.cleaned_data if form.is_bound else {}
        customers = selectors.customer_list(
            request.user,
            query=filters.get("q", ""),
            kind=filters.get("kind", ""),
            country=filters.get("country", ""),
            vies_status=filters.get("vies_status", ""),
        )
    context = {
        "form": form,
        "page_obj": Paginator(customers, PAGE_SIZE).get_page(request.GET.get("page")),
    }
    template = "_results.html" if request.htmx else "list.html"
    return render(request, TEMPLATES + template, context)


@permission_required("customers.view_customer", raise_exception=True)
def customer_search(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Instant search: up to SEARCH_LIMIT customers matching every word typed."""
    query = request.GET.get("q", "")[:100].strip()
    context = {
        "query": query,
        "results": selectors.search_customers(request.user, query),
        "limit": SEARCH_LIMIT,
        "too_short": bool(query) and not selectors.searchable(query),
        "min_length": selectors.MIN_SEARCH_LENGTH,
    }
    template = "_search_results.html" if request.htmx else "search.html"
    return render(request, TEMPLATES + template, context)


@permission_required("customers.restore_customer", raise_exception=True)
def deleted_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    customers = selectors.customer_list(request.user, deleted=True).order_by("-deleted_at", "-id")
    context = {
        "page_obj": Paginator(customers, PAGE_SIZE).get_page(request.GET.get("page")),
    }
    return render(request, TEMPLATES + "deleted.html", context)


# --- create, with the ANAF prefill ------------------------------------------------------------


def _kind(request: AuthenticatedHttpRequest) -> str:
    kind = request.POST.get("kind") or request.GET.get("kind") or CustomerKind.COMPANY
    return kind if kind in CustomerKind.values else CustomerKind.COMPANY


def _create_context(kind: str, form: forms.Form, address_form: forms.Form, **extra: Any) -> dict[str, Any]:
    return {
        "kind": kind,
        "form": form,
        "address_form": address_form,
        "kinds": CustomerKind.choices,
        **extra,
    }


def _anaf_url(request: AuthenticatedHttpRequest) -> str:
    """Where the form's "Fill in from ANAF" button posts; staff who may change customers only."""
    return reverse("customers:anaf-prefill") if request.user.has_perm("customers.change_customer") else ""


@permission_required("customers.add_customer", raise_exception=True)
def customer_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    kind = _kind(request)
    data = request.POST if request.method == "POST" else None
    form, address_form = NEW_CUSTOMER_FORMS[kind](data), BillingAddressForm(data)
    if request.method == "POST" and form.is_valid() and address_form.is_valid():
        try:
            customer = services.create_customer(
                actor=request.user, kind=kind, address=address_form.cleaned_data, **form.cleaned_data
            )
        except ValidationError as error:
            show_service_errors(request, error, form, address_form)
        else:
            messages.success(request, _("Customer %(name)s was created.") % {"name": customer.name})
            return redirect("customers:detail", customer.pk)
    context = _create_context(kind, form, address_form, anaf_url=_anaf_url(request))
    return render(request, TEMPLATES + "create.html", context)


def _posted_values(form: forms.Form, data: Any) -> dict[str, Any]:
    """What the user typed so far, as initial values (an unbound form shows no errors)."""
    return {
        name: field.widget.value_from_datadict(data, {}, form.add_prefix(name))
        for name, field in form.fields.items()
    }


def _known(**values: str) -> dict[str, str]:
    return {name: value for name, value in values.items() if value}


def anaf_prefilled(request: HttpRequest, *, anaf_url: str) -> dict[str, Any]:
    """The new-company form's context, filled in from ANAF's register for the CUI posted; or why
    not. Staff (anaf_prefill) and a new user creating their company (signup_views) both use it."""
    kind = CustomerKind.COMPANY
    form_class = NEW_CUSTOMER_FORMS[kind]
    values = _posted_values(form_class(), request.POST)
    address = _posted_values(BillingAddressForm(), request.POST)
    anaf: dict[str, Any] = {}
    try:
        company = lookups.company_from_anaf(request.POST.get("tax_id", ""))
    except ValidationError as error:
        anaf = {"error": " ".join(error.messages)}
    except GatewayError as error:
        anaf = {"error": str(error)}
    else:
        # What ANAF leaves blank keeps what the user typed.
        values |= _known(name=company.name, country="RO", trade_register_number=company.trade_register_number)
        values |= {"vat_payer": company.vat_payer, "vat_on_cash_basis": company.vat_on_cash_basis}
        address |= _known(
            street=company.street,
            city=company.city,
            county=company.county,
            postal_code=company.postal_code,
            country="RO",
        )
        anaf = {"company": company}
    return _create_context(
        kind, form_class(initial=values), BillingAddressForm(initial=address), anaf=anaf, anaf_url=anaf_url
    )


@require_POST
@permission_required("customers.change_customer", raise_exception=True)
def anaf_prefill(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The create form again, filled in from ANAF's register for the CUI typed; or why not."""
    template = "_create_form.html" if request.htmx else "create.html"
    return render(request, TEMPLATES + template, anaf_prefilled(request, anaf_url=_anaf_url(request)))


# --- detail ---------------------------------------------------------------------------------


def _shown(profile: TaxProfile, field: str) -> str:
    value = getattr(profile, field)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    display = getattr(profile, f"get_{field}_display", None)
    return str(display()) if display else str(value or "—")


def _profile_history(profiles: Iterable[TaxProfile]) -> list[dict[str, Any]]:
    """Each version, newest first, with the fields that differ from the version before it."""
    ordered = sorted(profiles, key=lambda profile: profile.version)
    history = []
    for before, profile in zip([None, *ordered], ordered, strict=False):
        changes = []
        if before is not None:
            for field in services.PROFILE_FIELDS:
                if getattr(before, field) != getattr(profile, field):
                    label = TaxProfileForm.base_fields[field].label
                    changes.append(
                        {"label": label, "before": _shown(before, field), "after": _shown(profile, field)}
                    )
        history.append({"profile": profile, "changes": changes, "first": before is None})
    return history[::-1]


@permission_required("customers.view_customer", raise_exception=True)
def customer_detail(request: AuthenticatedHttpRequest, customer_id: int) -> HttpResponse:
    customer = selectors.customer_for(request.user, customer_id, include_deleted=True)
    profiles = list(customer.tax_profiles.select_related("created_by"))
    history = _profile_history(profiles)
    addresses = customer.addresses.all()
    context = {
        "customer": customer,
        "profile": history[0]["profile"] if history else None,
        "history": history,
        "addresses": [
            (address, ROMANIAN_COUNTIES.get(address.county, address.county)) for address in addresses
        ],
        "vies_applies": lookups.vies_applies(customer),
        "pending_change": customer.change_requests.filter(status=ChangeRequestStatus.PENDING).first(),
    }
    return render(request, TEMPLATES + "detail.html", context)


# --- edit -----------------------------------------------------------------------------------


@permission_required("customers.change_customer", raise_exception=True)
def customer_edit(request: AuthenticatedHttpRequest, customer_id: int) -> HttpResponse:
    """Identity fields and the billing address: one form, one save of both (or of neither)."""
    customer = selectors.customer_for(request.user, customer_id)
    form_class = IDENTITY_FORMS[customer.kind]
    address = customer.addresses.filter(is_billing=True).first()
    identity_initial = {name: getattr(customer, name) for name in form_class.base_fields}
    address_initial = (
        {name: getattr(address, name) for name in BillingAddressForm.base_fields} if address else {}
    )
    data = request.POST if request.method == "POST" else None
    form = form_class(data, initial=identity_initial)
    address_form = BillingAddressForm(data, initial=address_initial)
    # Both forms are validated (not "and"-ed), so the errors of both show at once.
    if data is not None and all([form.is_valid(), address_form.is_valid()]):
        try:
            services.update_customer_and_billing_address(
                actor=request.user,
                customer=customer,
                details=form.cleaned_data,
                address_values=address_form.cleaned_data,
                address=address,
            )
        except ValidationError as error:
            show_service_errors(request, error, form, address_form)
        else:
            messages.success(request, _("The customer's details and billing address were saved."))
            return redirect("customers:detail", customer.pk)
    context = {"customer": customer, "form": form, "address_form": address_form}
    return render(request, TEMPLATES + "edit.html", context)


@permission_required("customers.change_customer", raise_exception=True)
def profile_edit(request: AuthenticatedHttpRequest, customer_id: int) -> HttpResponse:
    """A change to the tax and billing profile is saved as a new version."""
    customer = selectors.customer_for(request.user, customer_id)
    current = services.current_profile(customer)
    initial = {field: getattr(current, field) for field in services.PROFILE_FIELDS}
    form = TaxProfileForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            profile = services.change_tax_profile(actor=request.user, customer=customer, **form.cleaned_data)
        except ValidationError as error:
            show_service_errors(request, error, form)
        else:
            if profile.version == current.version:
                messages.info(
                    request,
                    _("Nothing changed; the profile stays at version %(version)s.")
                    % {"version": current.version},
                )
            else:
                messages.success(
                    request, _("The profile was saved as version %(version)s.") % {"version": profile.version}
                )
            return redirect("customers:detail", customer.pk)
    context = {"customer": customer, "form": form, "current": current}
    return render(request, TEMPLATES + "profile_edit.html", context)


# --- VIES -----------------------------------------------------------------------------------


@require_POST
@permission_required("customers.change_customer", raise_exception=True)
def vies_check(request: AuthenticatedHttpRequest, customer_id: int) -> HttpResponse:
    customer = selectors.customer_for(request.user, customer_id)
    problem = ""
    try:
        customer = lookups.check_vies(actor=request.user, customer=customer)
    except ValidationError as error:
        problem = " ".join(error.messages)
    except GatewayError as error:
        problem = str(error)
    if request.htmx:
        context = {
            "customer": customer,
            "vies_applies": lookups.vies_applies(customer),
            "vies_problem": problem,
        }
        return render(request, TEMPLATES + "_vies.html", context)
    if problem:
        messages.error(request, problem)
    else:
        messages.success(
            request, _("VIES answered: %(status)s.") % {"status": customer.get_vies_status_display()}
        )
    return redirect("customers:detail", customer.pk)


# --- delete and restore ---------------------------------------------------------------------


@permission_required("customers.delete_customer", raise_exception=True)
def customer_delete(request: AuthenticatedHttpRequest, customer_id: int) -> HttpResponse:
    customer = selectors.customer_for(request.user, customer_id)
    if request.method == "POST":
        services.delete_customer(actor=request.user, customer=customer)
        messages.success(request, _("Customer %(name)s was deleted.") % {"name": customer.name})
        return redirect("customers:list")
    return render(request, TEMPLATES + "delete.html", {"customer": customer})


@require_POST
@permission_required("customers.restore_customer", raise_exception=True)
def customer_restore(request: AuthenticatedHttpRequest, customer_id: int) -> HttpResponse:
    customer = selectors.customer_for(request.user, customer_id, include_deleted=True)
    services.restore_customer(actor=request.user, customer=customer)
    messages.success(request, _("Customer %(name)s was restored.") % {"name": customer.name})
    return redirect("customers:detail", customer.pk)
