"""What a document's PDF prints, formatted for its language: the template's context (pdf.py renders it).

Choices made here (the legal items and where they print are listed in pdf.py):

- **Amount due when rendered.** The payment instructions (bank transfer, payment reference,
  amount due, due date, EPC QR code) print only when something is due at the time the PDF is
  rendered: an issued proforma's total, an issued invoice's outstanding amount (its total less
  payments, customer credit applied and credit notes, as the ledger has it then). An invoice with
  nothing left to pay says "Paid on <date of the last payment>" instead; the stored PDF of an
  invoice converted from a paid proforma is rendered after the conversion's commit, so it says so.
  Converted and cancelled proformas ask for nothing.
- **Storno.** A credit note's data are positive (the ledger module explains why); its PDF prints
  quantities and amounts with a minus sign, as Romanian practice does (unit prices stay
  positive), names the invoice it corrects (number and date) under its title, and carries no
  payment instructions: no IBAN, no QR code, no amount due.
- **VAT in RON per rate** (Codul fiscal art. 319(20)) for a foreign-currency document with more
  than one VAT rate: see `vat_in_ron_per_rate`. With one rate the total is that rate's amount.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from babel import Locale
from babel.numbers import format_decimal, format_percent
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from segno import helpers as segno_helpers

from praho.billing.models import (
    Document,
    DocumentLine,
    DocumentStatus,
    DocumentType,
    LedgerTransaction,
    SellerProfile,
    TransactionKind,
)
from praho.billing.rules.totals import LineInput, compute_totals
from praho.billing.rules.units import UNIT_CODES
from praho.core.formatting import babel_locale, format_date, format_money, format_tax_id
from praho.core.money import CENT, Currency, round_money
from praho.customers.models import Customer, TaxProfile
from praho.customers.rules.identifiers import ROMANIAN_COUNTIES
from praho.customers.services.customers import current_profile

DEFAULT_LANGUAGE = "ro"
ZERO = Decimal("0.00")

# EN 16931 VAT category codes (UNCL5305) that need words beside their rate.
VAT_CATEGORY_NAMES: dict[str, Promise] = {
    "AE": gettext_lazy("reverse charge"),
    "E": gettext_lazy("exempt"),
    "O": gettext_lazy("outside the scope of VAT"),
    "Z": gettext_lazy("zero rated"),
    "K": gettext_lazy("intra-community supply"),
    "G": gettext_lazy("export outside the EU"),
}

# Printed in Romanian on every proforma (as the VAT engine does for legal mentions);
# the document language's version follows after " / " when it is not Romanian.
PROFORMA_NOTICE_RO = "Proformă — nu este document fiscal"

# EPC QR (EPC069-12): beneficiary name up to 70 characters, unstructured text up to
# 140, amount from 0.01 to 999,999,999.99 EUR.
_EPC_NAME_MAX = 70
_EPC_TEXT_MAX = 140
_EPC_AMOUNT_MAX = Decimal("999999999.99")

_PAYING_KINDS = (TransactionKind.PAYMENT_RECEIVED, TransactionKind.CREDIT_APPLIED)


def _proforma_notice() -> str:
    return _("Proforma — not a fiscal document")


def document_language(document: Document) -> str:
    """ro, en or bg: the snapshotted profile's language, else the current profile's, else ro."""
    offered = {code for code, _name in settings.LANGUAGES}
    profile = _profile(document)
    language = profile.document_language if profile is not None else ""
    return language if language in offered else DEFAULT_LANGUAGE


def _profile(document: Document) -> TaxProfile | None:
    if document.customer_profile is not None:
        return document.customer_profile
    try:
        return current_profile(document.customer)
    except TaxProfile.DoesNotExist:
        return None


def payment_reference(document: Document) -> str:
    """What the payer quotes: the document's number ("PRH-2026-000123", "PRF-…" for a
    proforma); a draft has none yet."""
    if document.status == DocumentStatus.DRAFT:
        return ""
    return document.number


def amount_due(document: Document) -> Decimal:
    """What the PDF asks to be paid, now: an issued proforma's total, an issued invoice's
    outstanding amount (stored with it by the ledger); nothing for anything else."""
    if document.status != DocumentStatus.ISSUED:
        return ZERO
    if document.document_type == DocumentType.PROFORMA:
        return document.total
    if document.document_type == DocumentType.INVOICE:
        return document.outstanding_amount
    return ZERO


def epc_qr_svg(document: Document) -> str | None:
    """An EPC (SEPA credit transfer) QR code as inline SVG for the amount due on an issued EUR
    invoice or proforma, when something is due and the seller has an IBAN; None otherwise."""
    seller = document.seller
    reference = payment_reference(document)
    amount = amount_due(document)
    if (
        document.currency != Currency.EUR
        or seller is None
        or not seller.iban
        or not reference
        or not Decimal("0.01") <= amount <= _EPC_AMOUNT_MAX
    ):
        return None
    qr = segno_helpers.make_epc_qr(
        name=seller.name[:_EPC_NAME_MAX],
        iban=seller.iban.replace(" ", "").upper(),
        amount=amount,
        text=reference[:_EPC_TEXT_MAX],
    )
    svg: str = qr.svg_inline(scale=1, border=0, omitsize=True, dark="#000")
    return svg


def vat_in_ron_per_rate(
    vat_amounts: Sequence[Decimal], exchange_rate: Decimal, total_ron: Decimal
) -> list[Decimal]:
    """Each VAT rate's amount in RON, adding up to the document's stored VAT in RON.

    Each is the rate's VAT times the document's BNR rate, rounded half-up to cents. Rounded one
    by one they may miss the total (itself the rounded product of the whole VAT) by a cent here
    and there; the total stays as stored, and the cents of difference go one each to the rates
    whose exact amounts lie nearest to rounding the other way (the largest-remainder method).
    So the column adds up to the total printed under it, and no rate is more than a cent from
    its exact amount. Rates without VAT are left at zero when another rate can take the cent.
    """
    exact = [amount * exchange_rate for amount in vat_amounts]
    rounded = [round_money(value) for value in exact]
    cents = int((total_ron - sum(rounded, ZERO)) / CENT)
    if not cents:
        return rounded
    direction = 1 if cents > 0 else -1
    taking = [index for index, value in enumerate(exact) if value] or list(range(len(exact)))
    # Adding a cent: those rounded down the most first; taking one away: those rounded up the most.
    taking.sort(key=lambda index: direction * (exact[index] - rounded[index]), reverse=True)
    for turn in range(abs(cents)):
        rounded[taking[turn % len(taking)]] += direction * CENT
    return rounded


# --- what the template prints -----------------------------------------------------------


@dataclass(frozen=True)
class PartyView:
    name: str
    tax_id: str
    trade_register_number: str
    address_lines: tuple[str, ...]
    email: str = ""


@dataclass(frozen=True)
class LineView:
    position: int
    description: str
    unit: str
    quantity: str
    unit_price: str
    discount: str
    vat: str
    net_amount: str


@dataclass(frozen=True)
class VatRowView:
    label: str
    taxable_amount: str
    vat_amount: str
    vat_amount_ron: str  # only on foreign-currency documents with several rates


class _Printer:
    """Formats one document's numbers in its language, with a credit note's minus sign."""

    def __init__(self, document: Document, language: str) -> None:
        self.language = language
        self.locale = babel_locale(language)
        self.currency = document.currency
        self.sign = -1 if document.document_type == DocumentType.CREDIT_NOTE else 1

    def money(self, amount: Decimal, currency: str | None = None) -> str:
        return format_money(self.sign * amount, currency or self.currency, self.language)

    def number(self, value: Decimal, pattern: str) -> str:
        return format_decimal(self.sign * value, pattern, locale=self.locale)


def document_context(document: Document, language: str) -> dict[str, Any]:
    printer = _Printer(document, language)
    seller = _seller(document)
    # By position: the model's ordering would join the document only to sort by its date.
    lines = list(document.lines.order_by("position"))
    is_draft = document.status == DocumentStatus.DRAFT
    is_credit_note = document.document_type == DocumentType.CREDIT_NOTE
    return {
        "language": language,
        "title": _title(document),
        "is_draft": is_draft,
        "is_proforma": document.document_type == DocumentType.PROFORMA,
        "is_credit_note": is_credit_note,
        "number": "" if is_draft else document.number,
        "proforma_notice": _bilingual(PROFORMA_NOTICE_RO, _proforma_notice(), language),
        "credited": _credited(document, language),
        "issue_date": format_date(document.issue_date, language),
        "tax_point_date": _other_date(document.tax_point_date, document.issue_date, language),
        "due_date": format_date(document.due_date, language),
        "valid_until": format_date(document.valid_until, language) if document.valid_until else "",
        "currency": document.currency,
        "seller": _seller_view(seller, language),
        "buyer": _buyer_view(document, language),
        "lines": [_line_view(line, printer) for line in lines],
        "has_discounts": any(line.discount for line in lines),
        **_vat_context(document, lines, printer),
        "net_total": printer.money(document.net_total),
        "vat_total": printer.money(document.vat_total),
        "total": printer.money(document.total),
        # Fixed at issue by the VAT engine, in the document's language; a draft has none yet.
        "mentions": [str(mention) for mention in document.mentions],
        # A credit note asks for no payment: its seller block leaves the bank account out too.
        "iban": "" if is_credit_note else _grouped_iban(seller.iban),
        "bank_name": "" if is_credit_note else seller.bank_name,
        **_payment_context(document, printer),
        "notes": document.notes,
    }


def _vat_context(document: Document, lines: list[DocumentLine], printer: _Printer) -> dict[str, Any]:
    """The VAT breakdown (per rate, in RON too for foreign currencies), the rate and the VAT in RON.

    An issued invoice or credit note prints the breakdown stored at issue (billing.issuing; a credit
    note's is its exact share of the invoice's), RON amounts per rate included; a draft or proforma
    computes it from its lines, its RON amounts per rate by `vat_in_ron_per_rate`.
    """
    total_ron = document.vat_total_ron if document.currency != Currency.RON else None
    rate = document.exchange_rate
    stored = list(document.vat_subtotals.all()) if document.is_locked else []
    if stored:
        groups = [(row.category, row.rate, row.taxable_amount, row.vat_amount) for row in stored]
        in_ron = [row.vat_amount_ron for row in stored]
    else:
        breakdown = compute_totals(
            LineInput(line.quantity, line.unit_price, line.vat_category, line.vat_rate, line.discount)
            for line in lines
        ).vat_breakdown
        groups = [(group.category, group.rate, group.taxable_amount, group.vat_amount) for group in breakdown]
        in_ron = [None] * len(groups)
        if total_ron is not None and rate is not None:
            in_ron = list(vat_in_ron_per_rate([group.vat_amount for group in breakdown], rate, total_ron))
    per_rate_in_ron = total_ron is not None and len(groups) > 1
    return {
        "vat_rows": [
            VatRowView(
                label=_vat_label(category, vat_rate, printer.locale),
                taxable_amount=printer.money(taxable),
                vat_amount=printer.money(vat_amount),
                vat_amount_ron=printer.money(ron, Currency.RON)
                if per_rate_in_ron and ron is not None
                else "",
            )
            for (category, vat_rate, taxable, vat_amount), ron in zip(groups, in_ron, strict=True)
        ],
        "vat_per_rate_in_ron": per_rate_in_ron,
        "exchange_rate": _exchange_rate(document, printer.locale),
        "vat_total_ron": printer.money(total_ron, Currency.RON) if total_ron is not None else "",
    }


def _payment_context(document: Document, printer: _Printer) -> dict[str, Any]:
    """How to pay (when something is due), or that it was paid; nothing on a credit note."""
    nothing = {"show_payment": False, "payable": False, "amount_due": "", "paid_so_far": "", "paid_on": ""}
    if document.document_type == DocumentType.CREDIT_NOTE:
        return nothing | {"payment_reference": "", "epc_qr": None}
    due = amount_due(document)
    paid = document.paid_amount if document.document_type == DocumentType.INVOICE else ZERO
    is_draft = document.status == DocumentStatus.DRAFT
    paid_on = _paid_on(document, printer.language) if due <= 0 and paid > 0 else ""
    return nothing | {
        "show_payment": is_draft or due > 0 or bool(paid_on),
        # A draft previews where to pay; it has no number to quote yet, nor an amount due.
        "payable": is_draft or due > 0,
        "payment_reference": payment_reference(document) if due > 0 else "",
        "amount_due": printer.money(due) if due > 0 else "",
        "paid_so_far": printer.money(paid) if due > 0 and paid > 0 else "",
        "paid_on": paid_on,
        "epc_qr": epc_qr_svg(document),
    }


def _paid_on(document: Document, language: str) -> str:
    """ "Paid on 10 Mar 2026": the day of the last payment or credit applied to the invoice."""
    last = LedgerTransaction.objects.filter(document=document, kind__in=_PAYING_KINDS).aggregate(
        day=Max("occurred_on")
    )["day"]
    if last is None:  # paid, by the stored amounts, with no payment to date it by
        return pgettext("a document's payment state", "Paid")
    return _("Paid on %(date)s") % {"date": format_date(last, language)}


def _credited(document: Document, language: str) -> str:
    credited = document.credited_document
    if credited is None:
        return ""
    return _("Corrects invoice %(number)s of %(date)s") % {
        "number": credited.number,
        "date": format_date(credited.issue_date, language),
    }


def _title(document: Document) -> str:
    titles = {
        DocumentType.PROFORMA: _("Proforma invoice"),
        DocumentType.INVOICE: _("Invoice"),
        DocumentType.CREDIT_NOTE: _("Credit note"),
    }
    return titles[DocumentType(document.document_type)]


def _bilingual(romanian: str, translated: str, language: str) -> str:
    if language == "ro" or translated == romanian:
        return romanian
    return f"{romanian} / {translated}"


def _other_date(value: date | None, issue_date: date, language: str) -> str:
    return format_date(value, language) if value is not None and value != issue_date else ""


def _seller(document: Document) -> SellerProfile:
    """The snapshot of an issued document; a draft previews the seller's current data."""
    if document.seller is not None:
        return document.seller
    seller = SellerProfile.objects.order_by("-version").first()
    if seller is None:
        raise ValidationError(
            _("The seller's data (our company) is not configured yet; an administrator sets it first."),
            code="no_seller",
        )
    return seller


