"""The parties of the e-Factura XML (praho.efactura.ubl.document): seller, buyer and delivery address, from
the seller's profile version and the buyer's snapshot frozen at issue."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from praho.billing.models import Document, SellerProfile
from praho.core.countries import VAT_PREFIX, is_eu
from praho.customers.models import CustomerKind
from praho.customers.rules.identifiers import BUCHAREST
from praho.efactura.ubl import codes
from praho.efactura.ubl.elements import Element, cac, cbc, day, optional


def seller_of(document: Document) -> SellerProfile:
    seller = document.seller
    if seller is None:  # issuing always snapshots the seller; refuse rather than guess
        raise ValidationError(
            {"seller": ValidationError(_("The document has no seller snapshot."), code="no_seller")}
        )
    return seller


def _address(values: dict[str, str], *, field: str, tag: str = "PostalAddress") -> Element:
    """BG-5 / BG-8 (BG-15 as "Address"): street (split over the additional street line when long),
    city, postal code, county (ISO 3166-2:RO in Romania; SECTOR1..6 as city in Bucharest), country."""
    country = (values.get("country") or "").strip().upper()
    county = (values.get("county") or "").strip()
    city = values.get("city") or ""
    if country == "RO":
        county = codes.romanian_county(county, field=f"{field}.county")
        if county == BUCHAREST:
            city = codes.bucharest_sector(city, field=f"{field}.city")
    street, additional = _street_lines(values.get("street") or "")
    return cac(
        tag,
        cbc("StreetName", street),
        optional("AdditionalStreetName", additional),
        cbc("CityName", codes.shorten(city, codes.MAX_CITY)),
        optional("PostalZone", codes.shorten(values.get("postal_code") or "", codes.MAX_POSTAL_ZONE)),
        optional("CountrySubentity", county),
        cac("Country", cbc("IdentificationCode", country)),
    )


def _street_lines(street: str) -> tuple[str, str]:
    pieces = codes.split_text(street, codes.MAX_STREET)
    if len(pieces) <= 1:
        return (pieces[0] if pieces else ""), ""
    rest = " ".join(pieces[1:])
    return pieces[0], codes.shorten(rest, codes.MAX_ADDITIONAL_STREET)


def _tax_scheme(company_id: str | None) -> Element | None:
    """A VAT identifier (BT-31, BT-48)."""
    if not company_id:
        return None
    return cac(
        "PartyTaxScheme",
        cbc("CompanyID", company_id),
        cac("TaxScheme", cbc("ID", codes.VAT_SCHEME)),
    )


def _legal_entity(name: str, company_id: str, legal_information: str = "") -> Element:
    """BT-27 / BT-44 name, BT-30 / BT-47 legal registration identifier, BT-33 legal information."""
    return cac(
        "PartyLegalEntity",
        cbc("RegistrationName", codes.shorten(name, codes.MAX_PARTY_NAME)),
        optional("CompanyID", company_id),
        optional("CompanyLegalForm", codes.shorten(legal_information, codes.MAX_LEGAL_INFORMATION)),
    )


def _contact(phone: str, email: str) -> Element | None:
    if not (phone or email):
        return None
    return cac(
        "Contact",
        optional("Telephone", codes.shorten(phone, codes.MAX_CONTACT)),
        optional("ElectronicMail", codes.shorten(email, codes.MAX_CONTACT)),
    )


def supplier(seller: SellerProfile, *, outside_scope: bool) -> Element:
    """BG-4: the seller's VAT code (BT-31) unless the document is outside the scope of VAT, its
    CUI (BT-30) and trade register number (BT-33, required on Romanian invoices)."""
    cui = seller.tax_id.strip().upper().removeprefix("RO")
    register = f"Nr. Reg. Com. {seller.trade_register_number}" if seller.trade_register_number else ""
    address = {
        "street": seller.street,
        "city": seller.city,
        "county": seller.county,
        "postal_code": seller.postal_code,
        "country": seller.country,
    }
    return cac(
        "AccountingSupplierParty",
        cac(
            "Party",
            _address(address, field="seller"),
            None if outside_scope else _tax_scheme(seller.tax_id.strip().upper()),
            _legal_entity(seller.name, cui, register),
            _contact(seller.phone, seller.email),
        ),
    )


def _buyer(document: Document) -> dict[str, str]:
    return {key: str(value or "") for key, value in (document.buyer or {}).items()}


def customer(document: Document, categories: set[str]) -> Element:
    """BG-7, from the buyer's snapshot at issue."""
    buyer = _buyer(document)
    vat_id, legal_id = _buyer_identifiers(document, buyer, categories)
    return cac(
        "AccountingCustomerParty",
        cac(
            "Party",
            _address(buyer, field="buyer"),
            _tax_scheme(vat_id),
            _legal_entity(buyer.get("name", ""), legal_id),
            _contact("", buyer.get("email", "")),
        ),
    )


