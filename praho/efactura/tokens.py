"""PRAHO's authorization at ANAF: connecting (OAuth2 authorization code), keeping the tokens
encrypted, refreshing them before they expire, and saying where they stand.

- authorization_url(): the staff page sends a person with the company's certificate to ANAF;
- exchange_code(): ANAF's redirect back brings a code, exchanged for tokens that are stored;
- access_token(): what the API client sends, refreshed when less than 5 minutes are left;
- token_state(): none / valid until X / expired / refresh failed, for the staff page.

The tokens are encrypted with Fernet under EFACTURA_TOKEN_KEY (comma-separated keys: the
first encrypts, all decrypt, so a key can be rotated). Only ciphertext reaches the database.
"""

from __future__ import annotations

import binascii
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from praho.accounts.models import User
from praho.audit.services import record_event
from praho.efactura import locks
from praho.efactura.gateways import anaf_oauth
from praho.efactura.gateways.anaf_errors import (
    AnafAuthError,
    AnafError,
    AnafNotConnectedError,
    AnafOAuthError,
)
from praho.efactura.models import AnafToken, OAuthState

logger = logging.getLogger(__name__)

# Refresh this long before expiry, so no request goes out with a token that expires on the way.
REFRESH_MARGIN = timedelta(minutes=5)
# The person at ANAF's login page has this long to present the certificate and come back.
STATE_LIFETIME = timedelta(minutes=15)
# ANAF documents refresh tokens valid 365 days; used when its answer does not say.
REFRESH_TOKEN_LIFETIME = timedelta(days=365)


class TokenState(models.TextChoices):
    NONE = "none", gettext_lazy("Not connected")
    VALID = "valid", gettext_lazy("Connected")
    EXPIRED = "expired", gettext_lazy("Expired")
    REFRESH_FAILED = "refresh_failed", gettext_lazy("Refresh failed")


@dataclass(frozen=True)
class TokenStatus:
    state: TokenState
    token: AnafToken | None = None

    @property
    def label(self) -> str:
        return str(self.state.label)


# --- encryption ----------------------------------------------------------------------------


def _cipher() -> MultiFernet:
    keys = [key.strip() for key in settings.EFACTURA_TOKEN_KEY.split(",") if key.strip()]
    if not keys:
        raise ValidationError(
            _(
                "EFACTURA_TOKEN_KEY is not set, so ANAF's tokens cannot be stored encrypted. Generate a "
                'key with: python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key()'
                '.decode())" and set it in the environment.'
            ),
            code="token_key_missing",
        )
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except (ValueError, binascii.Error) as error:
        raise ValidationError(
            _("EFACTURA_TOKEN_KEY is not a valid Fernet key (32 url-safe base64-encoded bytes)."),
            code="token_key_invalid",
        ) from error


def encrypt(value: str) -> str:
    return _cipher().encrypt(value.encode()).decode("ascii")


def decrypt(value: str) -> str:
    try:
        return _cipher().decrypt(value.encode("ascii")).decode()
    except (InvalidToken, ValidationError) as error:
        raise AnafAuthError(
            _("ANAF's tokens cannot be decrypted with EFACTURA_TOKEN_KEY; connect PRAHO to ANAF again."),
            detail=f"{type(error).__name__}",
        ) from error


# --- connecting ----------------------------------------------------------------------------


def authorization_url(*, actor: User) -> str:
    """Where to send `actor`'s browser to authorize PRAHO at ANAF (with a fresh, single-use state).

    Refused (ValidationError) while PRAHO lacks an OAuth client or a token key, so nobody
    presents a certificate at ANAF only to have the tokens refused on the way back.
    """
    if not settings.EFACTURA_CLIENT_ID or not settings.EFACTURA_CLIENT_SECRET:
        raise ValidationError(
            _("EFACTURA_CLIENT_ID and EFACTURA_CLIENT_SECRET must be set before connecting to ANAF."),
            code="client_missing",
        )
    _cipher()
    now = timezone.now()
    with transaction.atomic():
        OAuthState.objects.filter(created_at__lt=now - STATE_LIFETIME).delete()
        pending = OAuthState.objects.create(state=secrets.token_urlsafe(32), created_by=actor, created_at=now)
        record_event("efactura.anaf_authorization_started", actor=actor, target=pending)
    return anaf_oauth.authorization_url(pending.state)


