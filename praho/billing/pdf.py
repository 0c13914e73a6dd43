"""PDF of proformas, invoices and credit notes (WeasyPrint, offline, DejaVu Sans).

A document prints in its customer's document language (ro, en or bg): the one of
the profile version snapshotted at issue, else the customer's current profile,
else Romanian. Numbers, dates and country names follow that language (Babel).

What Romanian law asks of an invoice (Codul fiscal art. 319(20); Legea 31/1990
art. 74 for the trade register number) and where each item is printed:

- series and number (a), issue date (b), the tax point date when it differs (c),
  due date: the heading block at the top right;
- seller's name, address, CUI/VAT code and trade register number (d), buyer's
  name, address and CUI/VAT code (f): the "Supplier" and "Customer" blocks;
- each line's description, unit, quantity, unit price without VAT, discount and
  VAT rate or category (h, i, j): the lines table;
- the taxable base and VAT per rate (i, j): the VAT breakdown table; totals in the
  document's currency, and the VAT in RON at the BNR rate when the currency is
  not RON (j): the totals block;
- the mentions the VAT treatment requires ("Taxare inversă", "TVA la încasare",
  exemption references) (k): the mentions block, printed as the VAT engine stored
  them on the document at issue (Romanian wording, the document language's beside it);
- the reference to the corrected invoice, its number and date, on a credit note
  (l): under the title;
- the seller's bank account, the payment reference and, for EUR, a SEPA (EPC)
  payment QR code: the payment block.

A proforma says it is not a fiscal document under its title. A draft carries a
"DRAFT" watermark and no number. Rendering never touches the network: the only
URLs WeasyPrint may open are files next to the template.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

import weasyprint  # type: ignore[import-untyped]
from babel import Locale
from babel.numbers import format_decimal, format_percent
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from segno import helpers as segno_helpers
from weasyprint.text.fonts import FontConfiguration  # type: ignore[import-untyped]
from weasyprint.urls import URLFetcher, URLFetcherResponse  # type: ignore[import-untyped]

from praho.billing.models import Document, DocumentLine, DocumentStatus, DocumentType, SellerProfile
from praho.billing.totals import LineInput, compute_totals
from praho.billing.units import UNIT_CODES
from praho.core.formatting import babel_locale, format_date, format_money, format_tax_id
from praho.core.money import Currency
from praho.customers.identifiers import ROMANIAN_COUNTIES
from praho.customers.models import Customer, TaxProfile
from praho.customers.services import current_profile

TEMPLATE = "billing/pdf/document.html"
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates" / "billing" / "pdf"
STYLESHEET = TEMPLATE_DIR / "document.css"
DEFAULT_LANGUAGE = "ro"

# UN/ECE Recommendation 20 codes PRAHO uses; any other code prints as is.

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


def _proforma_notice() -> str:
    return _("Proforma — not a fiscal document")


# EPC QR (EPC069-12): beneficiary name up to 70 characters, unstructured text up to
# 140, amount from 0.01 to 999,999,999.99 EUR.
_EPC_NAME_MAX = 70
_EPC_TEXT_MAX = 140
_EPC_AMOUNT_MAX = Decimal("999999999.99")


class LocalOnlyURLFetcher(URLFetcher):
    """Opens files in the PDF template folder and nothing else: no http(s), no other paths.

    A refused URL stops the rendering (fail_on_errors) rather than printing a
    document with a hole in it.
    """

    def __init__(self) -> None:
        super().__init__(allowed_protocols=("file",), fail_on_errors=True)

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        if parts.scheme.lower() != "file":
            raise ValueError(f"PDF rendering does not fetch {parts.scheme or 'relative'} URLs: {url}")
        path = Path(url2pathname(parts.path)).resolve()
        if not path.is_relative_to(TEMPLATE_DIR):
            raise ValueError(f"PDF rendering only reads files next to its template: {url}")
        response: URLFetcherResponse = super().fetch(url, headers)
        return response


@functools.cache
def _stylesheet() -> weasyprint.CSS:
    # Parsed once per process; WeasyPrint stylesheets are reusable across documents.
    return weasyprint.CSS(filename=str(STYLESHEET), url_fetcher=LocalOnlyURLFetcher())


_fonts = threading.local()


def _font_config() -> FontConfiguration:
    """The fontconfig set-up and Pango font map, one per thread and reused for every document.

    A fresh one per document (WeasyPrint's default) loads and measures the fonts again each
    time, about a tenth of a PDF's layout time. Pango's font maps are not thread-safe, hence
    one per thread rather than one per process.
    """
    config: FontConfiguration | None = getattr(_fonts, "config", None)
    if config is None:
        config = _fonts.config = FontConfiguration()
    return config


def document_language(document: Document) -> str:
    """ro, en or bg: the snapshotted profile's language, else the current profile's, else ro."""
    offered = {code for code, _name in settings.LANGUAGES}
    profile: TaxProfile | None = document.customer_profile
    if profile is None:
        try:
            profile = current_profile(document.customer)
        except TaxProfile.DoesNotExist:
            profile = None
    language = profile.document_language if profile is not None else ""
    return language if language in offered else DEFAULT_LANGUAGE


def payment_reference(document: Document) -> str:
    """What the payer quotes: the document's number ("PRH-2026-000123", "PRF-…" for a
    proforma); a draft has none yet."""
    if document.status == DocumentStatus.DRAFT:
        return ""
    return document.number


def epc_qr_svg(document: Document) -> str | None:
    """An EPC (SEPA credit transfer) QR code as inline SVG, for an issued EUR invoice or
    proforma with an amount to pay and a seller IBAN; None otherwise."""
    seller = document.seller
    reference = payment_reference(document)
    amount = document.total
    if (
        document.currency != Currency.EUR
        or document.document_type not in (DocumentType.INVOICE, DocumentType.PROFORMA)
        or document.status != DocumentStatus.ISSUED
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


def render_document_html(document: Document) -> str:
    """The HTML the PDF is made from, in the document's language."""
    language = document_language(document)
    with translation.override(language):
        return render_to_string(TEMPLATE, _context(document, language))


