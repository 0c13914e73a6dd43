"""The code lists and fixed values of RO e-Factura (CIUS-RO 1.0.1 on EN 16931), and the
mapping of what billing stores onto them.

Billing stores Romanian addresses with ISO 3166-2:RO county codes and "Sector 1".."Sector 6"
as the city in Bucharest (praho.customers.rules.identifiers); CIUS-RO wants the same county codes
(BR-RO-110/111) and "SECTOR1".."SECTOR6" as the Bucharest city (BR-RO-100/101). Exemption
reason codes are stored as billing staff typed them; only codes of the CEF VATEX list may go
into the XML (BR-CL-22), the reason text always may.
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from praho.customers.rules.identifiers import BUCHAREST, ROMANIAN_COUNTIES

# BT-24: the CIUS-RO specification identifier ANAF's rules check (BR-RO-001).
CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:efactura.mfinante.ro:CIUS-RO:1.0.1"

# BT-3, UNTDID 1001.
INVOICE_TYPE_CODE = "380"
CREDIT_NOTE_TYPE_CODE = "381"

# BT-81, UNCL 4461: invoices are paid by credit transfer to the seller's IBAN. A credit note
# carries payment terms instead (it is settled against what the customer owes, or refunded).
PAYMENT_MEANS_CREDIT_TRANSFER = "30"

# BT-8, UNTDID 2005 as CIUS-RO restricts it (BR-RO-040): VAT due when paid, for VAT on a cash
# basis, whose documents carry this mention (praho.billing.rules.vat.document_mentions).
TAX_POINT_PAID = "432"
CASH_BASIS_MENTION = "TVA la încasare"

# BT-140, UNCL 5189: a line discount.
ALLOWANCE_REASON_DISCOUNT = "95"
ALLOWANCE_REASON_DISCOUNT_TEXT = "Reducere"

# BT-6: VAT is accounted in RON in Romania.
TAX_CURRENCY = "RON"

# BT-47 of a person whose CNP the seller does not know (ANAF's convention for B2C invoices).
UNKNOWN_CNP = "0000000000000"

VAT_SCHEME = "VAT"

# CIUS-RO text limits (characters, after whitespace is normalised).
MAX_NOTE = 300  # BT-22, BR-RO-L302
MAX_NOTES = 20  # BG-1, BR-RO-A020
MAX_ITEM_NAME = 100  # BT-153, BR-RO-L1024
MAX_ITEM_DESCRIPTION = 200  # BT-154, BR-RO-L212
MAX_LINE_NOTE = 300  # BT-127, BR-RO-L303
MAX_EXEMPTION_REASON = 100  # BT-120, BR-RO-L1019
MAX_PARTY_NAME = 200  # BT-27, BT-44, BR-RO-L201/L203
MAX_STREET = 150  # BT-35, BT-50, BR-RO-L151/L152
MAX_ADDITIONAL_STREET = 100  # BT-36, BT-51, BR-RO-L1002/L1007
MAX_CITY = 50  # BT-37, BT-52, BR-RO-L0501/L0502
MAX_POSTAL_ZONE = 20  # BT-38, BT-53, BR-RO-L0201/L0202
MAX_CONTACT = 100  # BT-42, BT-43, BT-58, BR-RO-L1005/L1006/L1011
MAX_LEGAL_INFORMATION = 1000  # BT-33, BR-RO-L1000

# The CEF VATEX code list as ANAF's CIUS-RO 1.0.9 rules accept it (BR-CL-22), as they write it.
_VATEX_LIST = """
    VATEX-EU-79-C VATEX-EU-132 VATEX-EU-132-1A VATEX-EU-132-1B VATEX-EU-132-1C VATEX-EU-132-1D
    VATEX-EU-132-1E VATEX-EU-132-1F VATEX-EU-132-1G VATEX-EU-132-1H VATEX-EU-132-1I VATEX-EU-132-1J
    VATEX-EU-132-1K VATEX-EU-132-1L VATEX-EU-132-1M VATEX-EU-132-1N VATEX-EU-132-1O VATEX-EU-132-1P
    VATEX-EU-132-1Q VATEX-EU-143 VATEX-EU-143-1A VATEX-EU-143-1B VATEX-EU-143-1C VATEX-EU-143-1D
    VATEX-EU-143-1E VATEX-EU-143-1F VATEX-EU-143-1FA VATEX-EU-143-1G VATEX-EU-143-1H VATEX-EU-143-1I
    VATEX-EU-143-1J VATEX-EU-143-1K VATEX-EU-143-1L VATEX-EU-309 VATEX-EU-148 VATEX-EU-148-A
    VATEX-EU-148-B VATEX-EU-148-C VATEX-EU-148-D VATEX-EU-148-E VATEX-EU-148-F VATEX-EU-148-G
    VATEX-EU-151 VATEX-EU-151-1A VATEX-EU-151-1AA VATEX-EU-151-1B VATEX-EU-151-1C VATEX-EU-151-1D
    VATEX-EU-151-1E VATEX-EU-G VATEX-EU-O VATEX-EU-IC VATEX-EU-AE VATEX-EU-D VATEX-EU-F VATEX-EU-I
    VATEX-EU-J
