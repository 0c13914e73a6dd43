"""Change request pages: the customer area's (/app/customer/changes/) where owners and billing
users ask for a change and follow it, and staff's (/staff/customers/changes/) where those who
may change customers review and decide.

The rules, their errors and the audit are change_requests.py's; these views parse and render.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from praho.core.http import AuthenticatedHttpRequest
from praho.customers.gateways import GatewayError
from praho.customers.models import ChangeRequest, ChangeRequestStatus, Customer, CustomerKind, Membership
from praho.customers.roles import Capability
from praho.customers.selectors import change_requests_of, change_requests_to_decide
from praho.customers.services import change_requests, lookups
from praho.customers.services import customers as services
from praho.customers.web.area.views import area_page
from praho.customers.web.member_forms import add_service_errors
from praho.customers.web.staff.forms import BillingAddressForm, ChangeRequestForm, DecisionForm

PAGE_SIZE = 25
DECIDE = "customers.change_customer"


def _show_errors(error: ValidationError, form: forms.Form, address_form: forms.Form) -> None:
    """Each service error next to its field; "address.city" on the address form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for key, errors in error.error_dict.items():
        target, field = (
            (address_form, key.removeprefix("address.")) if key.startswith("address.") else (form, key)
        )
        target.add_error(field if field in target.fields else None, errors)


# --- the customer area ----------------------------------------------------------------------


@area_page(Capability.REQUEST_CHANGES)
def area_list(request: AuthenticatedHttpRequest, membership: Membership) -> HttpResponse:
    """The customer's requests, newest first, with what each asked and what became of it."""
    found = list(change_requests_of(membership.customer))
    context = {
        "customer": membership.customer,
        "requests": found,
        "pending": next((one for one in found if one.is_pending), None),
    }
    return render(request, "customers/changes/area_list.html", context)


def _current(customer: Customer) -> tuple[dict[str, Any], dict[str, Any]]:
    """The request form's and the address form's initial values: what is in force now."""
    profile = services.current_profile(customer)
    values = {field: getattr(customer, field) for field in services.STAFF_ONLY_IDENTITY}
    values |= {field: getattr(profile, field) for field in services.STAFF_ONLY_PROFILE}
    billing = customer.addresses.filter(is_billing=True).order_by("pk").first()
    address = {field: getattr(billing, field) for field in services.ADDRESS_FIELDS} if billing else {}
    return values, address


@area_page(Capability.REQUEST_CHANGES)
def area_new(request: AuthenticatedHttpRequest, membership: Membership) -> HttpResponse:
    customer = membership.customer
    values, address = _current(customer)
    data = request.POST if request.method == "POST" else None
    form, address_form = ChangeRequestForm(data, initial=values), BillingAddressForm(data, initial=address)
    if data is not None and form.is_valid() and address_form.is_valid():
        asked = {field: form.cleaned_data[field] for field in ChangeRequestForm.FIELDS}
        try:
            change_requests.request_change(
                actor=request.user,
                customer=customer,
                reason=form.cleaned_data["reason"],
                address=address_form.cleaned_data,
                **asked,
            )
        except ValidationError as error:
            _show_errors(error, form, address_form)
        else:
            messages.success(request, _("Your request was sent; we will email you our decision."))
            return redirect("customers:area-change-requests")
    context = {"customer": customer, "form": form, "address_form": address_form}
    return render(request, "customers/changes/area_new.html", context)


@require_POST
@area_page(Capability.REQUEST_CHANGES)
def area_cancel(request: AuthenticatedHttpRequest, membership: Membership, request_id: int) -> HttpResponse:
    found = get_object_or_404(change_requests_of(membership.customer), pk=request_id)
    try:
        change_requests.cancel_change_request(actor=request.user, request=found)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Your change request was cancelled."))
    return redirect("customers:area-change-requests")


# --- staff ----------------------------------------------------------------------------------


@permission_required(DECIDE, raise_exception=True)
def staff_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Requests waiting for a decision, oldest first (?status= for the others)."""
    wanted = request.GET.get("status", ChangeRequestStatus.PENDING)
    status = wanted if wanted in ChangeRequestStatus.values else ""
    context = {
        "page_obj": Paginator(change_requests_to_decide(status), PAGE_SIZE).get_page(request.GET.get("page")),
        "status": status,
        "statuses": [(ChangeRequestStatus.PENDING.value, ChangeRequestStatus.PENDING.label), ("", _("All"))],
    }
    template = "_staff_results.html" if request.htmx else "staff_list.html"
    return render(request, "customers/changes/" + template, context)


def _staff_request(request_id: int) -> ChangeRequest:
    return get_object_or_404(change_requests_to_decide(""), pk=request_id)


def _review(
    request: AuthenticatedHttpRequest, found: ChangeRequest, form: DecisionForm, status: int = 200
) -> HttpResponse:
    context = {
        "change": found,
        "customer": found.customer,
        "form": form,
        "lookup": _lookup_kind(found),
    }
    return render(request, "customers/changes/staff_review.html", context, status=status)


@permission_required(DECIDE, raise_exception=True)
def staff_review(request: AuthenticatedHttpRequest, request_id: int) -> HttpResponse:
    return _review(request, _staff_request(request_id), DecisionForm())


@require_POST
@permission_required(DECIDE, raise_exception=True)
def staff_decide(request: AuthenticatedHttpRequest, request_id: int, decision: str) -> HttpResponse:
    found = _staff_request(request_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _review(request, found, form)
    note = form.cleaned_data["note"]
    warning = ""
    try:
        if decision == "approve":
            approval = change_requests.approve_change_request(actor=request.user, request=found, note=note)
            done, warning = _("The change was applied to %(customer)s."), approval.vies_problem
        else:
            change_requests.reject_change_request(actor=request.user, request=found, note=note)
            done = _("The request of %(customer)s was rejected; they are told why.")
    except ValidationError as error:
        add_service_errors(form, error)
        return _review(request, found, form)
    messages.success(request, done % {"customer": found.customer.name})
    if warning:
        messages.warning(request, warning)
    return redirect("customers:change-requests")


def _lookup_kind(found: ChangeRequest) -> str:
    """Which register can confirm the requested tax identity: "anaf" (a Romanian company's CUI),
    "vies" (another EU company's VAT number) or ""."""
    values = {field: getattr(found.customer, field) for field in services.STAFF_ONLY_IDENTITY}
    values |= {key: value for key, value in found.changes.items() if key in values}
    if values["kind"] != CustomerKind.COMPANY or not values["tax_id"]:
        return ""
    if values["country"] == "RO":
        return "anaf"
    probe = Customer(kind=values["kind"], country=values["country"], tax_id=values["tax_id"])
    return "vies" if lookups.vies_applies(probe) else ""


@require_POST
@permission_required(DECIDE, raise_exception=True)
def staff_lookup(request: AuthenticatedHttpRequest, request_id: int) -> HttpResponse:
    """What ANAF or VIES say of the requested tax identifier; nothing is stored."""
    found = _staff_request(request_id)
    kind = _lookup_kind(found)
    tax_id = found.changes.get("tax_id", found.customer.tax_id)
    context: dict[str, Any] = {"kind": kind, "tax_id": tax_id}
    try:
        if kind == "anaf":
            context["company"] = lookups.company_from_anaf(tax_id)
        elif kind == "vies":
            context["vies"] = lookups.vat_number_in_vies(tax_id)
    except (ValidationError, GatewayError) as error:
        context["problem"] = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
    return render(request, "customers/changes/_lookup.html", context)
