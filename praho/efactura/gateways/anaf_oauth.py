"""ANAF's OAuth2 server (logincert.anaf.ro/anaf-oauth2/v1): the authorization-code grant.

1. The browser of a person holding the company's qualified certificate is sent to
   ``EFACTURA_OAUTH_AUTHORIZE_URL?response_type=code&client_id=...&redirect_uri=...&state=...
   &token_content_type=jwt``; ANAF asks for the certificate and redirects back to
   ``redirect_uri?code=...&state=...`` (or ``?error=...&error_description=...``).
2. PRAHO posts the code to ``EFACTURA_OAUTH_TOKEN_URL`` (form-encoded ``grant_type=
   authorization_code``, ``code``, ``redirect_uri``, ``client_id``, ``client_secret``,
   ``token_content_type=jwt``) and gets JSON ``{"access_token", "refresh_token", "expires_in",
   "token_type": "Bearer", ...}``; refused requests get ``{"error", "error_description"}``.
3. Before the access token expires PRAHO posts ``grant_type=refresh_token`` with the refresh
   token and gets the same JSON with new tokens.

``token_content_type=jwt`` asks for JWT access tokens, which the e-Factura API requires; ANAF
documents access tokens valid 90 days and refresh tokens valid 365 days.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
from django.conf import settings
from django.utils.translation import gettext as _

from praho.customers.gateways import USER_AGENT
from praho.efactura.gateways.anaf_errors import AnafOAuthError, AnafRetryableError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TokenGrant:
    access_token: str
    refresh_token: str  # "" when ANAF did not send a new one (keep the old one)
    expires_in: int  # seconds
    refresh_expires_in: int | None  # seconds, when ANAF says
    scope: str


def authorization_url(state: str) -> str:
    query = urlencode(
        {
            "response_type": "code",
            "client_id": settings.EFACTURA_CLIENT_ID,
            "redirect_uri": settings.EFACTURA_REDIRECT_URI,
            "state": state,
            "token_content_type": "jwt",
        }
    )
    return f"{settings.EFACTURA_OAUTH_AUTHORIZE_URL}?{query}"


def exchange_code(code: str) -> TokenGrant:
    """Tokens for an authorization code. Raises AnafOAuthError or AnafRetryableError."""
    return _token_request(
        {"grant_type": "authorization_code", "code": code, "redirect_uri": settings.EFACTURA_REDIRECT_URI}
    )


def refresh(refresh_token: str) -> TokenGrant:
    """New tokens for a refresh token. Raises AnafOAuthError or AnafRetryableError."""
    return _token_request({"grant_type": "refresh_token", "refresh_token": refresh_token})


def _token_request(fields: dict[str, str]) -> TokenGrant:
    url = settings.EFACTURA_OAUTH_TOKEN_URL
    data = {
        **fields,
        "client_id": settings.EFACTURA_CLIENT_ID,
        "client_secret": settings.EFACTURA_CLIENT_SECRET,
        "token_content_type": "jwt",
    }
    headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
    try:
        response = httpx.post(url, data=data, headers=headers, timeout=settings.EFACTURA_HTTP_TIMEOUT)
    except httpx.HTTPError as error:
        raise _unavailable(f"{url}: {type(error).__name__}: {error}") from error
    if response.status_code >= httpx.codes.INTERNAL_SERVER_ERROR or response.status_code == 429:
        raise _unavailable(f"{url}: HTTP {response.status_code}: {response.text[:200]!r}")
    body = _json(response)
    if response.status_code != httpx.codes.OK or "error" in body:
        code = str(body.get("error") or f"HTTP {response.status_code}")
        description = str(body.get("error_description") or "")
        logger.warning("ANAF refused a %s token request: %s %s", fields["grant_type"], code, description)
        raise AnafOAuthError(
            _("ANAF refused the token request: %(reason)s") % {"reason": description or code},
            error=code,
            detail=f"{code}: {description}",
        )
    return _grant(body, response)


def _grant(body: dict[str, Any], response: httpx.Response) -> TokenGrant:
    try:
        grant = TokenGrant(
            access_token=str(body["access_token"]),
            refresh_token=str(body.get("refresh_token") or ""),
            expires_in=int(body["expires_in"]),
            refresh_expires_in=int(body["refresh_token_expires_in"])
            if body.get("refresh_token_expires_in")
            else None,
            scope=str(body.get("scope") or ""),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise _unreadable(response) from error
    if not grant.access_token or grant.expires_in <= 0:
        raise _unreadable(response)
    return grant


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as error:
        raise _unreadable(response) from error
    if not isinstance(body, dict):
        raise _unreadable(response)
    return body


def _unreadable(response: httpx.Response) -> AnafOAuthError:
    return AnafOAuthError(
        _("ANAF's authorization server answered something PRAHO cannot read."),
        error="unreadable_answer",
        detail=f"HTTP {response.status_code}: {response.text[:200]!r}",
    )


def _unavailable(detail: str) -> AnafRetryableError:
    logger.warning("ANAF's OAuth server did not answer: %s", detail)
    return AnafRetryableError(
        _("ANAF's authorization server did not answer; try again later."), detail=detail
    )
