"""Inviting someone who has no account yet to become staff, by e-mail.

The invitation (core.invitations: a single-use link whose token only the e-mail holds) names
the roles. Following the link, the invitee sets a password: the account is created with the
address confirmed (the link proved it) and given the roles; at the first login the staff gate
asks for an authenticator app like for any staff member. Sending, resending, withdrawing and
accepting are audited; an expired, used or withdrawn link is refused.
Someone who already has an account is given roles directly (services.set_staff_roles).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from praho.accounts import locks
from praho.accounts.models import StaffInvitation, User
from praho.accounts.roles import Role
from praho.accounts.services.users import set_staff_roles
from praho.audit.services import record_event
from praho.core.invitations import new_token, token_hash
from praho.core.validation import normalize_email


def _check_roles(roles: Iterable[str]) -> list[str]:
    wanted = sorted(set(roles))
    if not wanted:
        raise ValidationError({"roles": ValidationError(_("Choose at least one role."), code="required")})
    unknown = [role for role in wanted if role not in Role.values]
    if unknown:
        raise ValidationError(
            {"roles": _("Unknown role: %(role)s.") % {"role": ", ".join(unknown)}}, code="invalid"
        )
    return wanted


def _expiry() -> datetime:
    return timezone.now() + timedelta(days=settings.STAFF_INVITATION_DAYS)


def invite_staff(*, actor: User, email: str, roles: Iterable[str]) -> StaffInvitation:
    """E-mail `email` a link to become staff with `roles`; refused when an account has it."""
    email = normalize_email(email)
    if not email:
        raise ValidationError({"email": ValidationError(_("This field is required."), code="required")})
    wanted = _check_roles(roles)
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError(
            {"email": ValidationError(_("An account already uses this email address."), code="exists")}
        )
    token, hashed = new_token()
    with transaction.atomic():
        # One pending invitation per address: a new one replaces (withdraws) the older.
        StaffInvitation.objects.filter(email=email, accepted_at__isnull=True, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        invitation = StaffInvitation.objects.create(
            email=email, roles=wanted, token_hash=hashed, invited_by=actor, expires_at=_expiry()
        )
        record_event(
            "accounts.staff_invited",
            actor=actor,
            object_type="accounts.staffinvitation",
            object_id=str(invitation.pk),
            object_repr=email,
            data={"email": email, "roles": wanted},
        )
        _send_after_commit(invitation, token)
    return invitation


def resend_staff_invitation(*, actor: User, invitation: StaffInvitation) -> StaffInvitation:
    """A new link (the old one stops working) with a new expiry, for a pending or expired invitation."""
    token, hashed = new_token()
    with transaction.atomic():
        updated = StaffInvitation.objects.filter(
            pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(token_hash=hashed, expires_at=_expiry())
        if not updated:
            raise ValidationError(
                _("This invitation was accepted or withdrawn; it cannot be sent again."), code="not_pending"
            )
        invitation.refresh_from_db()
        record_event(
            "accounts.staff_invitation_resent",
            actor=actor,
            object_type="accounts.staffinvitation",
            object_id=str(invitation.pk),
            object_repr=invitation.email,
            data={"email": invitation.email},
        )
        _send_after_commit(invitation, token)
    return invitation


def revoke_staff_invitation(*, actor: User, invitation: StaffInvitation) -> None:
    with transaction.atomic():
        updated = StaffInvitation.objects.filter(
            pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
        if updated:
            record_event(
                "accounts.staff_invitation_revoked",
                actor=actor,
                object_type="accounts.staffinvitation",
                object_id=str(invitation.pk),
                object_repr=invitation.email,
                data={"email": invitation.email},
            )


def pending_staff_invitation(token: str) -> StaffInvitation | None:
    invitation = StaffInvitation.objects.filter(token_hash=token_hash(token)).first()
    return invitation if invitation is not None and invitation.is_pending else None


def accept_staff_invitation(*, token: str, password: str) -> User:
    """Create the invitee's account with `password` and the invitation's roles."""
    with transaction.atomic():
        invitation = locks.locked_staff_invitation(token_hash(token))
        if invitation is None or not invitation.is_pending:
            raise ValidationError(
                _("This invitation is not valid any more: it expired, was used or was withdrawn."),
                code="invitation_invalid",
            )
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise ValidationError(
                _("An account already uses %(email)s. Ask an administrator to give it staff roles.")
                % {"email": invitation.email},
                code="exists",
            )
        user = User(email=invitation.email, language=translation.get_language() or settings.LANGUAGE_CODE)
        try:
            password_validation.validate_password(password, user)
        except ValidationError as error:
            raise ValidationError({"password1": error.error_list}) from None
        user.set_password(password)
        user.save()
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
        record_event(
            "accounts.staff_invitation_accepted",
            actor=user,
            object_type="accounts.staffinvitation",
            object_id=str(invitation.pk),
            object_repr=invitation.email,
            data={"email": invitation.email, "roles": invitation.roles},
        )
        set_staff_roles(actor=invitation.invited_by or user, user=user, roles=invitation.roles)
    return user


def _send_after_commit(invitation: StaffInvitation, token: str) -> None:
    language = translation.get_language() or settings.LANGUAGE_CODE
    transaction.on_commit(lambda: _send(invitation, token, language))


def _send(invitation: StaffInvitation, token: str, language: str) -> None:
    link = settings.PRAHO_BASE_URL + reverse("accounts:staff-invitation", args=[token])
    roles = ", ".join(str(Role(role).label) for role in invitation.roles)
    with translation.override(language):
        context = {
            "invitation": invitation,
            "link": link,
            "roles": roles,
            "site_name": settings.PRAHO_SITE_NAME,
        }
        subject = _("You are invited to join the staff of %(site)s") % {"site": settings.PRAHO_SITE_NAME}
        body = render_to_string("accounts/email/staff_invitation.txt", context)
    send_mail(" ".join(subject.split()), body, None, [invitation.email])
