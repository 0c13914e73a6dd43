"""The RO e-Factura XML of an issued invoice or credit note: UBL 2.1 under CIUS-RO 1.0.1.

Built only from what the document froze at issue: its number, dates, currency, totals and RON
VAT, its lines, the seller's profile version (Document.seller), the buyer's snapshot
(Document.buyer) and the buyer's tax profile version (Document.customer_profile), the legal
mentions, and the credited invoice's number and date. The customer's current data is never
read, so the XML of a document is the same whenever it is generated.

Where billing's data meets the rules (EN 16931 as ANAF applies it, with the RO rules):

- An invoice is an Invoice (380) with its due date and a credit transfer (30) to the seller's
  IBAN; a credit note is a CreditNote (381) with positive amounts, referring to the invoice it
  corrects (BT-25/26), with payment terms saying how it is settled (BR-CO-25).
- VAT breakdown per category and rate as stored at issue (billing.models.breakdown: a credit
  note's is its exact share of the invoice's), under the stored VAT total; in a currency other
  than RON a second TaxTotal gives the stored VAT in RON (BT-6 RON, BT-111).
- Notes (BT-22): the legal mentions, then the document's own notes, in pieces of 300 characters.
- VAT on a cash basis is due when paid: BT-8 "432", never a tax point date (BT-7, which BR-CO-03
  excludes beside it); the date of the supply then goes to BT-72 (actual delivery date).
- Exempt (E), reverse charge (AE), outside the scope (O), intra-community (K) and export (G)
  breakdowns state the reason: the lines' VATEX code when it is on the list and their reason
  text (at most 100 characters; the full legal mention is a note).
- A document with lines outside the scope of VAT (O) names no VAT identifier of either party
  (BR-O-02); the seller is then identified by its CUI as legal registration identifier (BT-30).
- The buyer: a VAT identifier (BT-48) for a Romanian VAT payer or an EU VAT number, and the
  CUI, CNP or other tax identifier as legal registration identifier (BT-47); a person or a
  company without one is "0000000000000", as ANAF asks for consumers without a CNP.
- Romanian addresses carry their ISO 3166-2:RO county and, in Bucharest, "SECTOR1".."SECTOR6".
- Texts longer than CIUS-RO allows are cut at a word boundary (names, streets, cities) or
  split (notes); a line's description is the item name, its longer form the item description.
- Line discounts are line allowances (reason code 95); line net amounts already subtract them
  (BT-131), so document totals have no allowances.

The parties are built in ubl_parties, the elements and their text forms in ubl_xml, the code
lists and limits live in codes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from lxml import etree

from praho.billing.models import Document, DocumentLine, DocumentStatus, DocumentType
from praho.billing.rules import totals
from praho.core.money import CENT, Currency
from praho.efactura.ubl import codes
from praho.efactura.ubl.elements import (
    NS_CREDIT_NOTE,
    NS_INVOICE,
    NSMAP,
    Element,
    amount,
    append,
    cac,
    cbc,
    day,
    decimal_text,
    optional,
    price_text,
    tag,
)
from praho.efactura.ubl.parties import customer, delivery, seller_of, supplier


@dataclass(frozen=True)
class _Kind:
    """What differs between a UBL Invoice and a CreditNote."""

    root: str
    namespace: str
    type_code_tag: str
    type_code: str
    line_tag: str
    quantity_tag: str


_KINDS = {
    DocumentType.INVOICE: _Kind(
        "Invoice", NS_INVOICE, "InvoiceTypeCode", codes.INVOICE_TYPE_CODE, "InvoiceLine", "InvoicedQuantity"
    ),
    DocumentType.CREDIT_NOTE: _Kind(
        "CreditNote",
        NS_CREDIT_NOTE,
        "CreditNoteTypeCode",
        codes.CREDIT_NOTE_TYPE_CODE,
        "CreditNoteLine",
        "CreditedQuantity",
    ),
}


def document_xml(document: Document) -> bytes:
    """The e-Factura XML (UTF-8, with its declaration) of an issued invoice or credit note.

    ValidationError when the document is not an issued invoice or credit note, or when what it
    froze at issue cannot be expressed under CIUS-RO (each message names the field and rule).
    Reads the document's lines, VAT breakdown, seller and credited invoice: select_related("seller",
    "customer_profile", "credited_document") and prefetch_related("lines", "vat_subtotals") make
    it query-free (praho.efactura.selectors).
    """
    _refuse_unless_issued(document)
    kind = _KINDS[DocumentType(document.document_type)]
    lines = sorted(document.lines.all(), key=lambda line: line.position)
    # Billing never mixes O with other categories on one document (BR-O-11..14, documents.py).
    categories = {line.vat_category for line in lines}
    outside_scope = codes.OUTSIDE_SCOPE in categories
    # The root's namespace is the default one (no prefix): lxml's key None, which lxml-stubs omit.
    nsmap: dict[Any, str] = {None: kind.namespace, **NSMAP}
    root = etree.Element(tag(kind.namespace, kind.root), nsmap=nsmap)
    append(
        root,
        *_header(document, kind),
        _billing_reference(document),
        supplier(seller_of(document), outside_scope=outside_scope),
        customer(document, categories),
        delivery(document, categories, supplied_on=_supply_date(document)),
        *_payment(document),
        *_tax_totals(document, lines),
        _monetary_total(document),
        *(_line(line, kind, document.currency) for line in lines),
    )
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


# --- checks ------------------------------------------------------------------------------


def _refuse_unless_issued(document: Document) -> None:
    if document.document_type not in _KINDS or document.status == DocumentStatus.DRAFT:
        raise ValidationError(
            _("Only an issued invoice or credit note has an e-Factura XML; %(document)s is not one.")
            % {"document": document},
            code="not_issued",
        )


# --- header ------------------------------------------------------------------------------


def _header(document: Document, kind: _Kind) -> list[Element | None]:
    """BT-24, BT-1, BT-2, BT-9, BT-3, BT-22, BT-7, BT-5 and BT-6, in each root's XSD order."""
    cash_basis = _on_cash_basis(document)
    tax_point = (
        cbc("TaxPointDate", day(document.tax_point_date))
        if document.tax_point_date and document.tax_point_date != document.issue_date and not cash_basis
        else None
    )
    type_code = cbc(kind.type_code_tag, kind.type_code)
    notes = _notes([*document.mentions, *([document.notes] if document.notes.strip() else [])])
    if document.document_type == DocumentType.INVOICE:
        dated: list[Element | None] = [
            cbc("DueDate", day(document.due_date)),
            type_code,
            *notes,
            tax_point,
        ]
    else:  # a CreditNote has no DueDate and puts its tax point date before its type code
        dated = [tax_point, type_code, *notes]
    return [
        cbc("CustomizationID", codes.CUSTOMIZATION_ID),
        cbc("ID", document.number),
        cbc("IssueDate", day(document.issue_date)),
        *dated,
        cbc("DocumentCurrencyCode", document.currency),
        cbc("TaxCurrencyCode", codes.TAX_CURRENCY) if _in_foreign_currency(document) else None,
        cac("InvoicePeriod", cbc("DescriptionCode", codes.TAX_POINT_PAID)) if cash_basis else None,
    ]


