"""ANAF's public company lookup: the "PlatitorTvaRest" web service, version 9.

POST <ANAF_COMPANY_LOOKUP_URL>/api/PlatitorTvaRest/v9/tva with
``[{"cui": 12345678, "data": "YYYY-MM-DD"}]``; the answer is
``{"cod": 200, "message": "SUCCESS", "found": [...], "notFound": [...]}`` where
each found record holds the sections ``date_generale``, ``inregistrare_scop_Tva``,
``inregistrare_RTVAI``, ``stare_inactiv``, ``adresa_sediu_social`` (fields
prefixed "s") and ``adresa_domiciliu_fiscal`` (the same fields prefixed "d").
No authentication; ANAF asks for at most one request a second.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx
from django.conf import settings
from django.utils.translation import gettext as _

from praho.core.validation import fiscal_today
from praho.customers.gateways import USER_AGENT, GatewayError, GatewayUnavailableError, timeout
from praho.customers.rules.identifiers import BUCHAREST, ROMANIAN_COUNTIES

logger = logging.getLogger(__name__)

PATH = "/api/PlatitorTvaRest/v9/tva"

# ANAF still writes s and t with a cedilla; Romanian (and e-Factura) uses the comma below.
_COMMA_BELOW = str.maketrans("şţŞŢ", "șțȘȚ")
_SECTOR = re.compile(r"\bsector(?:ul)?\s*([1-6])\b", re.IGNORECASE)
_BUCHAREST_POSTAL_CODE = re.compile(r"0([1-6])\d{4}")
# "Mun. Cluj-Napoca" and "Oraș Voluntari" are printed as "Cluj-Napoca" and "Voluntari";
# communes and villages keep their prefix, which tells them apart.
_TOWN_PREFIX = re.compile(r"^(?:mun\.|municipiul|ora[sș](?:ul)?\.?)\s+", re.IGNORECASE)
_COUNTY_PREFIX = re.compile(r"^(?:MUNICIPIUL|JUDETUL|JUD\.)\s+")


class NotFoundError(GatewayError):
    code = "not_found"


class UnavailableError(GatewayUnavailableError):
    pass


@dataclass(frozen=True)
class AnafCompany:
    """A company as ANAF's register describes it on one date; its address is the registered office."""

    cui: str
    name: str
    street: str
    city: str
    county: str  # ISO 3166-2:RO ("RO-CJ", "RO-B"), or "" when ANAF's county is unknown to us
    postal_code: str
    trade_register_number: str
    vat_payer: bool
    vat_on_cash_basis: bool
    inactive: bool
    phone: str
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def country(self) -> str:
        return "RO"


def lookup_company(cui: str, *, on: date | None = None) -> AnafCompany:
    """The company registered under `cui` (digits, "RO" prefix allowed) as of `on` (default: today).

    Raises NotFoundError when ANAF has no such CUI and UnavailableError when ANAF does not
    answer in time or answers something we cannot read.
    """
    digits = cui.strip().upper().removeprefix("RO").strip()
    if not digits.isdigit():
        raise ValueError(f"A CUI is digits, not {cui!r}")
    body = _post([{"cui": int(digits), "data": (on or fiscal_today()).isoformat()}])
    record = _record_for(body, digits)
    try:
        return _company(record, digits)
    except (AttributeError, TypeError, ValueError) as error:
        raise _unavailable(f"unreadable record for {digits}: {error}") from error


def _unavailable(detail: str) -> UnavailableError:
    logger.warning("ANAF company lookup failed: %s", detail)
    return UnavailableError(
        _("ANAF's company lookup did not answer; enter the data by hand or try again later."),
        detail=detail,
    )


def _post(payload: list[dict[str, Any]]) -> dict[str, Any]:
    url = settings.ANAF_COMPANY_LOOKUP_URL.rstrip("/") + PATH
    try:
        response = httpx.post(url, json=payload, timeout=timeout(), headers={"User-Agent": USER_AGENT})
    except httpx.HTTPError as error:
        raise _unavailable(f"{type(error).__name__}: {error}") from error
    if response.status_code != httpx.codes.OK:
        raise _unavailable(f"HTTP {response.status_code}: {response.text[:200]}")
    try:
        body = response.json()
    except ValueError as error:
        raise _unavailable(f"not JSON: {response.text[:200]!r}") from error
    if not isinstance(body, dict) or body.get("cod") != httpx.codes.OK:
        raise _unavailable(f"unexpected answer: {str(body)[:200]}")
    return body


