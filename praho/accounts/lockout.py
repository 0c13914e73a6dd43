"""django-axes glue: which identifier a login attempt is for, and what a
locked-out visitor sees."""

from __future__ import annotations

from typing import Any

from axes.helpers import get_cool_off
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _

from praho.core import request_id


def username_from_request(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """The email a login attempt names, from allauth's form or the token API."""
    candidates = []
    if credentials:
        candidates += [
            credentials.get("email"),
            credentials.get("login"),
            credentials.get("username"),
        ]
    post = getattr(request, "POST", None) or {}
    candidates += [post.get("login"), post.get("email")]
    data = getattr(request, "data", None)
    if isinstance(data, dict):
        candidates.append(data.get("email"))
    for value in candidates:
        if value:
            return str(value).strip().lower()
    return ""


def lockout_message() -> str:
    cool_off = get_cool_off()
    minutes = int(cool_off.total_seconds() // 60) if cool_off else 0
    until = timezone.localtime(timezone.now() + cool_off) if cool_off else None
    return _(
        "Too many failed login attempts. Logging in is locked for %(minutes)d minutes, "
        "until %(time)s. Try again later or ask an administrator to lift the lock."
    ) % {"minutes": minutes, "time": time_format(until, "H:i") if until else "-"}


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict[str, Any] | None
) -> HttpResponse:
    message = lockout_message()
    if request.path.startswith("/api/"):
        return JsonResponse(
            {
                "error": {
                    "status": 429,
                    "code": "locked_out",
                    "message": message,
                    "request_id": request_id.current().request_id,
                }
            },
            status=429,
        )
    return render(request, "accounts/lockout.html", {"message": message}, status=429)