def _on_cash_basis(document: Document) -> bool:
    """VAT on a cash basis (TVA la încasare) becomes due when paid: BT-8 "432" (paid to date), on
    the documents that printed that mention at issue. BT-7 and BT-8 exclude each other (BR-CO-03)."""
    return any(str(mention).startswith(codes.CASH_BASIS_MENTION) for mention in document.mentions)


def _supply_date(document: Document) -> date | None:
    """BT-72, the actual delivery date: a cash-basis document's tax point date, which BT-7 cannot carry."""
    if (
        _on_cash_basis(document)
        and document.tax_point_date
        and document.tax_point_date != document.issue_date
    ):
        return document.tax_point_date
    return None


def _in_foreign_currency(document: Document) -> bool:
    return bool(document.currency != Currency.RON)


def _notes(mentions: Iterable[Any]) -> list[Element]:
    """The legal mentions and the document's notes as notes (BT-22): at most 300 characters each
    (longer ones continue in the next note), at most 20 notes (BR-RO-L302, BR-RO-A020)."""
    pieces = [piece for mention in mentions for piece in codes.split_text(str(mention), codes.MAX_NOTE)]
    if len(pieces) > codes.MAX_NOTES:
        raise ValidationError(
            {
                "mentions": ValidationError(
                    _("e-Factura allows at most %(count)s notes of 300 characters (BR-RO-A020)."),
                    code="too_many_notes",
                    params={"count": codes.MAX_NOTES},
                )
            }
        )
    return [cbc("Note", piece) for piece in pieces]


