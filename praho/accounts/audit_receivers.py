"""Audit events for authentication flows owned by django, allauth and axes."""

from __future__ import annotations

from typing import Any

from allauth.account import signals as account_signals
from allauth.mfa import signals as mfa_signals
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth import signals as auth_signals
from django.dispatch import receiver

from praho.audit.services import record_event


@receiver(auth_signals.user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record_event("auth.login", actor=user, target=user)


@receiver(auth_signals.user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record_event("auth.logout", actor=user, target=user)


def _lock_began(request: Any) -> bool:
    """Whether this attempt is the one that reached the failure limit.

    django-axes records every attempt, also those refused during a lock, and
    announces the lock on each; its handler (connected before ours) leaves the
    attempt's failure count on the request.
    """
    return getattr(request, "axes_failures_since_start", None) == settings.AXES_FAILURE_LIMIT


def _refused_by_lock(request: Any) -> bool:
    return bool(getattr(request, "axes_locked_out", False)) and not _lock_began(request)


@receiver(auth_signals.user_login_failed)
def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    email = str(credentials.get("email") or credentials.get("username") or "").strip().lower()
    user = get_user_model().objects.filter(email__iexact=email).first() if email else None
    reason = kwargs.get("reason") or ("locked" if _refused_by_lock(request) else "credentials")
    record_event(
        "auth.login_failed",
        target=user,
        object_type="accounts.user",
        object_repr=email,
        data={"email": email, "reason": reason},
    )


@receiver(user_locked_out)
def _locked_out(sender: Any, request: Any, username: str, ip_address: str, **kwargs: Any) -> None:
    if not _lock_began(request):
        return  # an attempt during the lock; audited as auth.login_failed (reason "locked")
    record_event(
        "auth.locked_out",
        object_type="accounts.user",
        object_repr=username or "",
        data={"email": username or "", "ip_address": ip_address},
    )


@receiver(account_signals.password_changed)
def _password_changed(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record_event("auth.password_changed", actor=user, target=user)


@receiver(account_signals.password_set)
def _password_set(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record_event("auth.password_set", actor=user, target=user)


@receiver(account_signals.password_reset)
def _password_reset(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record_event("auth.password_reset", actor=user, target=user)


@receiver(account_signals.email_confirmed)
def _email_confirmed(sender: Any, request: Any, email_address: Any, **kwargs: Any) -> None:
    record_event(
        "auth.email_confirmed",
        actor=email_address.user,
        target=email_address.user,
        data={"email": email_address.email},
    )


def _authenticator_event(action: str, user: Any, authenticator: Any) -> None:
    record_event(action, actor=user, target=user, data={"type": authenticator.type})


@receiver(mfa_signals.authenticator_added)
def _mfa_added(sender: Any, request: Any, user: Any, authenticator: Any, **kwargs: Any) -> None:
    _authenticator_event("mfa.added", user, authenticator)


@receiver(mfa_signals.authenticator_removed)
def _mfa_removed(sender: Any, request: Any, user: Any, authenticator: Any, **kwargs: Any) -> None:
    _authenticator_event("mfa.removed", user, authenticator)


@receiver(mfa_signals.authenticator_reset)
def _mfa_reset(sender: Any, request: Any, user: Any, authenticator: Any, **kwargs: Any) -> None:
    _authenticator_event("mfa.reset", user, authenticator)