def _seller_view(seller: SellerProfile, language: str) -> PartyView:
    return PartyView(
        name=seller.name,
        tax_id=format_tax_id(seller.tax_id, country=seller.country, vat_payer=seller.vat_payer),
        trade_register_number=seller.trade_register_number,
        address_lines=_address_lines(
            {
                "street": seller.street,
                "city": seller.city,
                "county": seller.county,
                "postal_code": seller.postal_code,
                "country": seller.country,
            },
            language,
        ),
        email=seller.email,
    )


def _buyer_snapshot(document: Document) -> dict[str, str]:
    """The buyer as issued; a draft previews the customer's current data and billing address."""
    if document.buyer:
        return {key: str(value or "") for key, value in document.buyer.items()}
    customer: Customer = document.customer
    address = customer.addresses.filter(is_billing=True).first()
    return {
        "name": customer.name,
        "tax_id": customer.tax_id,
        "trade_register_number": customer.trade_register_number,
        "street": address.street if address else "",
        "city": address.city if address else "",
        "county": address.county if address else "",
        "postal_code": address.postal_code if address else "",
        "country": address.country if address else customer.country,
        "email": customer.email,
    }


def _buyer_view(document: Document, language: str) -> PartyView:
    buyer = _buyer_snapshot(document)
    profile = _profile(document)
    tax_id = buyer.get("tax_id", "")
    country = buyer.get("country", "") or document.customer.country
    return PartyView(
        name=buyer.get("name", ""),
        tax_id=format_tax_id(tax_id, country=country, vat_payer=bool(profile and profile.vat_payer))
        if tax_id
        else "",
        trade_register_number=buyer.get("trade_register_number", ""),
        address_lines=_address_lines(buyer, language),
        email=buyer.get("email", ""),
    )


