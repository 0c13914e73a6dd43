"""Who acts for a customer: invitations, roles and removal.

Owners (and staff who may change customers) manage the users. A customer
always keeps at least one owner, and every change leaves an audit event.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from praho.accounts.models import User
from praho.audit.services import record_event
from praho.core.invitations import new_token, token_hash
from praho.core.validation import FieldErrors, check_text, normalize_email
from praho.customers import locks
from praho.customers.models import Customer, Invitation, Membership, MembershipRole
from praho.customers.roles import Capability, can
from praho.customers.selectors import current_profile_or_none

MAX_EMAIL = 254


def role_of(user: User, customer: Customer) -> str | None:
    membership = Membership.objects.filter(user=user, customer=customer).only("role").first()
    return membership.role if membership else None


def may_manage_users(actor: User, customer: Customer) -> bool:
    if actor.is_staff:
        return actor.has_perm("customers.change_customer")
    return can(role_of(actor, customer), Capability.MANAGE_USERS)


def _require_manager(actor: User, customer: Customer) -> None:
    if not may_manage_users(actor, customer):
        raise PermissionDenied(_("Only the customer's owners can manage its users."))


def _check_role(role: str) -> None:
    if role not in MembershipRole.values:
        raise ValidationError(
            {"role": ValidationError(_("Choose owner, billing, technical or viewer."), code="invalid_choice")}
        )


def add_member(*, actor: User | None, customer: Customer, user: User, role: str) -> Membership:
    """Attach a user directly (staff creating a customer for someone, the demo)."""
    _check_role(role)
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(
            customer=customer, user=user, defaults={"role": role}
        )
        if created:
            record_event(
                "customers.member_added",
                actor=actor,
                target=customer,
                data={"user": user.email, "role": role},
            )
    return membership


def invite_user(*, actor: User, customer: Customer, email: str, role: str) -> Invitation:
    """Email a link (valid CUSTOMER_INVITATION_DAYS days) to join the customer with a role."""
    _require_manager(actor, customer)
    errors = FieldErrors()
    email = check_text(errors, "email", email or "", max_length=MAX_EMAIL).lower()
    errors.raise_if_any()
    email = normalize_email(email)
    _check_role(role)
    if Membership.objects.filter(customer=customer, user__email__iexact=email).exists():
        raise ValidationError(
            {
                "email": ValidationError(
                    _("%(email)s is already a user of this customer.") % {"email": email}, code="member"
                )
            }
        )
    token, hashed = new_token()
    with transaction.atomic():
        invitation = Invitation.objects.create(
            customer=customer,
            email=email,
            role=role,
            token_hash=hashed,
            invited_by=actor,
            expires_at=Invitation.default_expiry(),
        )
        record_event(
            "customers.user_invited", actor=actor, target=customer, data={"email": email, "role": role}
        )
        transaction.on_commit(lambda: _send_invitation(invitation, token))
    return invitation


def _send_invitation(invitation: Invitation, token: str) -> None:
    link = settings.PRAHO_BASE_URL + reverse("customers:invitation-accept", args=[token])
    context = {"invitation": invitation, "link": link, "site_name": settings.PRAHO_SITE_NAME}
    profile = current_profile_or_none(invitation.customer)
    with translation.override(profile.document_language if profile else settings.LANGUAGE_CODE):
        subject = _("You are invited to %(customer)s on %(site)s") % {
            "customer": invitation.customer.name,
            "site": settings.PRAHO_SITE_NAME,
        }
        # A header is one line: a name stored before line breaks were refused must not stop the email.
        subject = " ".join(subject.split())
        body = render_to_string("customers/email/invitation.txt", context)
    send_mail(subject, body, None, [invitation.email])


def pending_invitation(token: str) -> Invitation | None:
    invitation = Invitation.objects.select_related("customer").filter(token_hash=token_hash(token)).first()
    return invitation if invitation is not None and invitation.is_pending else None


def accept_invitation(*, user: User, token: str) -> Membership:
    """Join the customer. The link must be unused, unexpired, and sent to this user's email."""
    with transaction.atomic():
        invitation = locks.locked_invitation(token_hash(token))
        if invitation is None or not invitation.is_pending or invitation.customer.is_deleted:
            raise ValidationError(
                _("This invitation is not valid any more: it expired, was used or was withdrawn."),
                code="invitation_invalid",
            )
        if invitation.email.lower() != user.email.lower():
            raise ValidationError(
                _("This invitation was sent to %(email)s. Log in with that address to accept it.")
                % {"email": invitation.email},
                code="invitation_other_email",
            )
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
        membership, created = Membership.objects.get_or_create(
            customer=invitation.customer, user=user, defaults={"role": invitation.role}
        )
        record_event(
            "customers.invitation_accepted",
            actor=user,
            target=invitation.customer,
            data={"email": user.email, "role": membership.role, "new_member": created},
        )
    return membership


def revoke_invitation(*, actor: User, invitation: Invitation) -> None:
    _require_manager(actor, invitation.customer)
    with transaction.atomic():
        updated = Invitation.objects.filter(
            pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
        if updated:
            record_event(
                "customers.invitation_revoked",
                actor=actor,
                target=invitation.customer,
                data={"email": invitation.email},
            )


def _lock_memberships(customer: Customer) -> list[Membership]:
    return locks.locked_memberships(customer)


def _refuse_last_owner(memberships: list[Membership], leaving: Membership) -> None:
    owners = [m for m in memberships if m.role == MembershipRole.OWNER]
    if leaving.role == MembershipRole.OWNER and len(owners) == 1:
        raise ValidationError(
            {
                "role": ValidationError(
                    _("A customer must keep at least one owner. Make someone else owner first."),
                    code="last_owner",
                )
            }
        )


def change_role(*, actor: User, membership: Membership, role: str) -> Membership:
    _require_manager(actor, membership.customer)
    _check_role(role)
    with transaction.atomic():
        memberships = _lock_memberships(membership.customer)
        current = next(m for m in memberships if m.pk == membership.pk)
        if current.role == role:
            return current
        if role != MembershipRole.OWNER:
            _refuse_last_owner(memberships, current)
        before = current.role
        current.role = role
        current.save(update_fields=["role"])
        record_event(
            "customers.member_role_changed",
            actor=actor,
            target=current.customer,
            data={"user": current.user.email, "role": [before, role]},
        )
    return current


def remove_member(*, actor: User, membership: Membership) -> None:
    _require_manager(actor, membership.customer)
    with transaction.atomic():
        memberships = _lock_memberships(membership.customer)
        current = next((m for m in memberships if m.pk == membership.pk), None)
        if current is None:
            return
        _refuse_last_owner(memberships, current)
        current.delete()
        record_event(
            "customers.member_removed",
            actor=actor,
            target=current.customer,
            data={"user": current.user.email, "role": current.role},
        )
