from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

if TYPE_CHECKING:
    # django-stubs' placeholder for settings.AUTH_USER_MODEL (its mypy plugin reads the
    # setting): core names the user model without importing the app that defines it.
    from django.contrib.auth.models import _User


class HtmxHttpRequest(HttpRequest):
    """Any request: django-htmx's middleware (settings.MIDDLEWARE) sets `htmx` on every one,
    falsy unless htmx sent it (typing only)."""

    htmx: HtmxDetails


class AuthenticatedHttpRequest(HtmxHttpRequest):
    """For views that only logged-in users reach (typing only)."""

    user: _User
