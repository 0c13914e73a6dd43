from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from praho.accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """For views that only logged-in users reach (typing only)."""

    user: User
