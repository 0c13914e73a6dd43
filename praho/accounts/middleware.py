from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from praho.accounts.mfa import has_second_factor

STAFF_PREFIX = "/staff/"


class UserPreferencesMiddleware:
    """Shows the interface in the user's stored language and time zone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            if user.language in dict(settings.LANGUAGES):
                translation.activate(user.language)
                request.LANGUAGE_CODE = user.language
            timezone.activate(zoneinfo.ZoneInfo(user.timezone))
        else:
            timezone.activate(zoneinfo.ZoneInfo(settings.TIME_ZONE))
        return self.get_response(request)


class StaffSecondFactorMiddleware:
    """The gate of the staff area.

    Visitors log in first, non-staff users get 404 (the area does not exist
    for them) and staff without a second factor are sent to set one up.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(STAFF_PREFIX):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not user.is_staff:
                raise Http404
            if not has_second_factor(user):
                messages.warning(
                    request,
                    _("Staff must use two-factor authentication. Set up an authenticator app to continue."),
                )
                return redirect("mfa_activate_totp")
        return self.get_response(request)