def layout_document(document: Document) -> weasyprint.Document:
    """The laid-out pages (``.pages``), before they are written as PDF."""
    html = weasyprint.HTML(
        string=render_document_html(document),
        base_url=str(TEMPLATE_DIR) + "/",
        url_fetcher=LocalOnlyURLFetcher(),
    )
    return html.render(stylesheets=[_stylesheet()], font_config=_font_config())


def render_document_pdf(document: Document) -> bytes:
    """The PDF of a proforma, invoice or credit note, in its customer's document language."""
    with _collector_paused():
        pdf: bytes = layout_document(document).write_pdf()
    return pdf


def warm_up() -> None:
    """Parse the stylesheet and load the fonts now, in this thread, so that a worker can
    gc.freeze() them with its other start-up objects (praho/celery.py, praho/wsgi.py) and its
    first PDF costs what the others do."""
    html = weasyprint.HTML(string="<p>PRAHO ă â î ș ț Б <b>0</b></p>", url_fetcher=LocalOnlyURLFetcher())
    html.render(stylesheets=[_stylesheet()], font_config=_font_config()).write_pdf()


# The cyclic collector is paused while a PDF is made. A render leaves about 13,000 objects in
# reference cycles (WeasyPrint's boxes, styles and element wrappers) among the many it allocates.
# Left running, the collector ran some twenty young collections per render, moved those objects
# to the older generations, and every eighth render or so paid a full collection of the whole
# process (~100 ms; the p95 of bench/billing.py). Paused, they all stay young, and one
# collection of the young generations after the render frees the cycles (~5 ms) without
# scanning the long-lived objects. The pause is counted so that overlapping renders in other
# threads resume it only when the last one ends; other threads merely defer their collections
# for the length of a render.
_pause_lock = threading.Lock()
_pause_depth = 0
_resume_collector = False


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    global _pause_depth, _resume_collector
    with _pause_lock:
        if _pause_depth == 0:
            _resume_collector = gc.isenabled()
            gc.disable()
        _pause_depth += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pause_depth -= 1
            resume = _pause_depth == 0 and _resume_collector
            if resume:
                gc.enable()
        if resume:
            gc.collect(1)


