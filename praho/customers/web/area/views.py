"""The customer area: a customer's own profile, users and addresses.

Every page acts for the request's current customer (see current.py). Anyone
who belongs to it may look; only roles with the capability may change things
(403 with an explanation otherwise). Ids in URLs are looked up within the
current customer only, so another customer's ids answer 404.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate, ParamSpec

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import Resolver404, resolve
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from praho.core.http import AuthenticatedHttpRequest
from praho.customers.current import current_area, remember_customer, switch_customer
from praho.customers.models import Address, Customer, Invitation, Membership, MembershipRole
from praho.customers.roles import Capability, can
from praho.customers.selectors import memberships_of, pending_invitations
from praho.customers.services import customers as services
from praho.customers.services import memberships
from praho.customers.web.member_forms import (
    CustomerDetailsForm,
    InviteForm,
    RoleForm,
    SwitchCustomerForm,
    add_service_errors,
)
from praho.customers.web.staff.forms import CustomerAddressForm, CustomerProfileForm

P = ParamSpec("P")
AreaView = Callable[Concatenate[AuthenticatedHttpRequest, Membership, P], HttpResponse]


def area_page(
    capability: str | None = None,
) -> Callable[[AreaView[P]], Callable[Concatenate[AuthenticatedHttpRequest, P], HttpResponse]]:
    """Resolve the current membership; without one show the "no customer yet" page.

    With `capability`, members whose role lacks it get 403 and a page saying
    who may do it.
    """

    def decorate(view: AreaView[P]) -> Callable[Concatenate[AuthenticatedHttpRequest, P], HttpResponse]:
        @login_required
        @wraps(view)
        def wrapper(request: AuthenticatedHttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
            area = current_area(request)
            if area.membership is None:
                return render(request, "customers/area/no_customer.html")
            if capability is not None and not area.can(capability):
                return _forbidden(request, area.membership, capability)
            return view(request, area.membership, *args, **kwargs)

        return wrapper

    return decorate


def _forbidden(request: AuthenticatedHttpRequest, membership: Membership, capability: str) -> HttpResponse:
    """403 with the member's role and the roles that may do it."""
    allowed = [str(role.label) for role in MembershipRole if can(role, capability)]
    context = {
        "customer": membership.customer,
        "role": membership.get_role_display(),
        "allowed_roles": ", ".join(allowed),
    }
    return render(request, "customers/area/forbidden.html", context, status=403)


def member_list_context(customer: Customer) -> dict[str, Any]:
    """What the users table shows, for the staff page and the customer area (2 queries when rendered)."""
    invitations = pending_invitations(customer)
    return {
        "customer": customer,
        "memberships": memberships_of(customer),
        "invitations": invitations,
        "role_choices": MembershipRole.choices,
        "invitation_days": settings.CUSTOMER_INVITATION_DAYS,
    }


def _service_error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


@area_page()
def profile(request: AuthenticatedHttpRequest, membership: Membership) -> HttpResponse:
    customer = membership.customer
    context = {
        "customer": customer,
        "membership": membership,
        "tax_profile": services.current_profile(customer),
        "billing_address": customer.addresses.filter(is_billing=True).first(),
        "may_edit": can(membership.role, Capability.EDIT_PROFILE),
        "may_request": can(membership.role, Capability.REQUEST_CHANGES),
    }
    return render(request, "customers/area/profile.html", context)


