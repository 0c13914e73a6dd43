"""Write operations on users: staff roles, lockouts, preferences."""

from __future__ import annotations

from collections.abc import Iterable

from allauth.account.models import EmailAddress
from axes.utils import reset as axes_reset
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from praho.accounts import locks
from praho.accounts.models import User
from praho.accounts.roles import Role
from praho.audit.services import record_event


def _role_names(user: User) -> list[str]:
    return sorted(user.groups.filter(name__in=Role.values).values_list("name", flat=True))


def _admins_besides(user: User) -> int:
    return (
        User.objects.filter(is_active=True, is_staff=True, groups__name=Role.ADMIN)
        .exclude(pk=user.pk)
        .count()
    )


def set_staff_roles(*, actor: User, user: User, roles: Iterable[str]) -> list[str]:
    """Make `user` staff with exactly `roles`; no roles removes them from staff.

    Only verified, active accounts can become staff. The last administrator
    cannot lose the admin role, so the platform always has someone who can
    assign roles.
    """
    wanted = sorted(set(roles))
    unknown = [role for role in wanted if role not in Role.values]
    if unknown:
        raise ValidationError(
            {"roles": _("Unknown role: %(role)s.") % {"role": ", ".join(unknown)}}, code="invalid"
        )
    if wanted and not user.is_active:
        raise ValidationError(
            {"user": _("An inactive account cannot be given staff roles.")}, code="inactive"
        )
    if (
        wanted
        and not EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists()
    ):
        raise ValidationError(
            {"user": _("The account's email address is not confirmed yet; it cannot be given staff roles.")},
            code="unverified",
        )
    with transaction.atomic():
        user = locks.locked_user(user.pk)
        before = _role_names(user)
        if Role.ADMIN in before and Role.ADMIN not in wanted and _admins_besides(user) == 0:
            raise ValidationError(
                {
                    "roles": _("%(user)s is the last administrator and must keep the admin role.")
                    % {"user": user}
                },
                code="last_admin",
            )
        if before == wanted and user.is_staff == bool(wanted):
            return before
        user.groups.remove(*Group.objects.filter(name__in=Role.values))
        user.groups.add(*Group.objects.filter(name__in=wanted))
        was_staff = user.is_staff
        user.is_staff = bool(wanted)
        user.save(update_fields=["is_staff"])
        record_event(
            "accounts.roles_changed",
            actor=actor,
            target=user,
            data={
                "before": before,
                "after": wanted,
                "was_staff": was_staff,
                "is_staff": user.is_staff,
            },
        )
    return wanted


def lift_lockout(*, actor: User, username: str = "", ip_address: str = "") -> int:
    """Forget the failed attempts behind a lock; returns how many were removed."""
    if not username and not ip_address:
        raise ValidationError(_("Name an account or an IP address to unlock."), code="required")
    with transaction.atomic():
        removed = axes_reset(username=username or None, ip=ip_address or None)
        record_event(
            "auth.lockout_lifted",
            actor=actor,
            object_type="accounts.user" if username else "ip_address",
            object_repr=username or ip_address,
            data={"email": username, "ip_address": ip_address, "attempts_removed": removed},
        )
    return removed


def update_preferences(*, user: User, first_name: str, last_name: str, language: str, timezone: str) -> User:
    """Change a user's own name, interface language and time zone."""
    user.first_name, user.last_name = first_name, last_name
    user.language, user.timezone = language, timezone
    user.full_clean(exclude=["password", "email"])
    user.save(update_fields=["first_name", "last_name", "language", "timezone"])
    return user


def set_language(*, user: User, language: str) -> None:
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
