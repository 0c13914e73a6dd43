"""The VAT engine: the category, rate and legal mention of what a Romanian seller sells.

The rules work on two small frozen facts, SellerFacts (our company) and
BuyerFacts (the customer), and read nothing but the rate table (VatRate). The
rate is the one in force on the day the tax becomes due: the document's issue
date unless a tax point date is set (`tax_point`).

Who pays what (services, Codul fiscal art. 278; PRAHO sells hosting, domains and
other electronically supplied services):
- a seller that is not registered for VAT charges none (category O, art. 310);
- a customer in Romania pays Romanian VAT (S), unless billing staff exempt the
  supply with its legal reason (E);
- a business in another EU state with a VAT number whose checksum is valid and
  that VIES confirmed pays the VAT itself: reverse charge (AE,
  art. 278(2) Codul fiscal; art. 44 and 196 of Directive 2006/112/EC);
- a consumer in another EU state (and a business without a valid VAT number)
  pays Romanian VAT, or its own state's VAT when the seller uses the OSS scheme;
- a customer outside the EU pays no Romanian VAT: the place of supply is where
  it is established (O; art. 278(2) for businesses, art. 278(5)(h) for
  consumers of electronically supplied services).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Protocol

from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from stdnum.eu import vat as eu_vat

from praho.billing.models.vat import VatCategory, VatRate, VatRateKind
from praho.core.countries import VAT_PREFIX, is_eu

if TYPE_CHECKING:
    from praho.customers.models import Customer

__all__ = [
    "BuyerFacts",
    "SellerFacts",
    "VatCategory",
    "VatTreatment",
    "buyer_facts",
    "determine_treatment",
    "document_mentions",
    "rate_on",
    "rates_in_force",
    "seller_facts",
    "tax_point",
    "vat_override",
]

ROMANIA = "RO"
COMPANY, INDIVIDUAL = "company", "individual"
VIES_VALID = "valid"
ZERO = Decimal("0.00")
_CENT = Decimal("0.01")

# EN 16931 VAT exemption reason codes (CEF VATEX list) for the categories that carry one.
VATEX_REVERSE_CHARGE = "VATEX-EU-AE"
VATEX_NOT_SUBJECT = "VATEX-EU-O"
VATEX_INTRA_COMMUNITY = "VATEX-EU-IC"
VATEX_EXPORT = "VATEX-EU-G"


@dataclass(frozen=True)
class SellerFacts:
    """Our company, as far as VAT is concerned (from the seller settings)."""

    vat_payer: bool
    vat_on_cash_basis: bool = False
    oss_registered: bool = False
    country: str = ROMANIA

    def __post_init__(self) -> None:
        # The rules and mentions below are Romania's (Codul fiscal).
        if self.country != ROMANIA:
            raise ValueError(f"The VAT engine applies Romanian rules; the seller is in {self.country!r}")


@dataclass(frozen=True)
class BuyerFacts:
    """The customer, as far as VAT is concerned."""

    kind: str  # "company" or "individual" (praho.customers.models.CustomerKind)
    country: str  # ISO 3166-1 alpha-2: GR for Greece
    tax_id: str = ""  # normalised: "RO18547290", "DE136695976", "EL094259216"
    vies_status: str = "unchecked"  # "valid", "invalid" or "unchecked"

    @property
    def has_eu_vat_number(self) -> bool:
        """A VAT number of the customer's EU state with a valid checksum that VIES confirmed
        (billing.buyer_vat asks VIES before reverse charge is first determined)."""
        country = self.country.upper()
        number = self.tax_id.upper()
        return (
            is_eu(country)
            and number[:2] == VAT_PREFIX.get(country, country)
            and eu_vat.is_valid(number)
            and self.vies_status == VIES_VALID
        )


@dataclass(frozen=True)
class VatTreatment:
    """How one line is taxed: what the document shows and e-Factura reports.

    `mention` is the legal mention printed on the document (may be empty);
    `exemption_reason_code` and `exemption_reason` are EN 16931 BT-121/BT-120.
    `vat_country` is the state whose VAT the line charges or exempts: Romania unless
    the line charges the customer's state's VAT under OSS; empty when we charge no
    VAT at all (AE, O).
    """

    category: str
    rate: Decimal
    mention: str = ""
    exemption_reason_code: str = ""
    exemption_reason: str = ""
    vat_country: str = ROMANIA


class _SellerSettings(Protocol):
    country: str
    vat_payer: bool
    vat_on_cash_basis: bool
    oss_registered: bool


def seller_facts(settings: _SellerSettings) -> SellerFacts:
    """From the seller settings (a SellerProfile version, or anything with the same fields)."""
    return SellerFacts(
        vat_payer=settings.vat_payer,
        vat_on_cash_basis=settings.vat_on_cash_basis,
        oss_registered=settings.oss_registered,
        country=settings.country,
    )


def buyer_facts(customer: Customer) -> BuyerFacts:
    return BuyerFacts(
        kind=customer.kind,
        country=customer.country.upper(),
        tax_id=customer.tax_id,
        vies_status=customer.vies_status,
    )


def tax_point(*, issue_date: date, tax_point_date: date | None = None) -> date:
    """The day the tax becomes due, whose rate applies: the tax point date if set, else the issue date."""
    return tax_point_date or issue_date


# --- rates --------------------------------------------------------------------------


def default_rate_name(kind: str) -> str:
    """The standard rate has no name; the first (highest) reduced rate is "1"."""
    return "" if kind == VatRateKind.STANDARD else "1"


def rate_on(country: str, kind: str, on: date, *, name: str | None = None) -> Decimal:
    """The rate (percent, two decimals) of that kind in force in `country` on the day `on`."""
    name = default_rate_name(kind) if name is None else name
    found = list(
        VatRate.objects.in_force(on)
        .filter(country=country.upper(), kind=kind, name=name)
        .order_by()  # at most one row is wanted: no sort (it runs on every document issued)
        .values_list("rate", flat=True)[:2]
    )
    if len(found) != 1:
        # Two rows on one day cannot come from the seed or clean(); name it rather than guess.
        message = (
            _("No %(kind)s VAT rate is in force in %(country)s on %(date)s.")
            if not found
            else _("Two %(kind)s VAT rates are in force in %(country)s on %(date)s.")
        )
        label = f"{kind} ({name})" if name else kind
        raise ValidationError(
            {
                "vat_rate": ValidationError(
                    message,
                    code="no_rate" if not found else "ambiguous_rate",
                    params={"kind": label, "country": country.upper(), "date": on.isoformat()},
                )
            }
        )
    return found[0]


def rates_in_force(country: str, on: date) -> list[Decimal]:
    """Every rate (standard and reduced) in force in `country` on the day `on`, highest first."""
    rates = VatRate.objects.in_force(on).filter(country=country.upper()).values_list("rate", flat=True)
    return sorted(set(rates), reverse=True)


# --- mentions -----------------------------------------------------------------------


def _bilingual(romanian: str, translated: str) -> str:
    """Romanian law prescribes the Romanian words; other languages print them beside their own."""
    if (get_language() or "").startswith("ro"):
        return romanian
    return f"{romanian} / {translated}"


def _reverse_charge() -> VatTreatment:
    label = _bilingual("Taxare inversă", _("Reverse charge"))
    basis = _("art. 278(2) of the Romanian Fiscal Code; art. 44 and 196 of Directive 2006/112/EC")
    return VatTreatment(
        category=VatCategory.REVERSE_CHARGE,
        rate=ZERO,
        mention=f"{label} ({basis})",
        exemption_reason_code=VATEX_REVERSE_CHARGE,
        exemption_reason=label,
        vat_country="",
    )


def _seller_not_registered() -> VatTreatment:
    return VatTreatment(
        category=VatCategory.OUTSIDE_SCOPE,
        rate=ZERO,
        mention=_(
            "VAT not charged: the supplier is not registered for VAT "
            "(special exemption scheme for small enterprises, art. 310 of the Romanian Fiscal Code)."
        ),
        exemption_reason_code=VATEX_NOT_SUBJECT,
        exemption_reason=_("The supplier is not registered for VAT (art. 310 of the Romanian Fiscal Code)."),
        vat_country="",
    )


def _outside_the_eu(buyer: BuyerFacts) -> VatTreatment:
    if buyer.kind == COMPANY:
        basis = _(
            "the place of supply is where the customer is established, "
            "art. 278(2) of the Romanian Fiscal Code"
        )
    else:
        basis = _(
            "electronically supplied services are supplied where the customer lives, "
            "art. 278(5)(h) of the Romanian Fiscal Code"
        )
    reason = _("Outside the scope of Romanian VAT")
    return VatTreatment(
        category=VatCategory.OUTSIDE_SCOPE,
        rate=ZERO,
        mention=f"{reason} ({basis}).",
        exemption_reason_code=VATEX_NOT_SUBJECT,
        exemption_reason=reason,
        vat_country="",
    )


def _taxed(country: str, rate: Decimal) -> VatTreatment:
    mention = ""
    if country != ROMANIA:
        mention = _("VAT of %(country)s, declared under the One Stop Shop (OSS) scheme.") % {
            "country": country
        }
    return VatTreatment(category=VatCategory.STANDARD, rate=rate, mention=mention, vat_country=country)


def _exempt(reason: str, code: str) -> VatTreatment:
    return VatTreatment(
        category=VatCategory.EXEMPT,
        rate=ZERO,
        mention=reason,
        exemption_reason_code=code,
        exemption_reason=reason,
        vat_country=ROMANIA,
    )


# --- the rules ----------------------------------------------------------------------


def determine_treatment(
    *,
    seller: SellerFacts,
    buyer: BuyerFacts,
    on: date,
    rate_kind: str = VatRateKind.STANDARD,
    rate_name: str | None = None,
    exempt_reason: str = "",
    exempt_reason_code: str = "",
) -> VatTreatment:
    """The treatment of a line sold by `seller` to `buyer` with the tax due on `on`.

    `exempt_reason` (with an optional VATEX code) asks for an exemption (E) of a
    supply that would be taxed in Romania; the reason must cite the legal basis,
    e.g. "Scutit conform art. 292 alin. (2) lit. ...". ValidationError when the
    supply is not taxed in Romania or no rate is in force.
    """
    treatment = _computed(seller=seller, buyer=buyer, on=on, rate_kind=rate_kind, rate_name=rate_name)
    exempt_reason = exempt_reason.strip()
    exempt_reason_code = exempt_reason_code.strip()
    if not (exempt_reason or exempt_reason_code):
        return treatment
    errors = {}
    if not exempt_reason:
        errors["vat_exemption_reason"] = ValidationError(
            _("Give the legal reason for the exemption."), code="required"
        )
    if not (treatment.category == VatCategory.STANDARD and treatment.vat_country == ROMANIA):
        errors["vat_category"] = ValidationError(
            _("Only a supply taxed with Romanian VAT can be exempted; this one is %(category)s."),
            code="exemption_not_applicable",
            params={"category": treatment.category},
        )
    if errors:
        raise ValidationError(errors)
    return _exempt(exempt_reason, exempt_reason_code)


def _computed(
    *, seller: SellerFacts, buyer: BuyerFacts, on: date, rate_kind: str, rate_name: str | None
) -> VatTreatment:
    if not seller.vat_payer:
        return _seller_not_registered()
    country = buyer.country.upper()
    if country == ROMANIA:
        return _taxed(ROMANIA, rate_on(ROMANIA, rate_kind, on, name=rate_name))
    if not is_eu(country):
        return _outside_the_eu(buyer)
    if buyer.kind == COMPANY and buyer.has_eu_vat_number:
        return _reverse_charge()
    if seller.oss_registered:
        return _taxed(country, rate_on(country, rate_kind, on, name=rate_name))
    return _taxed(ROMANIA, rate_on(ROMANIA, rate_kind, on, name=rate_name))


def document_mentions(seller: SellerFacts, treatments: Iterable[VatTreatment]) -> list[str]:
    """The legal mentions a document prints, each once, in the order of its lines.

    A seller on cash-basis VAT adds "TVA la încasare" (art. 319(20) Codul fiscal)
    to a document that charges Romanian VAT: the cash-basis system defers only
    Romanian VAT, so a document with none (reverse charge, outside the scope,
    exempt) has nothing to defer.
    """
    treatments = list(treatments)
    mentions: list[str] = []
    for treatment in treatments:
        if treatment.mention and treatment.mention not in mentions:
            mentions.append(treatment.mention)
    charges_romanian_vat = any(
        t.category == VatCategory.STANDARD and t.vat_country == ROMANIA for t in treatments
    )
    if seller.vat_payer and seller.vat_on_cash_basis and charges_romanian_vat:
        mentions.append(_bilingual("TVA la încasare", _("VAT on a cash basis")))
    return mentions


# --- overrides ----------------------------------------------------------------------


def vat_override(
    *,
    category: str,
    rate: Decimal | str,
    reason: str,
    country: str,
    on: date,
    exemption_reason: str = "",
    exemption_reason_code: str = "",
) -> VatTreatment:
    """Check a treatment chosen by billing staff instead of the computed one, and build it.

    `country` is the state whose VAT is charged (RO, or the customer's state under
    OSS). A standard-rated line takes one of that state's rates in force on `on`;
    every other category takes 0. `reason` says why (it is audited by the caller);
    an exemption (E) also needs its legal reason. All errors are reported at once,
    keyed vat_category, vat_rate, vat_override_reason and vat_exemption_reason.
    """
    country = country.upper()
    exemption_reason = exemption_reason.strip()
    exemption_reason_code = exemption_reason_code.strip()
    errors: dict[str, ValidationError] = {}
    if category not in VatCategory.values:
        errors["vat_category"] = ValidationError(
            _("Unknown VAT category %(category)s; use one of %(allowed)s."),
            code="invalid_category",
            params={"category": category, "allowed": ", ".join(VatCategory.values)},
        )
    try:
        percent = Decimal(str(rate))
        if not percent.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        errors["vat_rate"] = ValidationError(_("The VAT rate must be a number."), code="invalid")
    else:
        if category == VatCategory.STANDARD:
            allowed = rates_in_force(country, on)
            if percent not in allowed:
                errors["vat_rate"] = ValidationError(
                    _("%(rate)s%% is not a VAT rate of %(country)s on %(date)s; use one of: %(allowed)s."),
                    code="rate_not_in_force",
                    params={
                        "rate": percent,
                        "country": country,
                        "date": on.isoformat(),
                        "allowed": ", ".join(f"{r}%" for r in allowed) or "-",
                    },
                )
        elif category in VatCategory.values and percent != 0:
            errors["vat_rate"] = ValidationError(
                _("A line in category %(category)s has a VAT rate of 0."),
                code="rate_must_be_zero",
                params={"category": category},
            )
    if not reason.strip():
        errors["vat_override_reason"] = ValidationError(
            _("Say why the computed VAT treatment is overridden."), code="required"
        )
    if category == VatCategory.EXEMPT and not exemption_reason:
        errors["vat_exemption_reason"] = ValidationError(
            _("Give the legal reason for the exemption."), code="required"
        )
    if errors:
        raise ValidationError(errors)
    return _overridden(category, percent.quantize(_CENT), country, exemption_reason, exemption_reason_code)


def _overridden(category: str, rate: Decimal, country: str, reason: str, code: str) -> VatTreatment:
    if category == VatCategory.STANDARD:
        return _taxed(country, rate)
    if category == VatCategory.REVERSE_CHARGE:
        return _reverse_charge()
    if category == VatCategory.EXEMPT:
        return _exempt(reason, code)
    if category == VatCategory.OUTSIDE_SCOPE:
        text = reason or _("Outside the scope of Romanian VAT")
        return VatTreatment(category, ZERO, text, code or VATEX_NOT_SUBJECT, text, vat_country="")
    if category == VatCategory.INTRA_COMMUNITY:
        text = reason or _("Intra-community supply, exempt (art. 294(2)(a) of the Romanian Fiscal Code)")
        return VatTreatment(category, ZERO, text, code or VATEX_INTRA_COMMUNITY, text, ROMANIA)
    if category == VatCategory.EXPORT:
        text = reason or _("Export, exempt (art. 294(1)(a) of the Romanian Fiscal Code)")
        return VatTreatment(category, ZERO, text, code or VATEX_EXPORT, text, ROMANIA)
    return VatTreatment(category, ZERO, reason, code, reason, ROMANIA)  # Z: zero rated
