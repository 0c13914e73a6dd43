"""Secrets kept encrypted in the database (panel credentials, panel passwords): Fernet under a
key from the settings, named by the caller. The setting holds comma-separated keys: the first
encrypts, all decrypt, so a key can be rotated without losing what was sealed with the old one.
Only ciphertext reaches the database; a dump alone reveals nothing."""

from __future__ import annotations

import binascii

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class SealError(RuntimeError):
    """A sealed value that the configured keys cannot open (a key was dropped or changed)."""


def _cipher(setting: str) -> MultiFernet:
    keys = [key.strip() for key in str(getattr(settings, setting, "") or "").split(",") if key.strip()]
    if not keys:
        raise ImproperlyConfigured(
            f"{setting} is not set, so secrets cannot be stored encrypted. Generate a key with: "
            'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
        )
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except (ValueError, binascii.Error) as error:
        raise ImproperlyConfigured(
            f"{setting} is not a valid Fernet key (32 url-safe base64-encoded bytes)."
        ) from error


def seal(value: str, *, setting: str) -> str:
    return _cipher(setting).encrypt(value.encode()).decode("ascii")


def unseal(value: str, *, setting: str) -> str:
    try:
        return _cipher(setting).decrypt(value.encode("ascii")).decode()
    except InvalidToken as error:
        raise SealError(f"A secret cannot be decrypted with {setting}; enter it again.") from error
