"""Which open document a bank transfer pays, and how sure PRAHO is (0 to 100).

The rules, the first that applies (confidence in brackets):

- number (100): a document's number is in the remittance text (spaces, dashes, slashes and case
  ignored), the transfer in its currency, for the amount it asks;
- number_other_currency (90): the number, the transfer in another currency (BNR, booking date);
- number_other_amount (80): the number, another amount (a part payment, or more);
- iban_amount (70): no number; the payer's account paid this customer before, and exactly one
  of its open documents asks this amount;
- name_amount (60): no number; the payer's name is one customer's name (legal forms ignored),
  and exactly one of its open documents asks this amount;
- customer_amount (50): the customer known as above, several documents ask it: the oldest.

Only 100 is booked without staff (PAYMENTS_AUTO_BOOK_EXACT); the rest wait in the review queue.
`Matcher.load()` reads the open documents and the known payers once (a few queries whatever
the number of transfers), so a statement of 10,000 entries is matched in memory.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Q

from praho.billing.models import Document, DocumentSeries, DocumentStatus, DocumentType
from praho.customers.models import Customer
from praho.payments.models import BankTransaction, MatchRule, TransactionStatus
from praho.payments.statements import StatementEntry

NOT_ALNUM = re.compile(r"[^A-Z0-9]")
# Legal forms dropped when comparing a payer's name with a customer's ("SC Exemplu SRL" = "Exemplu S.R.L.").
LEGAL_FORMS = {
    "SC",
    "SRL",
    "SA",
    "PFA",
    "II",
    "IF",
    "SRLD",
    "SNC",
    "SCS",
    "RA",
    "OOD",
    "EOOD",
    "AD",
    "EAD",
    "ET",
}
MIN_NUMBER_DIGITS = 3


@dataclass(frozen=True)
class OpenDocument:
    pk: int
    customer_id: int
    currency: str
    due: Decimal
    issue_date: date


@dataclass(frozen=True)
class Match:
    document: OpenDocument | None
    customer_id: int | None
    confidence: int
    rule: str

    @property
    def status(self) -> str:
        return TransactionStatus.PROPOSED if self.document is not None else TransactionStatus.UNMATCHED


NO_MATCH = Match(None, None, 0, "")


def compact(text: str) -> str:
    """Upper case, letters and digits only: "prf 2026-000123" → "PRF2026000123"."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return NOT_ALNUM.sub("", folded.upper())


