from __future__ import annotations

import time
from typing import Any

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.core import context
from django.conf import settings
from django.http import HttpRequest
from django.utils import translation

from praho.accounts.tokens import RevokeReason, revoke_api_tokens


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> Any:
        # A new user keeps the language they signed up in.
        language = translation.get_language() or settings.LANGUAGE_CODE
        if language in dict(settings.LANGUAGES):
            user.language = language
        return super().save_user(request, user, form, commit=commit)

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
