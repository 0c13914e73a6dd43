"""Country facts shared by customers and billing."""

from __future__ import annotations

from babel import Locale

# Codes CLDR (through Babel) names that ISO 3166-1 does not assign: groupings (EU, EZ, UN),
# exceptionally reserved codes (AC, CP, CQ, DG, EA, IC, TA), pseudo-locales (XA, XB), the
# user-assigned codes CLDR uses (QO outlying Oceania, XK Kosovo, which e-Factura's code list
# does not take) and "unknown region" (ZZ).
NOT_ISO_COUNTRIES = frozenset(
    {"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "XK", "ZZ"}
)

# The ISO 3166-1 alpha-2 codes assigned to countries and territories (249), from the CLDR data
# Babel ships and keeps up to date, rather than a list typed by hand.
ISO_COUNTRIES = frozenset(
    code
    for code in map(str, Locale.parse("en").territories)
    if len(code) == 2 and code.isalpha() and code not in NOT_ISO_COUNTRIES
)

# ISO 3166-1 alpha-2 codes of the 27 EU member states.
EU_MEMBER_STATES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)

# VAT numbers carry the ISO code, except Greece's, which use "EL".
VAT_PREFIX = {"GR": "EL"}


def is_country(code: str) -> bool:
    """Whether `code` (in any case) is an assigned ISO 3166-1 alpha-2 code."""
    return code.upper() in ISO_COUNTRIES


def is_eu(country: str) -> bool:
    return country.upper() in EU_MEMBER_STATES
