from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled


def has_second_factor(user: Any) -> bool:
    """A TOTP app or a passkey (recovery codes alone do not count)."""
    return bool(is_mfa_enabled(user))


def totp_authenticator(user: Any) -> Authenticator | None:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