def _address_lines(address: dict[str, str], language: str) -> tuple[str, ...]:
    country = (address.get("country") or "").upper()
    county = address.get("county") or ""
    city = address.get("city") or ""
    if country == "RO" and county in ROMANIAN_COUNTIES:
        county_name = ROMANIAN_COUNTIES[county]
        # Bucharest has sectors, not a county: "Sector 1, București".
        county = county_name if county == "RO-B" else _("%(county)s county") % {"county": county_name}
    locality = ", ".join(
        part for part in (" ".join(filter(None, (address.get("postal_code"), city))), county) if part
    )
    territories = Locale.parse(babel_locale(language)).territories
    return tuple(
        line for line in (address.get("street") or "", locality, territories.get(country, country)) if line
    )


def _line_view(line: DocumentLine, printer: _Printer) -> LineView:
    unit_name = UNIT_CODES.get(line.unit_code)
    return LineView(
        position=line.position,
        description=line.description,
        unit=str(unit_name) if unit_name is not None else line.unit_code,
        quantity=printer.number(line.quantity, "#,##0.####"),
        # A price is a price: a credit note's quantity and amounts carry the minus sign.
        unit_price=format_decimal(line.unit_price, "#,##0.00##", locale=printer.locale),
        discount=printer.number(line.discount, "#,##0.00") if line.discount else "",
        vat=_vat_label(line.vat_category, line.vat_rate, printer.locale, short=True),
        net_amount=printer.number(line.net_amount, "#,##0.00"),
    )


def _vat_label(category: str, rate: Decimal, locale: str, *, short: bool = False) -> str:
    """ "21 %" for the standard category; "0 % AE" (lines) or "0 % — reverse charge" (breakdown)."""
    percent = format_percent(rate / 100, locale=locale, decimal_quantization=False)
    name = VAT_CATEGORY_NAMES.get(category)
    if category == "S":
        return percent
    if short or name is None:
        return f"{percent} {category}"
    return f"{percent} — {name}"


def _exchange_rate(document: Document, locale: str) -> str:
    if document.currency == Currency.RON or document.exchange_rate is None:
        return ""
    rate = format_decimal(document.exchange_rate, "#,##0.0000", locale=locale)
    return f"1 {document.currency} = {rate} RON"


def _grouped_iban(iban: str) -> str:
    compact = iban.replace(" ", "").upper()
    return " ".join(compact[index : index + 4] for index in range(0, len(compact), 4))
