"""Country facts shared by customers and billing."""

from __future__ import annotations

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


def is_eu(country: str) -> bool:
    return country.upper() in EU_MEMBER_STATES
