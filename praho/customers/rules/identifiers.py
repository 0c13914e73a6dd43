"""Checking and normalising customer identifiers.

Checksums come from python-stdnum and phone numbers from phonenumbers; this
module only chooses which rule applies (by kind of customer and country) and
turns their exceptions into translated errors that name the field.
"""

from __future__ import annotations

import re
from types import ModuleType

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from stdnum import iban as stdnum_iban
from stdnum.bg import vat as bg_vat
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
)
from stdnum.exceptions import (
    ValidationError as StdnumError,
)
from stdnum.ro import cnp as ro_cnp
from stdnum.ro import cui as ro_cui
from stdnum.ro import onrc as ro_onrc

from praho.core.countries import VAT_PREFIX, is_eu
from praho.core.formatting import format_tax_id

COMPANY, INDIVIDUAL = "company", "individual"

# ISO 3166-2:RO: the 41 counties and Bucharest.
ROMANIAN_COUNTIES = {
    "RO-AB": "Alba", "RO-AR": "Arad", "RO-AG": "Argeș", "RO-BC": "Bacău", "RO-BH": "Bihor",
    "RO-BN": "Bistrița-Năsăud", "RO-BT": "Botoșani", "RO-BV": "Brașov", "RO-BR": "Brăila",
    "RO-B": "București", "RO-BZ": "Buzău", "RO-CS": "Caraș-Severin", "RO-CL": "Călărași",
    "RO-CJ": "Cluj", "RO-CT": "Constanța", "RO-CV": "Covasna", "RO-DB": "Dâmbovița", "RO-DJ": "Dolj",
    "RO-GL": "Galați", "RO-GR": "Giurgiu", "RO-GJ": "Gorj", "RO-HR": "Harghita", "RO-HD": "Hunedoara",
    "RO-IL": "Ialomița", "RO-IS": "Iași", "RO-IF": "Ilfov", "RO-MM": "Maramureș", "RO-MH": "Mehedinți",
    "RO-MS": "Mureș", "RO-NT": "Neamț", "RO-OT": "Olt", "RO-PH": "Prahova", "RO-SM": "Satu Mare",
    "RO-SJ": "Sălaj", "RO-SB": "Sibiu", "RO-SV": "Suceava", "RO-TR": "Teleorman", "RO-TM": "Timiș",
    "RO-TL": "Tulcea", "RO-VS": "Vaslui", "RO-VL": "Vâlcea", "RO-VN": "Vrancea",
}  # fmt: skip
BUCHAREST = "RO-B"
BUCHAREST_SECTORS = tuple(f"Sector {n}" for n in range(1, 7))

_LABELS = {
    "cui": gettext_lazy("CUI"),
    "cnp": gettext_lazy("CNP"),
    "vat": gettext_lazy("VAT number"),
    "eik": gettext_lazy("EIK/BULSTAT"),
    "iban": gettext_lazy("IBAN"),
    "onrc": gettext_lazy("Trade register number"),
}


def _invalid(field: str, what: str, error: StdnumError) -> ValidationError:
    label = _LABELS[what]
    if isinstance(error, InvalidChecksum):
        message, code = _("%(label)s is not valid: the check digit is wrong."), "checksum"
    elif isinstance(error, InvalidLength):
        message, code = _("%(label)s is not valid: it has the wrong number of characters."), "length"
    elif isinstance(error, InvalidComponent):
        message, code = (
            _("%(label)s is not valid: part of it is impossible (such as a date or a county code)."),
            "component",
        )
    else:
        message, code = _("%(label)s is not valid: it is not in the expected format."), "format"
    return ValidationError({field: ValidationError(message % {"label": label}, code=code)})


def _check(module: ModuleType, value: str, *, field: str, what: str) -> str:
    try:
        return str(module.validate(value))
    except (InvalidChecksum, InvalidLength, InvalidComponent, InvalidFormat, StdnumError) as error:
        raise _invalid(field, what, error) from None


def normalize_tax_id(*, kind: str, country: str, value: str, field: str = "tax_id") -> str:
    """The tax identifier in the form used to compare customers, or "" when absent.

    Romanian companies: CUI/CIF, with or without "RO" -> "RO" + digits.
    Bulgarian companies: EIK/BULSTAT (or BG VAT number) -> "BG" + digits.
    Other EU companies: the VAT number, prefix optional -> prefix + number.
    Romanian individuals: the CNP (optional) -> its 13 digits.
    Others (non-EU companies, individuals abroad): kept as given, upper-cased.
    Only Romanian companies must have one: every Romanian company has a CUI.
    """
    country = country.upper()
    value = (value or "").strip()
    if not value:
        if kind == COMPANY and country == "RO":
            raise ValidationError(
                {field: ValidationError(_("A Romanian company must have a CUI."), code="required")}
            )
        return ""
    if kind == INDIVIDUAL:
        if country == "RO":
            return _check(ro_cnp, value, field=field, what="cnp")
        return value.upper()
    if country == "RO":
        return "RO" + _check(ro_cui, value, field=field, what="cui")
    if country == "BG":
        return "BG" + _check(bg_vat, value, field=field, what="eik").removeprefix("BG")
    if is_eu(country):
        prefix = VAT_PREFIX.get(country, country)
        compact = re.sub(r"[\s.\-/]", "", value).upper()
        if not compact[:2].isalpha():
            compact = prefix + compact
        if compact[:2] != prefix:
            message = _("%(label)s must belong to the customer's country (%(prefix)s).")
            raise ValidationError(
                {
                    field: ValidationError(
                        message % {"label": _LABELS["vat"], "prefix": prefix}, code="country"
                    )
                }
            )
        return _check(eu_vat, compact, field=field, what="vat")
    return value.upper()


def display_tax_id(normalized: str, *, country: str, vat_payer: bool) -> str:
    """As printed: "RO 12345678" for Romanian VAT payers, the bare CUI otherwise.

    The rule lives in praho.core.formatting (the templates' ``tax_id`` filter uses it too).
    """
    return format_tax_id(normalized, country=country, vat_payer=vat_payer)


def normalize_iban(value: str, *, field: str = "iban") -> str:
    value = (value or "").strip()
    return _check(stdnum_iban, value, field=field, what="iban") if value else ""


def normalize_trade_register(value: str, *, field: str = "trade_register_number") -> str:
    """A Romanian ONRC number, old (J40/123/2020) or 2024 form (J2020000123400)."""
    value = (value or "").strip().upper()
    return _check(ro_onrc, value, field=field, what="onrc") if value else ""


def normalize_phone(value: str, *, region: str = "RO", field: str = "phone") -> str:
    """E.164 ("+40721234567"); national numbers are read as Romanian unless told otherwise."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationError(
            {field: ValidationError(_("Enter a valid phone number, e.g. +40 721 234 567."), code="invalid")}
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def check_romanian_address(*, country: str, county: str, city: str) -> None:
    """In Romania the county is an ISO 3166-2:RO code and a Bucharest city is a sector."""
    if country.upper() != "RO":
        return
    if county not in ROMANIAN_COUNTIES:
        raise ValidationError(
            {
                "county": ValidationError(
                    _("Choose a Romanian county (ISO 3166-2:RO code such as RO-CJ, or RO-B for Bucharest)."),
                    code="county",
                )
            }
        )
    if county == BUCHAREST and city not in BUCHAREST_SECTORS:
        raise ValidationError(
            {
                "city": ValidationError(
                    _("In Bucharest the city is a sector: Sector 1 to Sector 6."), code="sector"
                )
            }
        )