@area_page(Capability.EDIT_PROFILE)
def edit(request: AuthenticatedHttpRequest, membership: Membership) -> HttpResponse:
    customer = membership.customer
    initial = {field: getattr(customer, field) for field in CustomerDetailsForm.FIELDS}
    form = CustomerDetailsForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_customer(actor=request.user, customer=customer, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The company details were saved."))
            return redirect("customers:area-profile")
    return render(request, "customers/area/edit.html", {"customer": customer, "form": form})


@area_page(Capability.EDIT_PROFILE)
def billing(request: AuthenticatedHttpRequest, membership: Membership) -> HttpResponse:
    customer = membership.customer
    current = services.current_profile(customer)
    initial = {field: getattr(current, field) for field in CustomerProfileForm.FIELDS}
    form = CustomerProfileForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.change_tax_profile(actor=request.user, customer=customer, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if saved.version == current.version:
                messages.info(request, _("Nothing was changed."))
            else:
                messages.success(
                    request,
                    _("The tax and billing profile was saved as version %(version)s.")
                    % {"version": saved.version},
                )
            return redirect("customers:area-profile")
    context = {"customer": customer, "form": form, "tax_profile": current}
    return render(request, "customers/area/billing.html", context)


@area_page()
def addresses(request: AuthenticatedHttpRequest, membership: Membership) -> HttpResponse:
    customer = membership.customer
    context = {
        "customer": customer,
        "addresses": customer.addresses.all(),
        "may_edit": can(membership.role, Capability.EDIT_PROFILE),
    }
    return render(request, "customers/area/addresses.html", context)


def _address_form(
    request: AuthenticatedHttpRequest, membership: Membership, address: Address | None
) -> HttpResponse:
    initial = {field: getattr(address, field) for field in CustomerAddressForm.FIELDS} if address else None
    form = CustomerAddressForm(request.POST if request.method == "POST" else None, initial=initial)
    country = address.country if address else membership.customer.country
    if request.method == "POST" and form.is_valid():
        try:
            services.save_address(
                actor=request.user,
                customer=membership.customer,
                values=form.cleaned_data | {"country": country},
                address=address,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The address was saved."))
            return redirect("customers:area-addresses")
    context = {"customer": membership.customer, "form": form, "address": address, "country": country}
    return render(request, "customers/area/address_form.html", context)


@area_page(Capability.EDIT_PROFILE)
def address_add(request: AuthenticatedHttpRequest, membership: Membership) -> HttpResponse:
    return _address_form(request, membership, None)


@area_page(Capability.EDIT_PROFILE)
def address_edit(request: AuthenticatedHttpRequest, membership: Membership, address_id: int) -> HttpResponse:
    address = get_object_or_404(Address, pk=address_id, customer=membership.customer)
    return _address_form(request, membership, address)


@require_POST
@area_page(Capability.EDIT_PROFILE)
def address_delete(
    request: AuthenticatedHttpRequest, membership: Membership, address_id: int
) -> HttpResponse:
    address = get_object_or_404(Address, pk=address_id, customer=membership.customer)
    try:
        services.delete_address(actor=request.user, address=address)
    except ValidationError as error:
        messages.error(request, _service_error_text(error))
    else:
        messages.success(request, _("The address %(address)s was removed.") % {"address": address})
    return redirect("customers:area-addresses")


@area_page()
def users(request: AuthenticatedHttpRequest, membership: Membership) -> HttpResponse:
    """The customer's users and pending invitations; owners also invite from here."""
    customer = membership.customer
    may_manage = can(membership.role, Capability.MANAGE_USERS)
    if request.method == "POST" and not may_manage:
        return _forbidden(request, membership, Capability.MANAGE_USERS)
    form = InviteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = memberships.invite_user(actor=request.user, customer=customer, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("An invitation was sent to %(email)s.") % {"email": invitation.email})
            return redirect("customers:area-users")
    context = member_list_context(customer) | {
        "form": form,
        "may_manage": may_manage,
        "area": "customer",
        "me": request.user,
    }
    return render(request, "customers/area/users.html", context, status=400 if form.errors else 200)


@require_POST
@area_page(Capability.MANAGE_USERS)
def user_role(request: AuthenticatedHttpRequest, membership: Membership, membership_id: int) -> HttpResponse:
    member = get_object_or_404(
        Membership.objects.select_related("user", "customer"), pk=membership_id, customer=membership.customer
    )
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose owner, billing, technical or viewer."))
        return redirect("customers:area-users")
    try:
        changed = memberships.change_role(
            actor=request.user, membership=member, role=form.cleaned_data["role"]
        )
    except ValidationError as error:
        messages.error(request, _service_error_text(error))
    else:
        messages.success(
            request,
            _("%(user)s is now %(role)s.") % {"user": member.user.email, "role": changed.get_role_display()},
        )
    return redirect("customers:area-users")


@require_POST
@area_page(Capability.MANAGE_USERS)
def user_remove(
    request: AuthenticatedHttpRequest, membership: Membership, membership_id: int
) -> HttpResponse:
    member = get_object_or_404(
        Membership.objects.select_related("user", "customer"), pk=membership_id, customer=membership.customer
    )
    try:
        memberships.remove_member(actor=request.user, membership=member)
    except ValidationError as error:
        messages.error(request, _service_error_text(error))
        return redirect("customers:area-users")
    if member.user_id == request.user.pk:
        messages.success(request, _("You left %(customer)s.") % {"customer": member.customer.name})
        return redirect("customer-dashboard")
    messages.success(
        request,
        _("%(user)s no longer acts for %(customer)s.")
        % {"user": member.user.email, "customer": member.customer.name},
    )
    return redirect("customers:area-users")


@require_POST
@area_page(Capability.MANAGE_USERS)
def invitation_revoke(
    request: AuthenticatedHttpRequest, membership: Membership, invitation_id: int
) -> HttpResponse:
    invitation = get_object_or_404(
        Invitation.objects.select_related("customer"), pk=invitation_id, customer=membership.customer
    )
    memberships.revoke_invitation(actor=request.user, invitation=invitation)
    messages.success(request, _("The invitation to %(email)s was withdrawn.") % {"email": invitation.email})
    return redirect("customers:area-users")


def _same_page_after_switch(request: AuthenticatedHttpRequest) -> str | None:
    """Stay on the page the switch came from unless it shows one object (it belongs to the other customer)."""
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return None
    try:
        match = resolve(target.split("?")[0])
    except Resolver404:
        return None
    return target if not match.kwargs else None


@require_POST
@login_required
def switch(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = SwitchCustomerForm(request.POST)
    if not form.is_valid():
        return redirect("customers:area-profile")
    membership = switch_customer(request, form.cleaned_data["customer"])
    messages.success(request, _("You now act for %(customer)s.") % {"customer": membership.customer.name})
    return redirect(_same_page_after_switch(request) or "customers:area-profile")


@login_required
def invitation_accept(request: AuthenticatedHttpRequest, token: str) -> HttpResponse:
    """The link from the invitation email: shows what joining means, joins on POST."""
    invitation = memberships.pending_invitation(token)
    if invitation is None:
        return render(request, "customers/area/invitation.html", {"invitation": None}, status=410)
    if request.method == "POST":
        try:
            joined = memberships.accept_invitation(user=request.user, token=token)
        except ValidationError as error:
            context = {"invitation": invitation, "error": _service_error_text(error)}
            return render(request, "customers/area/invitation.html", context, status=400)
        remember_customer(request, joined)
        messages.success(
            request,
            _("You now act for %(customer)s as %(role)s.")
            % {"customer": invitation.customer.name, "role": joined.get_role_display()},
        )
        return redirect("customers:area-profile")
    wrong_email = invitation.email.lower() != request.user.email.lower()
    context = {"invitation": invitation, "wrong_email": wrong_email}
    return render(request, "customers/area/invitation.html", context)