# --- what the template prints, formatted for the document's language -------------------


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


def _context(document: Document, language: str) -> dict[str, Any]:
    locale = babel_locale(language)
    seller = _seller(document)
    # By position: the model's ordering would join the document only to sort by its date.
    lines = list(document.lines.order_by("position"))
    breakdown = compute_totals(
        LineInput(line.quantity, line.unit_price, line.vat_category, line.vat_rate, line.discount)
        for line in lines
    ).vat_breakdown
    currency = document.currency
    is_draft = document.status == DocumentStatus.DRAFT
    reference = payment_reference(document)
    credited = document.credited_document
    return {
        "language": language,
        "title": _title(document),
        "is_draft": is_draft,
        "is_proforma": document.document_type == DocumentType.PROFORMA,
        "is_credit_note": document.document_type == DocumentType.CREDIT_NOTE,
        "number": "" if is_draft else document.number,
        "proforma_notice": _bilingual(PROFORMA_NOTICE_RO, _proforma_notice(), language),
        "credited": (
            _("Corrects invoice %(number)s of %(date)s")
            % {"number": credited.number, "date": format_date(credited.issue_date, language)}
            if credited is not None
            else ""
        ),
        "issue_date": format_date(document.issue_date, language),
        "tax_point_date": _other_date(document.tax_point_date, document.issue_date, language),
        "due_date": format_date(document.due_date, language),
        "valid_until": format_date(document.valid_until, language) if document.valid_until else "",
        "currency": currency,
        "seller": _seller_view(seller, language),
        "buyer": _buyer_view(document, language),
        "lines": [_line_view(line, locale) for line in lines],
        "has_discounts": any(line.discount for line in lines),
        "vat_rows": [
            VatRowView(
                label=_vat_label(group.category, group.rate, locale),
                taxable_amount=format_money(group.taxable_amount, currency, language),
                vat_amount=format_money(group.vat_amount, currency, language),
            )
            for group in breakdown
        ],
        "net_total": format_money(document.net_total, currency, language),
        "vat_total": format_money(document.vat_total, currency, language),
        "total": format_money(document.total, currency, language),
        "exchange_rate": _exchange_rate(document, locale),
        "vat_total_ron": (
            format_money(document.vat_total_ron, Currency.RON, language)
            if currency != Currency.RON and document.vat_total_ron is not None
            else ""
        ),
        # Fixed at issue by the VAT engine, in the document's language; a draft has none yet.
        "mentions": [str(mention) for mention in document.mentions],
        "iban": _grouped_iban(seller.iban),
        "bank_name": seller.bank_name,
        "payment_reference": reference,
        "amount_due": (
            format_money(document.total, currency, language)
            if reference and document.document_type != DocumentType.CREDIT_NOTE
            else ""
        ),
        "epc_qr": epc_qr_svg(document),
        "notes": document.notes,
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
    profile = document.customer_profile
    if profile is None:
        try:
            profile = current_profile(document.customer)
        except TaxProfile.DoesNotExist:
            profile = None
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


def _line_view(line: DocumentLine, locale: str) -> LineView:
    unit_name = UNIT_CODES.get(line.unit_code)
    return LineView(
        position=line.position,
        description=line.description,
        unit=str(unit_name) if unit_name is not None else line.unit_code,
        quantity=format_decimal(line.quantity, "#,##0.####", locale=locale),
        unit_price=format_decimal(line.unit_price, "#,##0.00##", locale=locale),
        discount=format_decimal(line.discount, "#,##0.00", locale=locale) if line.discount else "",
        vat=_vat_label(line.vat_category, line.vat_rate, locale, short=True),
        net_amount=format_decimal(line.net_amount, "#,##0.00", locale=locale),
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