def name_key(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().upper()
    words = [
        word for word in re.split(r"[^A-Z0-9]+", folded.replace(".", "")) if word and word not in LEGAL_FORMS
    ]
    return " ".join(words)


@dataclass
class Matcher:
    by_number: dict[str, OpenDocument]
    codes: list[str]
    by_customer: dict[int, list[OpenDocument]]
    customer_by_iban: dict[str, int]
    customer_by_name: dict[str, int]

    @classmethod
    def load(cls) -> Matcher:
        by_number: dict[str, OpenDocument] = {}
        by_customer: dict[int, list[OpenDocument]] = defaultdict(list)
        for found in _open_documents():
            pk, number, customer_id, currency, kind, total, outstanding, issued = found
            document = OpenDocument(
                pk, customer_id, currency, total if kind == DocumentType.PROFORMA else outstanding, issued
            )
            by_number[compact(number)] = document
            by_customer[customer_id].append(document)
        codes = sorted(
            {compact(code) for code in DocumentSeries.objects.values_list("code", flat=True)}, key=len
        )
        return cls(by_number, codes[::-1], by_customer, _known_payers(), _customer_names())

    # --- the rules ---------------------------------------------------------------------------------

    def match(self, entry: StatementEntry, convert: Converter) -> Match:
        document = self._number_in(entry.remittance)
        if document is not None:
            return self._by_number(document, entry, convert)
        customer_id, rule = self._payer(entry)
        if customer_id is None:
            return NO_MATCH
        asking = sorted(
            (
                doc
                for doc in self.by_customer.get(customer_id, [])
                if doc.currency == entry.currency and doc.due == entry.amount
            ),
            key=lambda doc: (doc.issue_date, doc.pk),
        )
        if not asking:
            return Match(None, customer_id, 0, "")
        if len(asking) > 1:
            return Match(asking[0], customer_id, 50, MatchRule.CUSTOMER_AMOUNT)
        return Match(asking[0], customer_id, 70 if rule == MatchRule.IBAN_AMOUNT else 60, rule)

    def _by_number(self, document: OpenDocument, entry: StatementEntry, convert: Converter) -> Match:
        if document.currency == entry.currency:
            if entry.amount == document.due:
                return Match(document, document.customer_id, 100, MatchRule.NUMBER)
            return Match(document, document.customer_id, 80, MatchRule.NUMBER_OTHER_AMOUNT)
        converted = convert(entry.amount, entry.currency, document.currency, entry.booking_date)
        if converted is not None:
            return Match(document, document.customer_id, 90, MatchRule.NUMBER_OTHER_CURRENCY)
        return Match(document, document.customer_id, 80, MatchRule.NUMBER_OTHER_AMOUNT)

    def _number_in(self, remittance: str) -> OpenDocument | None:
        """The first open document whose number is in the text. After each series code the digits
        that follow are tried longest first, so "PRF-2026-000123 100.00 RON" still finds it."""
        text = compact(remittance)
        for code in self.codes:
            for found in re.finditer(re.escape(code) + r"(\d+)", text):
                digits = found.group(1)
                for end in range(len(digits), MIN_NUMBER_DIGITS - 1, -1):
                    document = self.by_number.get(code + digits[:end])
                    if document is not None:
                        return document
        return None

    def _payer(self, entry: StatementEntry) -> tuple[int | None, str]:
        if entry.payer_iban and entry.payer_iban in self.customer_by_iban:
            return self.customer_by_iban[entry.payer_iban], MatchRule.IBAN_AMOUNT
        key = name_key(entry.payer_name)
        if key and key in self.customer_by_name:
            return self.customer_by_name[key], MatchRule.NAME_AMOUNT
        return None, ""


class Converter:
    """Amounts in another currency at BNR's rate of the day (RON per unit), rates read once each."""

    def __init__(self) -> None:
        self.cache: dict[tuple[str, date], Decimal | None] = {}

    def ron_rate(self, currency: str, on: date) -> Decimal | None:
        if currency == "RON":
            return Decimal(1)
        if (currency, on) not in self.cache:
            from praho.billing.models import ExchangeRate

            found = ExchangeRate.objects.filter(currency=currency, date__lte=on).order_by("-date").first()
            self.cache[(currency, on)] = found.rate if found else None
        return self.cache[(currency, on)]

    def __call__(self, amount: Decimal, source: str, target: str, on: date) -> Decimal | None:
        source_rate, target_rate = self.ron_rate(source, on), self.ron_rate(target, on)
        if source_rate is None or target_rate is None:
            return None
        return (amount * source_rate / target_rate).quantize(Decimal("0.01"))


def _open_documents() -> list[tuple[int, str, int, str, str, Decimal, Decimal, date]]:
    open_proformas = Q(document_type=DocumentType.PROFORMA)
    owing_invoices = Q(document_type=DocumentType.INVOICE, outstanding_amount__gt=0)
    return list(
        Document.objects.filter(status=DocumentStatus.ISSUED)
        .filter(open_proformas | owing_invoices)
        .order_by()
        .values_list(
            "pk",
            "number",
            "customer_id",
            "currency",
            "document_type",
            "total",
            "outstanding_amount",
            "issue_date",
        )
    )


def _known_payers() -> dict[str, int]:
    """Payers' accounts seen on transfers booked before, and the customer each paid."""
    rows = (
        BankTransaction.objects.filter(status=TransactionStatus.BOOKED, customer__isnull=False)
        .exclude(payer_iban="")
        .order_by("booked_at")
        .values_list("payer_iban", "customer_id")
    )
    return dict(rows)


def _customer_names() -> dict[str, int]:
    """Customers' names (and trade names) without legal forms; a name two customers share is left out."""
    seen: dict[str, int] = {}
    shared: set[str] = set()
    for pk, name, trade_name in Customer.objects.filter(deleted_at__isnull=True).values_list(
        "pk", "name", "trade_name"
    ):
        for key in {name_key(name), name_key(trade_name or "")} - {""}:
            if key in seen and seen[key] != pk:
                shared.add(key)
            seen[key] = pk
    return {key: pk for key, pk in seen.items() if key not in shared}
