from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from praho.accounts.mfa import has_second_factor


class IsAuthenticatedWithSecondFactorForStaff(BasePermission):
    """The API's default: logged in, and staff only with a second factor.

    Tokens are never issued to staff without one; this also covers session
    authentication from the browser. Anonymous requests never reach the
    message below: DRF answers them with 401 not_authenticated.
    """

    message = _("Staff must set up two-factor authentication before using the API.")
    code = "second_factor_required"

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return not user.is_staff or has_second_factor(user)
