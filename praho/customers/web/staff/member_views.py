"""Staff pages for a customer's users, under /staff/customers/<id>/users/.

Staff who may view customers see the users and pending invitations; staff who
may change customers also invite, change roles, remove users and withdraw
invitations. Staff without the view permission get 404, like ids of
customers that do not exist.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from praho.core.http import AuthenticatedHttpRequest
from praho.customers.models import Customer, Invitation, Membership
from praho.customers.selectors import customer_for
from praho.customers.services import memberships
from praho.customers.web.area.views import member_list_context
from praho.customers.web.member_forms import InviteForm, RoleForm, add_service_errors

CHANGE_PERMISSION = "customers.change_customer"


def _may_change(request: AuthenticatedHttpRequest) -> bool:
    return request.user.has_perm(CHANGE_PERMISSION)


def _changeable_customer(request: AuthenticatedHttpRequest, customer_id: int) -> Customer:
    """The customer (404 for staff who may not see it), then 403 for staff who may only look."""
    customer = customer_for(request.user, customer_id)
    if not _may_change(request):
        raise PermissionDenied(_("Only staff who may change customers can manage their users."))
    return customer


def _member(customer: Customer, membership_id: int) -> Membership:
    return get_object_or_404(
        Membership.objects.select_related("user", "customer"), pk=membership_id, customer=customer
    )


def staff_members(request: AuthenticatedHttpRequest, customer_id: int) -> HttpResponse:
    if request.method == "POST":
        customer = _changeable_customer(request, customer_id)
    else:
        customer = customer_for(request.user, customer_id)
    form = InviteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = memberships.invite_user(actor=request.user, customer=customer, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("An invitation was sent to %(email)s.") % {"email": invitation.email})
            return redirect("customers:staff-members", customer_id=customer.pk)
    context = member_list_context(customer) | {
        "form": form,
        "may_manage": _may_change(request),
        "area": "staff",
        "me": request.user,
    }
    return render(
        request, "customers/members/staff_members.html", context, status=400 if form.errors else 200
    )


@require_POST
def staff_member_role(
    request: AuthenticatedHttpRequest, customer_id: int, membership_id: int
) -> HttpResponse:
    customer = _changeable_customer(request, customer_id)
    member = _member(customer, membership_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose owner, billing, technical or viewer."))
    else:
        try:
            changed = memberships.change_role(
                actor=request.user, membership=member, role=form.cleaned_data["role"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("%(user)s is now %(role)s.")
                % {"user": member.user.email, "role": changed.get_role_display()},
            )
    return redirect("customers:staff-members", customer_id=customer.pk)


@require_POST
def staff_member_remove(
    request: AuthenticatedHttpRequest, customer_id: int, membership_id: int
) -> HttpResponse:
    customer = _changeable_customer(request, customer_id)
    member = _member(customer, membership_id)
    try:
        memberships.remove_member(actor=request.user, membership=member)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(user)s no longer acts for %(customer)s.")
            % {"user": member.user.email, "customer": customer.name},
        )
    return redirect("customers:staff-members", customer_id=customer.pk)


@require_POST
def staff_invitation_revoke(
    request: AuthenticatedHttpRequest, customer_id: int, invitation_id: int
) -> HttpResponse:
    customer = _changeable_customer(request, customer_id)
    invitation = get_object_or_404(
        Invitation.objects.select_related("customer"), pk=invitation_id, customer=customer
    )
    memberships.revoke_invitation(actor=request.user, invitation=invitation)
    messages.success(request, _("The invitation to %(email)s was withdrawn.") % {"email": invitation.email})
    return redirect("customers:staff-members", customer_id=customer.pk)
