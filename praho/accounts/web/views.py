from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from praho.accounts.services import users as services
from praho.accounts.web.forms import PreferencesForm
from praho.core.http import AuthenticatedHttpRequest


@login_required
def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    form = PreferencesForm(
        request.POST if request.method == "POST" else None,
        initial={
            "first_name": user.first_name,
            "last_name": user.last_name,
            "language": user.language,
            "timezone": user.timezone,
        },
    )
    if request.method == "POST" and form.is_valid():
        services.update_preferences(user=user, **form.cleaned_data)
        response = HttpResponseRedirect(request.path)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            user.language,
            samesite="Lax",
            httponly=True,
            secure=settings.LANGUAGE_COOKIE_SECURE,
        )
        messages.success(request, _("Your profile was saved."))
        return response
    return render(request, "accounts/profile.html", {"form": form})


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language: stored on the user and in a cookie."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if language not in dict(settings.LANGUAGES):
        return response
    if request.user.is_authenticated:
        services.set_language(user=request.user, language=language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        samesite="Lax",
        httponly=True,
        secure=settings.LANGUAGE_COOKIE_SECURE,
    )
    return response
