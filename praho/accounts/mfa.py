"""Second-factor glue around allauth.mfa."""

from __future__ import annotations

from typing import Any

from allauth.core import context
from allauth.mfa.base.forms import AuthenticateForm, ReauthenticateForm
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth import signals as auth_signals
from django.core.exceptions import ValidationError

from praho.accounts.lockout import lockout_message


def has_second_factor(user: Any) -> bool:
    """A TOTP app or a passkey (recovery codes alone do not count)."""
    return bool(is_mfa_enabled(user, types=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]))


def totp_authenticator(user: Any) -> Authenticator | None:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()


class _CountedCodeMixin:
    """Wrong codes count towards the django-axes lockout like wrong passwords.

    allauth limits code guesses with its own "login_failed" rate limit, which
    the settings switch off so that axes alone answers failed logins. Without
    this, a six-digit code could be guessed without limit once the password
    is known. A locked account is refused even with the right code, otherwise
    the lock would only hide which guesses were wrong.
    """

    user: Any

    def clean_code(self) -> str:
        request = context.request
        credentials = {"email": self.user.email}
        if AxesProxyHandler.is_locked(request, credentials):
            # Counted like a password tried during the lock; AxesMiddleware
            # then answers with the lockout page (429).
            request.axes_locked_out = True
            self._failed(request, credentials, reason="locked")
            raise ValidationError(lockout_message(), code="locked_out")
        try:
            return super().clean_code()  # type: ignore[misc]
        except ValidationError:
            self._failed(request, credentials, reason="otp")
            raise

    @staticmethod
    def _failed(request: Any, credentials: dict[str, str], *, reason: str) -> None:
        auth_signals.user_login_failed.send(
            sender=__name__, credentials=credentials, request=request, reason=reason
        )


class CountedAuthenticateForm(_CountedCodeMixin, AuthenticateForm):
    """The code step of the login (allauth's /accounts/2fa/authenticate/)."""


class CountedReauthenticateForm(_CountedCodeMixin, ReauthenticateForm):
    """The code asked again before a sensitive change."""
