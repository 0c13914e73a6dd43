"""Staff pages for staff members, their roles, login lockouts and a user's API tokens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from praho.accounts import selectors
from praho.accounts.models import StaffInvitation, User
from praho.accounts.roles import Role
from praho.accounts.services import staff_invitations, tokens
from praho.accounts.services import users as services
from praho.accounts.web.forms import AddStaffForm, LiftLockForm, StaffRolesForm
from praho.core.http import AuthenticatedHttpRequest
from praho.core.validation import add_service_errors


def _apply_roles(request: AuthenticatedHttpRequest, form: StaffRolesForm, user: User) -> bool:
    try:
        services.set_staff_roles(actor=request.user, user=user, roles=form.cleaned_data["roles"])
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            # The service speaks of "user"; the add form names the user by "email".
            field = "email" if field == "user" and "email" in form.fields else field
            form.add_error(field if field in form.fields else None, errors)
        return False
    return True


def _add_or_invite(request: AuthenticatedHttpRequest, form: AddStaffForm) -> bool:
    """Roles for an existing account now; an invitation by e-mail for any other address."""
    who = form.cleaned_data["email"]
    if isinstance(who, User):
        if not _apply_roles(request, form, who):
            return False
        messages.success(request, _("%(user)s is now staff.") % {"user": who})
        return True
    try:
        invitation = staff_invitations.invite_staff(
            actor=request.user, email=who, roles=form.cleaned_data["roles"]
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return False
    messages.success(request, _("An invitation was sent to %(email)s.") % {"email": invitation.email})
    return True


@permission_required("accounts.manage_roles", raise_exception=True)
def staff_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = AddStaffForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid() and _add_or_invite(request, form):
        return redirect("accounts:staff-users")
    context = {
        "members": selectors.staff_members(),
        "invitations": selectors.staff_invitations(),
        "form": form,
    }
    return render(request, "accounts/staff_list.html", context)


@require_POST
@permission_required("accounts.manage_roles", raise_exception=True)
def staff_invitation_resend(request: AuthenticatedHttpRequest, invitation_id: int) -> HttpResponse:
    invitation = get_object_or_404(StaffInvitation, pk=invitation_id)
    try:
        staff_invitations.resend_staff_invitation(actor=request.user, invitation=invitation)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("A new invitation was sent to %(email)s.") % {"email": invitation.email})
    return redirect("accounts:staff-users")


@require_POST
@permission_required("accounts.manage_roles", raise_exception=True)
def staff_invitation_revoke(request: AuthenticatedHttpRequest, invitation_id: int) -> HttpResponse:
    invitation = get_object_or_404(StaffInvitation, pk=invitation_id)
    staff_invitations.revoke_staff_invitation(actor=request.user, invitation=invitation)
    messages.success(request, _("The invitation to %(email)s was withdrawn.") % {"email": invitation.email})
    return redirect("accounts:staff-users")


@permission_required("accounts.manage_roles", raise_exception=True)
def staff_roles(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    member = get_object_or_404(User, pk=user_id, is_staff=True)
    current = list(member.groups.filter(name__in=Role.values).values_list("name", flat=True))
    form = StaffRolesForm(request.POST if request.method == "POST" else None, initial={"roles": current})
    if request.method == "POST" and form.is_valid() and _apply_roles(request, form, member):
        messages.success(request, _("Roles of %(user)s were saved.") % {"user": member})
        return redirect("accounts:staff-users")
    return render(request, "accounts/staff_roles.html", {"member": member, "form": form})


@permission_required("accounts.manage_lockouts", raise_exception=True)
def lockout_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "accounts/lockouts.html", {"locks": selectors.active_locks()})


@require_POST
@permission_required("accounts.manage_lockouts", raise_exception=True)
def lockout_lift(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = LiftLockForm(request.POST)
    if form.is_valid():
        kind, value = form.cleaned_data["kind"], form.cleaned_data["value"]
        services.lift_lockout(actor=request.user, **{kind: value})
        messages.success(request, _("The lock on %(value)s was lifted.") % {"value": value})
    else:
        messages.error(request, _("Choose a lock to lift."))
    return redirect("accounts:lockouts")


@permission_required("accounts.revoke_api_tokens", raise_exception=True)
def api_tokens(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    """How many API tokens a user (staff or a customer's) holds; POST revokes them all."""
    member = get_object_or_404(User, pk=user_id)
    if request.method == "POST":
        revoked = tokens.revoke_api_tokens(actor=request.user, user=member, reason=tokens.RevokeReason.STAFF)
        message = ngettext(
            "The API tokens of %(user)s were revoked (%(count)s refresh token).",
            "The API tokens of %(user)s were revoked (%(count)s refresh tokens).",
            revoked,
        )
        messages.success(request, message % {"user": member, "count": revoked})
        return redirect("accounts:api-tokens", member.pk)
    context = {"member": member, "active_tokens": tokens.active_refresh_tokens(member).count()}
    return render(request, "accounts/api_tokens.html", context)