"""
VATEX_CODES = frozenset(_VATEX_LIST.split())

# Categories whose VAT breakdown must state why no VAT is charged (BR-E-10, BR-AE-10, BR-O-10,
# BR-IC-10, BR-G-10), with the code and Romanian text used when the lines carry none.
EXEMPTION_DEFAULTS = {
    "AE": ("VATEX-EU-AE", "Taxare inversă"),
    "O": ("VATEX-EU-O", "Operațiune neimpozabilă în România"),
    "K": ("VATEX-EU-IC", "Livrare intracomunitară scutită de TVA"),
    "G": ("VATEX-EU-G", "Export scutit de TVA"),
    "E": ("", ""),  # an exemption always needs its own legal basis; billing requires it
}
# Categories whose breakdown must carry no exemption reason (BR-S-10, BR-Z-10).
TAXED_CATEGORIES = frozenset({"S", "Z"})
# "Not subject to VAT" lines and breakdowns carry no rate (BR-O-05, BR-O-14 ...).
NO_RATE_CATEGORIES = frozenset({"O"})
OUTSIDE_SCOPE = "O"
INTRA_COMMUNITY = "K"

_SECTOR = re.compile(r"^sector(?:ul)?\s*([1-6])$")
_COUNTY_NAMES = {
    "".join(c for c in unicodedata.normalize("NFKD", name.casefold()) if not unicodedata.combining(c)): code
    for code, name in ROMANIAN_COUNTIES.items()
}
_COUNTY_NAMES.update({"bucuresti": BUCHAREST, "municipiul bucuresti": BUCHAREST})


def exemption_code(stored: str) -> str:
    """The stored reason code when it belongs to the VATEX list (upper-cased), else ""."""
    code = stored.strip().upper()
    return code if code in VATEX_CODES else ""


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def romanian_county(county: str, *, field: str) -> str:
    """The ISO 3166-2:RO code of a Romanian county stored as a code ("RO-CJ", "CJ") or a name
    ("Cluj", "Argeș"); ValidationError naming `field` otherwise (BR-RO-110/111)."""
    value = county.strip().upper()
    if value in ROMANIAN_COUNTIES:
        return value
    if f"RO-{value}" in ROMANIAN_COUNTIES:
        return f"RO-{value}"
    code = _COUNTY_NAMES.get(_plain(county).removeprefix("judetul ").removeprefix("judet "))
    if code is None:
        raise ValidationError(
            {
                field: ValidationError(
                    _(
                        "e-Factura needs the county of a Romanian address as an ISO 3166-2:RO code "
                        "(such as RO-CJ, or RO-B for Bucharest); %(county)s is not one."
                    ),
                    code="county",
                    params={"county": repr(county)},
                )
            }
        )
    return code


def bucharest_sector(city: str, *, field: str) -> str:
    """ "SECTOR1".."SECTOR6" for a Bucharest city stored as "Sector 1" (BR-RO-100/101)."""
    match = _SECTOR.match(_plain(city))
    if match is None:
        raise ValidationError(
            {
                field: ValidationError(
                    _("e-Factura needs a Bucharest address's city to be a sector (Sector 1 to Sector 6)."),
                    code="sector",
                )
            }
        )
    return f"SECTOR{match.group(1)}"


def shorten(text: str, limit: int) -> str:
    """The text with its whitespace normalised (as the rules count it), cut at a word boundary
    with an ellipsis when longer than `limit` characters."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.-") + "…"


def split_text(text: str, limit: int) -> list[str]:
    """The text (whitespace normalised) in pieces of at most `limit` characters, cut between words."""
    words = text.split()
    pieces: list[str] = []
    current = ""
    for word in words:
        while len(word) > limit:  # a single word longer than a piece
            if current:
                pieces.append(current)
                current = ""
            pieces.append(word[:limit])
            word = word[limit:]
        candidate = f"{current} {word}" if current else word
        if len(candidate) <= limit:
            current = candidate
        else:
            pieces.append(current)
            current = word
    if current:
        pieces.append(current)
    return pieces
