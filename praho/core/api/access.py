"""Who an API request's user is and what they may write."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.core.exceptions import PermissionDenied
from rest_framework.request import Request

if TYPE_CHECKING:  # django-stubs' placeholder for AUTH_USER_MODEL, as in praho.core.http: core imports no app
    from django.contrib.auth.models import _User as User


def user_of(request: Request) -> User:
    return cast("User", request.user)


def require_staff_permission(user: User, permission: str) -> None:
    """Writes of this kind are for staff with the permission: a customer's user is refused (403)."""
    if not (user.is_staff and user.has_perm(permission)):
        raise PermissionDenied