def exchange_code(*, actor: User, state: str, code: str, error: str = "", description: str = "") -> AnafToken:
    """Store the tokens ANAF grants for `code`, if `state` is one `actor` started and has not used.

    `error`/`description` are ANAF's own refusal from the redirect (the person cancelled, or
    the certificate was refused). The state is spent whatever happens next.
    """
    _spend_state(actor=actor, state=state)
    if error:
        raise ValidationError(
            _("ANAF did not authorize PRAHO: %(reason)s") % {"reason": description or error},
            code="anaf_refused",
        )
    if not code:
        raise ValidationError(_("ANAF's answer carries no authorization code."), code="code_missing")
    _cipher()  # before spending the code at ANAF
    try:
        grant = anaf_oauth.exchange_code(code)
    except AnafOAuthError as refusal:
        raise ValidationError(refusal.message, code="anaf_refused") from refusal
    except AnafError as failure:
        raise ValidationError(failure.message, code="anaf_unavailable") from failure
    with transaction.atomic():
        token = _store(grant, actor=actor)
        record_event(
            "efactura.anaf_token_obtained",
            actor=actor,
            target=token,
            data={"expires_at": token.expires_at.isoformat(), "environment": settings.EFACTURA_ENVIRONMENT},
        )
    return token


def _spend_state(*, actor: User, state: str) -> None:
    now = timezone.now()
    with transaction.atomic():
        spent = OAuthState.objects.filter(
            state=state, created_by=actor, used_at__isnull=True, created_at__gte=now - STATE_LIFETIME
        ).update(used_at=now)
    if not state or spent != 1:
        raise ValidationError(
            _(
                "This answer from ANAF does not match an authorization you started in the last "
                "%(minutes)s minutes (or it was already used); start again from the ANAF page."
            )
            % {"minutes": int(STATE_LIFETIME.total_seconds() // 60)},
            code="state_mismatch",
        )


def _store(grant: anaf_oauth.TokenGrant, *, actor: User | None) -> AnafToken:
    now = timezone.now()
    refresh_lifetime = (
        timedelta(seconds=grant.refresh_expires_in) if grant.refresh_expires_in else REFRESH_TOKEN_LIFETIME
    )
    token, _created = AnafToken.objects.update_or_create(
        client_id=settings.EFACTURA_CLIENT_ID,
        defaults={
            "access_token_encrypted": encrypt(grant.access_token),
            "refresh_token_encrypted": encrypt(grant.refresh_token),
            "scope": grant.scope[:200],
            "expires_at": now + timedelta(seconds=grant.expires_in),
            "refresh_expires_at": now + refresh_lifetime,
            "obtained_at": now,
            "obtained_by": actor,
            "refreshed_at": None,
            "refresh_failed_at": None,
            "refresh_error": "",
        },
    )
    return token


# --- using ---------------------------------------------------------------------------------


def access_token() -> str:
    """A valid access token, refreshed first when less than REFRESH_MARGIN is left.

    Raises AnafNotConnectedError, or AnafAuthError when the token expired and cannot be renewed.
    """
    token = _current()
    if token.expires_at - timezone.now() > REFRESH_MARGIN:
        return decrypt(token.access_token_encrypted)
    return _refresh(rejected=None)


def renew_access_token(*, rejected: str) -> str:
    """A token other than `rejected` (which ANAF refused with a 401), refreshing if need be."""
    return _refresh(rejected=rejected)


class StoredTokens:
    """The API client's TokenSource: the tokens staff connected PRAHO with."""

    def access_token(self) -> str:
        return access_token()

    def renew(self, rejected: str) -> str:
        return renew_access_token(rejected=rejected)


def _current() -> AnafToken:
    token = AnafToken.objects.filter(client_id=settings.EFACTURA_CLIENT_ID).first()
    if token is None:
        raise _not_connected()
    return token


def _not_connected() -> AnafNotConnectedError:
    return AnafNotConnectedError(
        _("PRAHO is not connected to ANAF; an administrator must connect it on the ANAF page.")
    )


def _refresh(*, rejected: str | None) -> str:
    """Refresh under the row lock: ANAF may rotate the refresh token, so two workers refreshing
    at once would leave one of them holding a dead one. Whoever waited on the lock finds the
    fresh token and uses it instead of refreshing again."""
    with transaction.atomic():
        token = locks.anaf_token()
        if token is None:
            raise _not_connected()
        now = timezone.now()
        current = decrypt(token.access_token_encrypted)
        if rejected is None and token.expires_at - now > REFRESH_MARGIN:
            return current
        if rejected is not None and current != rejected and token.expires_at > now:
            return current
        try:
            grant = anaf_oauth.refresh(decrypt(token.refresh_token_encrypted))
        except AnafError as error:
            failure = error
            _record_refresh_failure(token, error)
        else:
            return _record_refresh(token, grant)
    # Past the block, so that the failure is recorded (committed) before anything is raised.
    if rejected is None and token.expires_at > timezone.now():
        return current  # the old token still works for a few minutes; the next call tries again
    raise AnafAuthError(
        _("ANAF's token expired and could not be renewed (%(reason)s); connect PRAHO to ANAF again.")
        % {"reason": failure.message},
        detail=failure.detail,
    )


def _record_refresh(token: AnafToken, grant: anaf_oauth.TokenGrant) -> str:
    now = timezone.now()
    token.access_token_encrypted = encrypt(grant.access_token)
    if grant.refresh_token:  # ANAF may keep the refresh token as it is
        token.refresh_token_encrypted = encrypt(grant.refresh_token)
        if grant.refresh_expires_in:
            token.refresh_expires_at = now + timedelta(seconds=grant.refresh_expires_in)
    token.expires_at = now + timedelta(seconds=grant.expires_in)
    token.scope = grant.scope[:200] or token.scope
    token.refreshed_at = now
    token.refresh_failed_at = None
    token.refresh_error = ""
    token.save(
        update_fields=[
            "access_token_encrypted",
            "refresh_token_encrypted",
            "refresh_expires_at",
            "expires_at",
            "scope",
            "refreshed_at",
            "refresh_failed_at",
            "refresh_error",
        ]
    )
    record_event(
        "efactura.anaf_token_refreshed", target=token, data={"expires_at": token.expires_at.isoformat()}
    )
    return grant.access_token


def _record_refresh_failure(token: AnafToken, error: AnafError) -> None:
    logger.warning("ANAF token refresh failed: %s (%s)", error.message, error.detail)
    token.refresh_failed_at = timezone.now()
    token.refresh_error = error.message
    token.save(update_fields=["refresh_failed_at", "refresh_error"])
    record_event("efactura.anaf_token_refresh_failed", target=token, data={"error": error.message})


# --- state ---------------------------------------------------------------------------------


def token_state() -> TokenStatus:
    """Where PRAHO's authorization at ANAF stands (one query)."""
    token = (
        AnafToken.objects.select_related("obtained_by").filter(client_id=settings.EFACTURA_CLIENT_ID).first()
    )
    if token is None:
        return TokenStatus(TokenState.NONE)
    if token.refresh_failed_at is not None:
        return TokenStatus(TokenState.REFRESH_FAILED, token)
    if _usable_until(token) <= timezone.now():
        return TokenStatus(TokenState.EXPIRED, token)
    return TokenStatus(TokenState.VALID, token)


def _usable_until(token: AnafToken) -> datetime:
    """The access token can be renewed for as long as the refresh token lives."""
    return max(token.expires_at, token.refresh_expires_at or token.expires_at)