def _record_for(body: dict[str, Any], digits: str) -> dict[str, Any]:
    found, not_found = body.get("found"), body.get("notFound")
    if not isinstance(found, list) or not isinstance(not_found, list):
        raise _unavailable(f"no found/notFound lists: {str(body)[:200]}")
    for record in found:
        general = record.get("date_generale") if isinstance(record, dict) else None
        if isinstance(general, dict) and str(general.get("cui")) == digits:
            return record
    # Items of notFound are the CUIs asked for; accept them as numbers, strings or request objects.
    missing = {str(item.get("cui") if isinstance(item, dict) else item) for item in not_found}
    if digits in missing:
        raise NotFoundError(
            _("ANAF has no company with CUI %(cui)s; check the number or enter the data by hand.")
            % {"cui": digits}
        )
    raise _unavailable(f"CUI {digits} neither found nor not found: {str(body)[:200]}")


def _company(record: dict[str, Any], digits: str) -> AnafCompany:
    general = record["date_generale"]
    name = _text(general.get("denumire"))
    if not name:
        raise ValueError("no name")
    street, city, county, postal_code = _address(record, general)
    return AnafCompany(
        cui=digits,
        name=name,
        street=street,
        city=city,
        county=county,
        postal_code=postal_code,
        trade_register_number=_text(general.get("nrRegCom")),
        vat_payer=(record.get("inregistrare_scop_Tva") or {}).get("scpTVA") is True,
        vat_on_cash_basis=(record.get("inregistrare_RTVAI") or {}).get("statusTvaIncasare") is True,
        inactive=(record.get("stare_inactiv") or {}).get("statusInactivi") is True,
        phone=_text(general.get("telefon")),
        raw=record,
    )


def _address(record: dict[str, Any], general: dict[str, Any]) -> tuple[str, str, str, str]:
    """(street, city, county, postal code): the registered office, else the fiscal domicile."""
    for section, prefix in (("adresa_sediu_social", "s"), ("adresa_domiciliu_fiscal", "d")):
        part = record.get(section) or {}
        locality = _text(part.get(f"{prefix}denumire_Localitate"))
        if not locality:
            continue
        postal_code = _text(part.get(f"{prefix}cod_Postal")) or _text(general.get("codPostal"))
        county_code, county_name = part.get(f"{prefix}cod_JudetAuto"), part.get(f"{prefix}denumire_Judet")
        county = _county(_text(county_code), _text(county_name))
        street = _street(
            _text(part.get(f"{prefix}denumire_Strada")),
            _text(part.get(f"{prefix}numar_Strada")),
            _text(part.get(f"{prefix}detalii_Adresa")),
        )
        return (
            street or _text(general.get("adresa")),
            _city(locality, county, postal_code),
            county,
            postal_code,
        )
    # Neither section filled in: keep ANAF's one-line address for staff to split by hand.
    return _text(general.get("adresa")), "", "", _text(general.get("codPostal"))


def _street(name: str, number: str, details: str) -> str:
    if number:
        name = f"{name} nr. {number}" if name else f"nr. {number}"
    return ", ".join(part for part in (name, details) if part)


def _city(locality: str, county: str, postal_code: str) -> str:
    if county != BUCHAREST:
        return _TOWN_PREFIX.sub("", locality)
    # A Bucharest address is filed under its sector ("Sector 3"), however ANAF spells it.
    match = _SECTOR.search(locality) or _BUCHAREST_POSTAL_CODE.fullmatch(postal_code)
    return f"Sector {match.group(1)}" if match else locality


def _county(auto_code: str, name: str) -> str:
    code = f"RO-{auto_code.upper()}"
    if code in ROMANIAN_COUNTIES:
        return code
    wanted = _COUNTY_PREFIX.sub("", _plain(name))
    return next((iso for iso, county in ROMANIAN_COUNTIES.items() if _plain(county) == wanted), "")


def _plain(text: str) -> str:
    """Upper case without diacritics, so "BUCUREŞTI" and "București" compare equal."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).upper().strip()


def _text(value: object) -> str:
    if value is None or isinstance(value, bool):
        return ""
    return " ".join(str(value).split()).translate(_COMMA_BELOW)