def _billing_reference(document: Document) -> Element | None:
    """The invoice a credit note corrects (BG-3: BT-25 number, BT-26 issue date)."""
    credited = document.credited_document
    if credited is None:
        return None
    return cac(
        "BillingReference",
        cac(
            "InvoiceDocumentReference",
            cbc("ID", credited.number),
            cbc("IssueDate", day(credited.issue_date)),
        ),
    )


# --- payment -----------------------------------------------------------------------------


def _payment(document: Document) -> list[Element]:
    """An invoice is paid by credit transfer to the seller's IBAN (BG-16, BT-83 the number as
    payment reference); a credit note is settled against what the customer owes, or refunded
    (BT-20, which BR-CO-25 requires when the due date BT-9 is absent)."""
    if document.document_type == DocumentType.CREDIT_NOTE:
        return [
            cac(
                "PaymentTerms",
                cbc("Note", "Se compensează cu sumele datorate de client sau se restituie."),
            )
        ]
    iban = seller_of(document).iban.replace(" ", "").upper()
    return [
        cac(
            "PaymentMeans",
            cbc("PaymentMeansCode", codes.PAYMENT_MEANS_CREDIT_TRANSFER),
            cbc("PaymentID", document.number),
            cac("PayeeFinancialAccount", cbc("ID", iban)),
        )
    ]


# --- VAT ---------------------------------------------------------------------------------


def _tax_totals(document: Document, lines: Sequence[DocumentLine]) -> list[Element | None]:
    """BG-23 and BT-110 in the document's currency; BT-111 in RON when that is another currency."""
    breakdown = [
        totals.VatGroup(row.category, row.rate.quantize(CENT), row.taxable_amount, row.vat_amount)
        for row in sorted(document.vat_subtotals.all(), key=lambda row: (row.category, -row.rate))
    ]
    if not breakdown:
        raise ValidationError(
            {
                "vat_subtotals": ValidationError(
                    _("%(document)s has no stored VAT breakdown.") % {"document": document},
                    code="no_breakdown",
                )
            }
        )
    currency = document.currency
    main = cac(
        "TaxTotal",
        amount("TaxAmount", document.vat_total, currency),
        *(_tax_subtotal(group, lines, currency) for group in breakdown),
    )
    return [main, _ron_tax_total(document)]


def _ron_tax_total(document: Document) -> Element | None:
    if not _in_foreign_currency(document):
        return None
    if document.vat_total_ron is None:  # issuing stores it for every foreign currency document
        raise ValidationError(
            {
                "vat_total_ron": ValidationError(
                    _("A document in %(currency)s needs its VAT in RON (BT-111); none was stored at issue."),
                    code="no_ron_vat",
                    params={"currency": document.currency},
                )
            }
        )
    return cac("TaxTotal", amount("TaxAmount", document.vat_total_ron, codes.TAX_CURRENCY))


def _tax_subtotal(group: totals.VatGroup, lines: Sequence[DocumentLine], currency: str) -> Element:
    in_group = [
        line
        for line in lines
        if line.vat_category == group.category and line.vat_rate.quantize(CENT) == group.rate
    ]
    code, reason = _exemption(group.category, in_group)
    return cac(
        "TaxSubtotal",
        amount("TaxableAmount", group.taxable_amount, currency),
        amount("TaxAmount", group.vat_amount, currency),
        cac(
            "TaxCategory",
            cbc("ID", group.category),
            _percent(group.category, group.rate),
            optional("TaxExemptionReasonCode", code),
            optional("TaxExemptionReason", reason),
            cac("TaxScheme", cbc("ID", codes.VAT_SCHEME)),
        ),
    )


