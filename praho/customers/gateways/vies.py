"""The EU's VIES VAT number check, through its REST API.

POST <VIES_API_URL>/check-vat-number with
``{"countryCode": "DE", "vatNumber": "136695976", "requesterMemberStateCode": "RO",
"requesterNumber": "18547290"}``; the answer is ``{"countryCode", "vatNumber",
"requestDate", "valid", "requestIdentifier", "name", "address", ...}``. With a
requester, ``requestIdentifier`` is the consultation number that proves the
check to a tax inspector. Failures come as ``{"actionSucceed": false,
"errorWrappers": [{"error": "MS_UNAVAILABLE", "message": ...}]}``. Greece is
"EL", as in its VAT numbers.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from django.conf import settings
from django.utils.translation import gettext as _

from praho.customers.gateways import USER_AGENT, GatewayError, GatewayUnavailableError, timeout

logger = logging.getLogger(__name__)

PATH = "/check-vat-number"
# VIES writes "---" where a member state does not share the trader's name or address.
_NOT_SHARED = "---"
# Errors about our request rather than about the moment: asking again will not help.
_REFUSALS = frozenset({"INVALID_INPUT", "INVALID_REQUESTER_INFO", "VAT_BLOCKED", "IP_BLOCKED"})


class UnavailableError(GatewayUnavailableError):
    """VIES or the member state's register did not answer (also: too many requests right now)."""


class RefusedError(GatewayError):
    """VIES refused to check the number (malformed request, blocked number or requester)."""

    code = "refused"


@dataclass(frozen=True)
class ViesResult:
    country_code: str
    vat_number: str
    valid: bool
    request_date: datetime | None  # when VIES answered, in UTC
    request_identifier: str  # the consultation number; "" when asked without a requester
    name: str
    address: str


def check_vat_number(vat_number: str, *, requester: str = "") -> ViesResult:
    """Ask VIES about `vat_number` ("DE136695976", "EL094259216": prefix, then number).

    `requester` is our own VAT number ("RO18547290", or the bare CUI); when given,
    VIES returns a consultation number. Raises UnavailableError when VIES or the member
    state does not answer and RefusedError when VIES rejects the request itself.
    """
    compact = "".join(vat_number.split()).upper()
    payload = {"countryCode": compact[:2], "vatNumber": compact[2:], **_requester_fields(requester)}
    status, body = _post(payload)
    _raise_for_errors(body)
    if status != httpx.codes.OK:
        raise _unavailable(f"HTTP {status}: {str(body)[:200]}")
    return _result(body, compact)


def _requester_fields(requester: str) -> dict[str, str]:
    compact = "".join(requester.split()).upper()
    if not compact:
        return {}
    # Our seller is Romanian: a bare CUI is a Romanian VAT number.
    country, number = (compact[:2], compact[2:]) if compact[:2].isalpha() else ("RO", compact)
    return {"requesterMemberStateCode": country, "requesterNumber": number}


def _unavailable(detail: str) -> UnavailableError:
    logger.warning("VIES check failed: %s", detail)
    return UnavailableError(
        _("VIES did not answer, so the VAT number could not be checked; try again later."),
        detail=detail,
    )


def _post(payload: dict[str, str]) -> tuple[int, dict[str, Any]]:
    url = settings.VIES_API_URL.rstrip("/") + PATH
    try:
        response = httpx.post(url, json=payload, timeout=timeout(), headers={"User-Agent": USER_AGENT})
    except httpx.HTTPError as error:
        raise _unavailable(f"{type(error).__name__}: {error}") from error
    try:
        body = response.json()
    except ValueError as error:
        raise _unavailable(f"HTTP {response.status_code}, not JSON: {response.text[:200]!r}") from error
    if not isinstance(body, dict):
        raise _unavailable(f"HTTP {response.status_code}, not an object: {str(body)[:200]}")
    return response.status_code, body


def _raise_for_errors(body: dict[str, Any]) -> None:
    wrappers = body.get("errorWrappers")
    codes = [str(item.get("error")) for item in wrappers or [] if isinstance(item, dict)]
    if body.get("actionSucceed") is False and not codes:
        codes = ["UNKNOWN"]
    if not codes:
        return
    refused = [code for code in codes if code in _REFUSALS]
    if not refused:
        # MS_UNAVAILABLE, TIMEOUT, SERVICE_UNAVAILABLE, *_MAX_CONCURRENT_REQ*: worth asking again later.
        raise _unavailable(", ".join(codes))
    logger.warning("VIES refused the check: %s", ", ".join(codes))
    raise RefusedError(
        _("VIES refused to check this VAT number (%(reason)s).") % {"reason": ", ".join(refused)},
        detail=", ".join(codes),
    )


def _result(body: dict[str, Any], compact: str) -> ViesResult:
    valid = body.get("valid")
    if not isinstance(valid, bool):
        raise _unavailable(f"no valid flag: {str(body)[:200]}")
    return ViesResult(
        country_code=str(body.get("countryCode") or compact[:2]),
        vat_number=str(body.get("vatNumber") or compact[2:]),
        valid=valid,
        request_date=_when(body.get("requestDate")),
        request_identifier=_shared(body.get("requestIdentifier")),
        name=_shared(body.get("name")),
        address=_shared(body.get("address")),
    )


def _shared(value: object) -> str:
    text = value.strip() if isinstance(value, str) else ""
    return "" if text == _NOT_SHARED else text


def _when(value: object) -> datetime | None:
    """VIES's "2026-07-16T10:23:03.183Z" in UTC; a bare date (older answers) is its midnight UTC."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        try:
            parsed = datetime.fromisoformat(value[:10])
        except ValueError:
            return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