def _buyer_identifiers(document: Document, buyer: dict[str, str], categories: set[str]) -> tuple[str, str]:
    """(VAT identifier BT-48 or "", legal registration identifier BT-47 or "").

    A document that charges or exempts VAT must identify the buyer (BR-RO-120): people by CNP,
    or "0000000000000" when it is not known; so are companies without any identifier. Under
    "not subject to VAT" no VAT identifier is given (BR-O-02).
    """
    tax_id = buyer.get("tax_id", "").strip().upper()
    country = buyer.get("country", "").strip().upper()
    outside_scope = codes.OUTSIDE_SCOPE in categories
    if buyer.get("kind") == CustomerKind.INDIVIDUAL:
        return "", tax_id or codes.UNKNOWN_CNP
    vat_id = "" if outside_scope else _buyer_vat_number(document, tax_id, country)
    # A Romanian company's CUI, by which ANAF delivers the invoice; abroad the tax identifier
    # unless it is the VAT number given already.
    legal_id = tax_id.removeprefix("RO") if country == "RO" else ("" if vat_id else tax_id)
    if not (vat_id or legal_id) and not outside_scope:
        legal_id = codes.UNKNOWN_CNP
    return vat_id, legal_id


def _buyer_vat_number(document: Document, tax_id: str, country: str) -> str:
    """A Romanian company's CUI with RO when it was a VAT payer at issue; an EU company's VAT
    number (it carries its state's prefix); nothing for others (BR-CO-09 wants a prefix)."""
    if not tax_id:
        return ""
    if country == "RO":
        profile = document.customer_profile
        return tax_id if profile is not None and profile.vat_payer else ""
    if is_eu(country) and tax_id.startswith(VAT_PREFIX.get(country, country)):
        return tax_id
    return ""


def delivery(document: Document, categories: set[str], *, supplied_on: date | None = None) -> Element | None:
    """An intra-community supply (K) states when and where it was delivered (BR-IC-11/12): on the
    tax point (else issue) date, to the buyer's address, whose region CIUS-RO requires (BR-RO-211).
    Otherwise only `supplied_on` (BT-72), when the date of the supply must be stated apart."""
    if codes.INTRA_COMMUNITY not in categories:
        return cac("Delivery", cbc("ActualDeliveryDate", day(supplied_on))) if supplied_on else None
    buyer = _buyer(document)
    if not buyer.get("county", "").strip():
        raise ValidationError(
            {
                "buyer.county": ValidationError(
                    _(
                        "An intra-community supply (K) names the delivery address with its region "
                        "(county) for e-Factura (BR-RO-211); the buyer's address has none."
                    ),
                    code="no_delivery_region",
                )
            }
        )
    return cac(
        "Delivery",
        cbc("ActualDeliveryDate", day(document.tax_point_date or document.issue_date)),
        cac("DeliveryLocation", _address(buyer, field="buyer", tag="Address")),
    )