def _percent(category: str, rate: Decimal) -> Element | None:
    return None if category in codes.NO_RATE_CATEGORIES else cbc("Percent", f"{rate.quantize(CENT):f}")


def _exemption(category: str, lines: Sequence[DocumentLine]) -> tuple[str, str]:
    """(BT-121 code, BT-120 text) of a breakdown row: what its lines stored, else the category's
    default; nothing for taxed categories (BR-S-10, BR-Z-10)."""
    if category in codes.TAXED_CATEGORIES:
        return "", ""
    default_code, default_reason = codes.EXEMPTION_DEFAULTS.get(category, ("", ""))
    stored_codes = [codes.exemption_code(line.vat_exemption_reason_code) for line in lines]
    code = next((stored for stored in stored_codes if stored), default_code)
    reasons = list(dict.fromkeys(line.vat_exemption_reason.strip() for line in lines))
    reasons = [reason for reason in reasons if reason]
    reason = codes.shorten("; ".join(reasons), codes.MAX_EXEMPTION_REASON) if reasons else default_reason
    if not (code or reason):
        raise ValidationError(
            {
                "lines": ValidationError(
                    _(
                        "An exempt line (E) needs its exemption reason for e-Factura (BR-E-10); "
                        "line %(line)s has none."
                    ),
                    code="no_exemption_reason",
                    params={"line": lines[0].position},
                )
            }
        )
    return code, reason


# --- totals ------------------------------------------------------------------------------


def _monetary_total(document: Document) -> Element:
    """BG-22 from the stored totals: line net amounts already subtract the line discounts, and
    there are no document level allowances, charges or prepaid amounts."""
    currency = document.currency
    return cac(
        "LegalMonetaryTotal",
        amount("LineExtensionAmount", document.net_total, currency),
        amount("TaxExclusiveAmount", document.net_total, currency),
        amount("TaxInclusiveAmount", document.total, currency),
        amount("PayableAmount", document.total, currency),
    )


# --- lines -------------------------------------------------------------------------------


def _line(line: DocumentLine, kind: _Kind, currency: str) -> Element:
    """BG-25: quantity with its UN/ECE unit, net amount, discount, item and price."""
    return cac(
        kind.line_tag,
        cbc("ID", str(line.position)),
        optional("Note", _line_note(line.description)),
        cbc(kind.quantity_tag, decimal_text(line.quantity), unitCode=line.unit_code),
        amount("LineExtensionAmount", line.net_amount, currency),
        _discount(line, currency),
        _item(line),
        cac("Price", cbc("PriceAmount", price_text(line.unit_price), currencyID=currency)),
    )


def _discount(line: DocumentLine, currency: str) -> Element | None:
    """A line allowance (BG-27): BT-136 amount on the BT-137 base (quantity x price)."""
    if not line.discount:
        return None
    return cac(
        "AllowanceCharge",
        cbc("ChargeIndicator", "false"),
        cbc("AllowanceChargeReasonCode", codes.ALLOWANCE_REASON_DISCOUNT),
        cbc("AllowanceChargeReason", codes.ALLOWANCE_REASON_DISCOUNT_TEXT),
        amount("Amount", line.discount, currency),
        amount("BaseAmount", line.quantity * line.unit_price, currency),
    )


def _item(line: DocumentLine) -> Element:
    """BT-153 name (100 characters), the longer description as BT-154 (200), VAT category and rate."""
    description = " ".join(line.description.split())
    name = codes.shorten(description, codes.MAX_ITEM_NAME)
    return cac(
        "Item",
        cbc("Description", codes.shorten(description, codes.MAX_ITEM_DESCRIPTION))
        if name != description
        else None,
        cbc("Name", name),
        cac(
            "ClassifiedTaxCategory",
            cbc("ID", line.vat_category),
            _percent(line.vat_category, line.vat_rate),
            cac("TaxScheme", cbc("ID", codes.VAT_SCHEME)),
        ),
    )


def _line_note(description: str) -> str:
    """The whole description as the line's note (BT-127) when even the item description cuts it."""
    description = " ".join(description.split())
    if len(description) <= codes.MAX_ITEM_DESCRIPTION:
        return ""
    return codes.shorten(description, codes.MAX_LINE_NOTE)
