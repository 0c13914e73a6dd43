"""The page an invitation to become staff links to: set a password, then log in."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from praho.accounts.roles import Role
from praho.accounts.services import staff_invitations
from praho.accounts.web.forms import StaffInvitationAcceptForm
from praho.core.validation import add_service_errors

TEMPLATE = "accounts/staff_invitation.html"


def accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = staff_invitations.pending_staff_invitation(token)
    if invitation is None:
        return render(request, TEMPLATE, {"invitation": None}, status=410)
    form = StaffInvitationAcceptForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            user = staff_invitations.accept_staff_invitation(
                token=token, password=form.cleaned_data["password1"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Your staff account %(email)s is ready. Log in to set up your authenticator app.")
                % {"email": user.email},
            )
            return redirect("account_login")
    context = {
        "invitation": invitation,
        "roles": [Role(role).label for role in invitation.roles],
        "form": form,
    }
    return render(request, TEMPLATE, context, status=400 if form.errors else 200)
