from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.core import context
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.http import HttpRequest
from django.utils import translation

from praho.accounts.models import User
from praho.accounts.services.tokens import RevokeReason, revoke_api_tokens


@dataclass(frozen=True)
class _Site:
    """What allauth's e-mail templates read as `current_site`."""

    name: str
    domain: str


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> Any:
        # A new user keeps the language they signed up in.
        language = translation.get_language() or settings.LANGUAGE_CODE
        if language in dict(settings.LANGUAGES):
            user.language = language
        return super().save_user(request, user, form, commit=commit)

    def add_message(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        """allauth's messages ("Successfully signed in as ...") are rendered when added: in the
        user's language, which the next page is shown in, not the login page's (the browser's)."""
        user = getattr(request, "user", None)
        language = getattr(user, "language", None) if user is not None and user.is_authenticated else None
        if language not in dict(settings.LANGUAGES):
            language = translation.get_language()
        with translation.override(language):
            super().add_message(request, *args, **kwargs)

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """Account e-mails name the site (PRAHO_SITE_NAME), not the host that served the request
        ("testserver" without django.contrib.sites), and speak the recipient's language: the
        user's own, else the request's (an address no account has)."""
        request = globals()["context"].request  # allauth's request context; None in on_commit after it
        domain = get_current_site(request).domain if request else urlsplit(settings.PRAHO_BASE_URL).netloc
        site = _Site(name=settings.PRAHO_SITE_NAME, domain=domain)
        user = context.get("user")
        if not isinstance(user, User):
            user = User.objects.filter(email__iexact=email).first()
        language = user.language if user is not None else translation.get_language()
        with translation.override(language or settings.LANGUAGE_CODE):
            message = self.render_mail(
                template_prefix,
                email,
                {"request": request, "email": email, **context, "current_site": site},
            )
        message.send()

    def send_notification_mail(
        self,
        template_prefix: str,
        user: Any,
        context: dict[str, Any] | None = None,
        email: str | None = None,
    ) -> None:
        # The security notifications (password, e-mail, second factor changed) in the user's language.
        super().send_notification_mail(template_prefix, user, {"user": user, **(context or {})}, email)

    def format_email_subject(self, subject: str) -> str:
        return f"[{settings.PRAHO_SITE_NAME}] {subject}"

    def set_password(self, user: Any, password: str) -> None:
        """Every allauth path that sets a password (change, set, reset by email) ends here: the
        user's API tokens stop working too, since whoever held them may have been the reason."""
        super().set_password(user, password)
        revoke_api_tokens(actor=user, user=user, reason=RevokeReason.PASSWORD_CHANGED)

    def is_reauthentication_required(self, *, app: str, **kwargs: Any) -> bool:
        """A login in the last few minutes counts as a fresh authentication.

        allauth asks for the password again before any second-factor change,
        even seconds after the login. Staff without a second factor are sent
        to set one up straight after logging in; asking them for the password
        twice in a row adds friction and no protection. After the
        re-authentication timeout (five minutes) the password is asked again.
        """
        if not super().is_reauthentication_required(app=app, **kwargs):
            return False
        return not _logged_in_recently(context.request)


def _logged_in_recently(request: HttpRequest | None) -> bool:
    if request is None or not request.user.is_authenticated:
        return False
    records = get_authentication_records(request, request.user)
    if not records:
        return False
    return time.time() - float(records[-1]["at"]) < account_settings.REAUTHENTICATION_TIMEOUT
