"""Billing list benchmark (issue 4): the invoice lists over 100,000 issued invoices on PostgreSQL.

Measures, with Django's test client (staff user with the billing role, forced login past the 2FA
gate), p50/p95/max and the queries of: the staff list /staff/billing/invoices/ (page 1, a deep page,
status=overdue, one customer, currency and a date range), the sums fragment the page loads after
it (all, overdue), the API list GET /api/v1/invoices/
(default, status=unpaid, one customer) and the customer area's /app/billing/ for a user of a
customer with 500 invoices; then EXPLAIN ANALYZE of each request's slowest query.

Run by hand (not part of the test suite):

    .venv/bin/python bench/billing_lists.py                   # build, measure, drop the database
    .venv/bin/python bench/billing_lists.py --keep            # keep the database; the next --keep reuses it

Options:
    --invoices N     issued three-line invoices in all (default 100000)
    --customers N    customers (default 2000); one of them has --big-customer invoices (default 500)
    --requests N     requests per measurement (default 50, in 5 interleaved rounds)
    --keep           keep test_<db> at the end, and reuse it when it holds exactly --invoices invoices
    --plan-lines N   lines of each EXPLAIN ANALYZE printed (default 30; 0: all)

A run takes about 2 minutes to build and a few to measure. (The staged trials of indexes,
settings and rewrites that led to the current code are in this file's git history.) The
machine's load average is printed with each table: figures compare only at a similar load.

The database: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/praho_listbench); the bench
works in Django's test database beside it (test_praho_listbench), migrated from scratch.

The data is written with bulk_create, as issue_document/post_issued_invoice and record_payment/
post_payment would write it: each invoice is inserted as a draft with its lines, then set to
issued (the PostgreSQL triggers refuse new lines on an issued invoice, and changes to it, but not
the change from draft); numbers are gap-free per year in date order; amounts come from
totals.compute_totals and the VAT engine; ledger rows from invoice_postings/
payment_postings. A handful of invoices and payments are then made through the real services
and compared field by field with bulk-written twins: the bench aborts if they differ.
Audit events are not bulk-written (no list reads them).
"""

from __future__ import annotations

import argparse
import bisect
import math
import os
import random
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial
from itertools import cycle
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "praho.settings.test")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/praho_listbench")
warnings.filterwarnings("ignore", "No directory at", UserWarning)

import django  # noqa: E402

django.setup()

from django.db import connection, reset_queries, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone, translation  # noqa: E402

from bench._timing import p50_p95  # noqa: E402
from praho.billing import ledger_queries  # noqa: E402
from praho.billing.models import (  # noqa: E402
    Document,
    DocumentLine,
    DocumentSeries,
    DocumentStatus,
    DocumentType,
    ExchangeRate,
    LedgerEntry,
    LedgerTransaction,
    Payment,
    PaymentMethod,
    SellerProfile,
    SeriesCounter,
    TransactionKind,
    VatRate,
)
from praho.billing.rules import totals, vat  # noqa: E402
from praho.billing.rules.postings import PostingLine, check_balanced, invoice_postings, payment_postings  # noqa: E402
from praho.billing.services import fx, ledger  # noqa: E402
from praho.core.money import round_money  # noqa: E402
from praho.core.validation import fiscal_today  # noqa: E402
from praho.customers.demo import RO_ACTIVITIES, RO_PLACES, RO_ROOTS, RO_STREETS, RO_SURNAMES  # noqa: E402
from praho.customers.models import Address, Customer, Membership, TaxProfile, searchable_text  # noqa: E402

BATCH = 5000
DAYS = 730  # two years of invoices, across the 19 % -> 21 % change of 1 August 2025
PAGE_SIZE = 25  # the staff list's
DEEP_PAGE = 2000
TARGET_MS = 50.0
SANITY = 6  # invoices made through the services (and as many bulk twins)
ZERO = Decimal("0.00")
STAFF_EMAIL = "bench-lists-billing@praho.test"
AREA_EMAIL = "bench-lists-owner@customer.test"

# name, unit, price (in the customer's currency), largest quantity
CATALOG = [
    ("Web hosting Starter", "MON", "19.99", 12),
    ("Web hosting Business", "MON", "49.99", 12),
    ("VPS 4 GB RAM", "MON", "89.00", 3),
    ("Dedicated server R640", "MON", "650.00", 1),
    ("Domain {domain}.ro", "ANN", "45.00", 1),
    ("Domain {domain}.com", "ANN", "62.50", 1),
    ("Backup 50 GB", "MON", "9.90", 6),
    ("SSL certificate", "ANN", "120.00", 1),
    ("Email, 10 mailboxes", "MON", "25.00", 12),
    ("Support", "HUR", "150.00", 8),
    ("Extra traffic", "E34", "0.0450", 900),
]
METHODS = [PaymentMethod.BANK_TRANSFER] * 16 + [PaymentMethod.CARD] * 3 + [PaymentMethod.CASH]


def _slug(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in searchable_text(text)).split())


# --- reference data and users -----------------------------------------------------------------


def reference_data(rng: random.Random, today: date) -> tuple[SellerProfile, DocumentSeries]:
    """VAT rates, series, the seller and BNR's EUR rates for every weekday of the period."""
    from praho.billing.rules.vat_rates import seed_vat_rates
    from praho.billing.services.numbering import default_series, seed_default_series

    seed_vat_rates()
    seed_default_series()
    seller, _created = SellerProfile.objects.get_or_create(
        version=1,
        defaults={
            "name": "PRAHO Hosting SRL",
            "tax_id": "RO18547290",
            "trade_register_number": "J40/123/2020",
            "street": "Str. Exemplu 1",
            "city": "Sector 3",
            "county": "RO-B",
            "iban": "RO49AAAA1B31007593840000",
            "bank_name": "Banca Exemplu",
            "valid_from": timezone.now() - timedelta(days=DAYS + 30),
        },
    )
    rate, day, rates = Decimal("4.9750"), today - timedelta(days=DAYS + 10), []
    while day <= today:
        if day.weekday() < 5:
            rate = max(Decimal("4.8"), rate + Decimal(rng.randrange(-60, 61)) / 10000)
            rates.append(ExchangeRate(currency="EUR", date=day, rate=rate, source="bnr"))
        day += timedelta(days=1)
    ExchangeRate.objects.bulk_create(rates)
    return seller, default_series(DocumentType.INVOICE)


def bench_users(big: Customer) -> tuple[Any, Any]:
    """A billing staff user with a TOTP device (past the staff 2FA gate when forced in) and the
    owner of the customer with many invoices."""
    from praho.accounts.models import User
    from praho.accounts.tests.factories import UserFactory, add_totp

    staff: Any = User.objects.filter(email=STAFF_EMAIL).first()
    if staff is None:
        staff = UserFactory(email=STAFF_EMAIL, is_staff=True, roles=["billing"])
        add_totp(staff)
    owner: Any = User.objects.filter(email=AREA_EMAIL).first()
    if owner is None:
        owner = UserFactory(email=AREA_EMAIL)
        Membership.objects.create(customer=big, user=owner, role="owner")
    return staff, owner


# --- customers --------------------------------------------------------------------------------


@dataclass
class Buyer:
    """A customer as the loader needs it: the rows, the issue snapshot and the treatment cache."""

    customer: Customer
    profile: TaxProfile
    snapshot: dict[str, Any] = field(default_factory=dict)
    weight: float = 1.0
    treatments: dict[int, tuple[vat.VatTreatment, list[str]]] = field(default_factory=dict)


def _de_vat(base: int) -> str:
    """A German VAT number with a valid check digit (ISO 7064 mod 11,10), so VAT is reverse-charged."""
    from stdnum.iso7064 import mod_11_10

    digits = str(base)
    return "DE" + digits + mod_11_10.calc_check_digit(digits)


def _customer_row(rng: random.Random, n: int, cuis: Iterator[int], de: Iterator[int]) -> tuple[Customer, str]:
    draw = rng.random()
    if draw < 0.78:  # Romanian company
        base = f"{rng.choice(RO_ROOTS + RO_SURNAMES)} {rng.choice(RO_ACTIVITIES)}"
        customer = Customer(kind="company", name=f"{base} {n} SRL", country="RO", tax_id=f"RO{next(cuis)}")
        currency = "EUR" if rng.random() < 0.06 else "RON"
    elif draw < 0.88:  # Romanian individual, without a CNP on file
        customer = Customer(kind="individual", name=f"{rng.choice(RO_SURNAMES)} Ion {n}", country="RO")
        currency = "RON"
    elif draw < 0.96:  # German business with a VAT number: reverse charge
        customer = Customer(
            kind="company", name=f"{rng.choice(RO_ROOTS)} {n} GmbH", country="DE", tax_id=_de_vat(next(de))
        )
        currency = "EUR"
    else:  # outside the EU: no Romanian VAT
        customer = Customer(kind="company", name=f"{rng.choice(RO_ROOTS)} {n} LLC", country="US", tax_id="")
        currency = "EUR"
    customer.email = f"billing@{_slug(customer.name)}.test"
    customer.search_text = searchable_text(customer.name, customer.tax_id, customer.email)
    return customer, currency


def _address(rng: random.Random, customer: Customer) -> Address:
    street = f"{rng.choice(RO_STREETS)} nr. {rng.randrange(1, 200)}"
    if customer.country == "DE":
        return Address(customer=customer, street=street, city="Berlin", postal_code="10115", country="DE")
    if customer.country == "US":
        return Address(customer=customer, street=street, city="Austin", postal_code="73301", country="US")
    county = rng.choice(list(RO_PLACES))
    city, prefix, _number = RO_PLACES[county]
    return Address(
        customer=customer, street=street, city=city, postal_code=f"{prefix}{rng.randrange(100, 999)}",
        county=county, country="RO",
    )  # fmt: skip


def load_customers(rng: random.Random, count: int) -> list[Buyer]:
    """Customers with a v1 tax profile and a billing address, as customers.services would store them."""
    from praho.billing.services.issuing import buyer_snapshot as _buyer_snapshot

    cuis = iter(rng.sample(range(1_000_000, 49_999_999), count))
    de = iter(rng.sample(range(10_000_000, 99_999_999), count))
    rows = [_customer_row(rng, n, cuis, de) for n in range(1, count + 1)]
    customers = Customer.objects.bulk_create([customer for customer, _currency in rows])
    profiles = TaxProfile.objects.bulk_create(
        TaxProfile(
            customer=customer,
            version=1,
            vat_payer=customer.kind == "company" and customer.country == "RO",
            currency=currency,
            payment_terms_days=rng.choice([14] * 14 + [30] * 5 + [7]),
            document_language="ro" if customer.country == "RO" else "en",
            invoice_email=customer.email,
            valid_from=timezone.now() - timedelta(days=DAYS + 30),
        )
        for customer, currency in rows
    )
    Address.objects.bulk_create(_address(rng, customer) for customer in customers)
    buyers = []
    for customer, profile in zip(customers, profiles, strict=True):
        # A long tail: most customers get a few invoices a year, some hundreds.
        buyer = Buyer(customer, profile, weight=rng.paretovariate(1.3))
        buyer.snapshot = _buyer_snapshot(customer)  # the service's own snapshot (one query each)
        buyers.append(buyer)
    return buyers


# --- invoices ----------------------------------------------------------------------------------


@dataclass
class Spec:
    """One invoice to write: who, when, what, and how much of it was paid when."""

    buyer: Buyer
    issue_date: date
    lines: list[dict[str, str]]
    paid: Decimal | None = None  # share of the total, 1 = in full
    paid_on: date | None = None
    method: str = PaymentMethod.BANK_TRANSFER


def _lines(rng: random.Random) -> list[dict[str, str]]:
    lines = []
    for name, unit, price, most in rng.sample(CATALOG, 3):
        description = name.format(domain=rng.choice(RO_ROOTS).lower() + str(rng.randrange(100)))
        lines.append(
            {"description": description, "quantity": str(rng.randint(1, most)), "unit_code": unit,
             "unit_price": price}
        )  # fmt: skip
    return lines


def plan_invoices(rng: random.Random, buyers: list[Buyer], big: Buyer, count: int, today: date) -> list[Spec]:
    """`count` invoices in date order: 500 (or what is asked) for `big`, the rest by weight;
    30 % paid, two thirds of them in full, the rest in part, some after the due date."""
    others = [buyer for buyer in buyers if buyer is not big]
    owners = rng.choices(others, weights=[b.weight for b in others], k=count - big_count(count))
    owners += [big] * big_count(count)
    dates = sorted(today - timedelta(days=rng.randrange(DAYS)) for _ in owners)
    rng.shuffle(owners)
    specs = []
    for owner, issued in zip(owners, dates, strict=True):
        spec = Spec(owner, issued, _lines(rng))
        draw = rng.random()
        if draw < 0.30:
            spec.paid = Decimal(1) if draw < 0.20 else Decimal(rng.randrange(10, 91)) / 100
            terms = owner.profile.payment_terms_days
            spec.paid_on = min(today, issued + timedelta(days=rng.randrange(0, terms + 20)))
            spec.method = rng.choice(METHODS)
        specs.append(spec)
    return specs


_BIG = {"count": 500}


def big_count(total: int) -> int:
    return min(_BIG["count"], total // 2)


class Writer:
    """Writes invoices (and their payments) in bulk, as the services would."""

    def __init__(self, *, actor: Any, seller: SellerProfile, series: DocumentSeries, today: date) -> None:
        self.actor, self.seller, self.series = actor, seller, series
        self.seller_facts = vat.seller_facts(seller)
        rates = ExchangeRate.objects.filter(currency="EUR").order_by("date").values_list("date", "rate")
        self.rate_days, self.rates = zip(*rates, strict=True) if rates else ((), ())
        changes = VatRate.objects.order_by().values_list("valid_from", flat=True).distinct()
        self.rate_changes = sorted({day for day in changes if day <= today})
        self.last_numbers: dict[int, int] = {}
        self.refresh_numbers()

    def refresh_numbers(self) -> None:
        """Continue after the numbers the counters say were taken (by the services, too)."""
        for year, last in SeriesCounter.objects.filter(series=self.series).values_list("year", "last_number"):
            self.last_numbers[year] = last

    def save_numbers(self) -> None:
        for year, last in self.last_numbers.items():
            SeriesCounter.objects.update_or_create(
                series=self.series, year=year, defaults={"last_number": last}
            )

    def _treatment(self, buyer: Buyer, on: date) -> tuple[vat.VatTreatment, list[str]]:
        """The line treatment and the mentions, as documents._treatment/_mentions compute them;
        cached per customer and VAT-rate period."""
        period = bisect.bisect_right(self.rate_changes, on)
        if period not in buyer.treatments:
            treatment = vat.determine_treatment(
                seller=self.seller_facts, buyer=vat.buyer_facts(buyer.customer), on=on
            )
            with translation.override(buyer.profile.document_language):
                mentions = [str(text) for text in vat.document_mentions(self.seller_facts, [treatment] * 3)]
            buyer.treatments[period] = (treatment, mentions)
        return buyer.treatments[period]

    def _rate(self, on: date) -> Decimal:
        return self.rates[bisect.bisect_right(self.rate_days, on) - 1]

    def _document(self, spec: Spec) -> tuple[Document, list[dict[str, Any]]]:
        """The invoice (foreign keys as ids: cheaper to build) and its lines' values."""
        buyer = spec.buyer
        treatment, mentions = self._treatment(buyer, spec.issue_date)
        inputs = [
            {
                "description": line["description"],
                "quantity": Decimal(line["quantity"]),
                "unit_code": line["unit_code"],
                "unit_price": Decimal(line["unit_price"]),
                "discount": Decimal("0"),
                "vat_category": treatment.category,
                "vat_rate": treatment.rate,
                "vat_override_reason": "",
                "vat_exemption_reason_code": treatment.exemption_reason_code,
                "vat_exemption_reason": treatment.exemption_reason,
            }
            for line in spec.lines
        ]
        computed = totals.compute_totals(
            totals.LineInput(i["quantity"], i["unit_price"], i["vat_category"], i["vat_rate"], i["discount"])
            for i in inputs
        )
        year = spec.issue_date.year  # the PRH series restarts every year
        sequence = self.last_numbers[year] = self.last_numbers.get(year, 0) + 1
        currency = buyer.profile.currency
        rate = self._rate(spec.issue_date) if currency != "RON" else None
        document = Document(
            document_type=DocumentType.INVOICE,
            status=DocumentStatus.DRAFT,  # issued below, once its lines are in
            series_id=self.series.pk,
            number=self.series.format_number(year=year, sequence=sequence),
            sequence=sequence,
            customer_id=buyer.customer.pk,
            currency=currency,
            issue_date=spec.issue_date,
            due_date=spec.issue_date + timedelta(days=buyer.profile.payment_terms_days),
            seller_id=self.seller.pk,
            customer_profile_id=buyer.profile.pk,
            buyer=buyer.snapshot,
            mentions=mentions,
            net_total=computed.net_total,
            vat_total=computed.vat_total,
            total=computed.tax_inclusive_total,
            exchange_rate=rate,
            vat_total_ron=fx.ron_value(computed.vat_total, rate) if rate is not None else None,
            created_by_id=self.actor.pk,
            # issue_document stamps the moment of issuing: here, during the working day of the issue date.
            issued_at=timezone.make_aware(datetime.combine(spec.issue_date, datetime.min.time()))
            + timedelta(hours=9, seconds=sequence % 28800),
        )
        for values, net in zip(inputs, computed.line_net_amounts, strict=True):
            values["net_amount"] = net
        return document, inputs

    def _transaction(self, postings: list[PostingLine], **fields: Any) -> LedgerTransaction:
        check_balanced(postings)
        return LedgerTransaction(created_by_id=self.actor.pk, **fields)

    def _entries(self, txn: LedgerTransaction, postings: list[PostingLine]) -> list[LedgerEntry]:
        return [
            LedgerEntry(
                transaction_id=txn.pk,
                account=posting.account,
                currency=txn.currency,
                customer_id=posting.customer_id,
                document_id=posting.document_id,
                debit=max(posting.amount, ZERO),
                credit=max(-posting.amount, ZERO),
            )
            for posting in postings
            if posting.amount
        ]

    def write(self, specs: list[Spec]) -> list[Document]:
        """One transaction: documents and lines, issue, ledger postings, payments and their postings."""
        with transaction.atomic():
            built = [self._document(spec) for spec in specs]
            documents = Document.objects.bulk_create([document for document, _lines in built])
            DocumentLine.objects.bulk_create(
                DocumentLine(document_id=document.pk, position=n + 1, **values)
                for document, (_unsaved, lines) in zip(documents, built, strict=True)
                for n, values in enumerate(lines)
            )
            # What issue_document's save(update_fields=...) changes last: the status. From a draft,
            # so the immutability trigger lets it through. (The batch's ids are consecutive.)
            ids = (documents[0].pk, documents[-1].pk)
            Document.objects.filter(pk__range=ids, status=DocumentStatus.DRAFT).update(
                status=DocumentStatus.ISSUED
            )
            for document in documents:
                document.status = DocumentStatus.ISSUED
            self._post_invoices(documents)
            self._pay([(spec, doc) for spec, doc in zip(specs, documents, strict=True) if spec.paid])
            # What every posting does after its entries: the invoices' stored amounts (one UPDATE).
            ledger.refresh_document_amounts(document.pk for document in documents)
        return documents

    def _post_invoices(self, documents: list[Document]) -> None:
        postings, txns = [], []
        for document in documents:
            lines = invoice_postings(
                customer_id=document.customer_id,
                invoice_id=document.pk,
                total=document.total,
                net_total=document.net_total,
                vat_total=document.vat_total,
            )
            postings.append(lines)
            txns.append(
                self._transaction(
                    lines,
                    kind=TransactionKind.INVOICE_ISSUED,
                    currency=document.currency,
                    occurred_on=document.issue_date,
                    customer_id=document.customer_id,
                    document_id=document.pk,
                    memo=str(document)[:255],
                    idempotency_key=f"{TransactionKind.INVOICE_ISSUED}:{document.pk}",
                )
            )
        txns = LedgerTransaction.objects.bulk_create(txns)
        LedgerEntry.objects.bulk_create(
            [entry for txn, lines in zip(txns, postings, strict=True) for entry in self._entries(txn, lines)]
        )

    def _pay(self, paid: list[tuple[Spec, Document]]) -> None:
        payments = Payment.objects.bulk_create(
            Payment(
                customer_id=document.customer_id,
                document_id=document.pk,
                amount=paid_amount(spec, document),
                currency=document.currency,
                method=spec.method,
                reference=f"OP {document.number}",
                received_on=spec.paid_on,
                recorded_by_id=self.actor.pk,
            )
            for spec, document in paid
        )
        totals_by_id = {document.pk: document.total for _spec, document in paid}
        postings, txns = [], []
        for payment in payments:
            lines = payment_postings(
                method=payment.method,
                customer_id=payment.customer_id,
                invoice_id=payment.document_id,
                amount=payment.amount,
                invoice_outstanding=totals_by_id[payment.document_id],  # nothing paid before
            )
            postings.append(lines)
            txns.append(
                self._transaction(
                    lines,
                    kind=TransactionKind.PAYMENT_RECEIVED,
                    currency=payment.currency,
                    occurred_on=payment.received_on,
                    customer_id=payment.customer_id,
                    document_id=payment.document_id,
                    payment_id=payment.pk,
                    memo=payment.reference,
                    idempotency_key=f"{TransactionKind.PAYMENT_RECEIVED}:{payment.pk}",
                )
            )
        txns = LedgerTransaction.objects.bulk_create(txns)
        LedgerEntry.objects.bulk_create(
            [entry for txn, lines in zip(txns, postings, strict=True) for entry in self._entries(txn, lines)]
        )


def paid_amount(spec: Spec, document: Document) -> Decimal:
    assert spec.paid is not None
    if spec.paid == 1:
        return document.total
    return min(
        document.total - Decimal("0.01"), max(Decimal("0.01"), round_money(document.total * spec.paid))
    )


# --- the services' invoices, and their bulk twins ----------------------------------------------


def through_services(staff: Any, specs: list[Spec]) -> list[Document]:
    from praho.billing.services.drafts import create_document
    from praho.billing.services.issuing import issue_document
    from praho.billing.services.payments import record_payment

    made = []
    for spec in specs:
        draft = create_document(
            actor=staff,
            document_type=DocumentType.INVOICE,
            customer=spec.buyer.customer,
            lines=spec.lines,
            issue_date=spec.issue_date,
        )
        invoice = issue_document(actor=staff, document=draft)
        if spec.paid:
            assert spec.paid_on is not None
            record_payment(
                actor=staff,
                invoice=invoice,
                amount=paid_amount(spec, invoice),
                currency=invoice.currency,
                method=spec.method,
                reference=f"OP {invoice.number}",
                received_on=spec.paid_on,
            )
        made.append(invoice)
    return made


def snapshot(document_id: int) -> dict[str, Any]:
    """Everything stored for an invoice, with its own ids, number and timestamps replaced by names."""
    row = Document.objects.filter(pk=document_id).values().get()
    number, sequence = row["number"], row["sequence"]
    series = DocumentSeries.objects.get(pk=row["series_id"])
    names: dict[Any, str] = {}

    def named(value: Any) -> Any:
        if isinstance(value, str):
            return value.replace(number, "<number>")
        return value

    def keyed(value: str) -> str:
        # "invoice_issued:<document id>", "payment_received:<payment id>"
        kind, _sep, pk = value.partition(":")
        return (
            f"{kind}:{names.get(('payment', int(pk)), '?')}"
            if kind == "payment_received"
            else f"{kind}:<doc>"
        )

    skip = {"id", "number", "sequence", "created_at", "issued_at"}
    shown: dict[str, Any] = {"document": {k: named(v) for k, v in row.items() if k not in skip}}
    shown["number_is_series_number"] = number == series.format_number(
        year=row["issue_date"].year, sequence=sequence
    )
    shown["lines"] = [
        {k: v for k, v in line.items() if k not in ("id", "document_id")}
        for line in DocumentLine.objects.filter(document_id=document_id).order_by("position").values()
    ]
    payments = list(Payment.objects.filter(document_id=document_id).order_by("id").values())
    for n, payment in enumerate(payments):
        names[("payment", payment["id"])] = f"<payment {n}>"
    shown["payments"] = [
        {k: named(v) for k, v in p.items() if k not in ("id", "document_id", "created_at")} for p in payments
    ]
    txns = list(LedgerTransaction.objects.filter(document_id=document_id).order_by("id").values())
    shown["transactions"] = [
        {k: named(v) for k, v in t.items() if k not in ("id", "document_id", "created_at", "payment_id")}
        | {"payment": names.get(("payment", t["payment_id"])), "idempotency_key": keyed(t["idempotency_key"])}
        for t in txns
    ]
    position = {t["id"]: n for n, t in enumerate(txns)}
    entries = (
        LedgerEntry.objects.filter(transaction_id__in=position).order_by("transaction_id", "id").values()
    )
    shown["entries"] = [
        {k: v for k, v in e.items() if k not in ("id", "transaction_id", "document_id")}
        | {"transaction": position[e["transaction_id"]], "document": e["document_id"] == document_id or None}
        for e in entries
    ]
    return shown


def differences(real: Any, bulk: Any, where: str = "") -> list[str]:
    if isinstance(real, dict) and isinstance(bulk, dict):
        found = []
        for key in sorted(set(real) | set(bulk), key=str):
            found += differences(real.get(key, "<missing>"), bulk.get(key, "<missing>"), f"{where}.{key}")
        return found
    if isinstance(real, list) and isinstance(bulk, list):
        if len(real) != len(bulk):
            return [f"{where}: {len(real)} rows by the services, {len(bulk)} in bulk"]
        return [
            d
            for n, (r, b) in enumerate(zip(real, bulk, strict=True))
            for d in differences(r, b, f"{where}[{n}]")
        ]
    return [] if real == bulk else [f"{where}: services {real!r}, bulk {bulk!r}"]


def sanity_check(writer: Writer, staff: Any, buyers: list[Buyer], rng: random.Random, today: date) -> None:
    """Invoices and payments through the services, their twins in bulk: the same rows or abort."""
    wanted = [
        lambda b: b.customer.country == "RO" and b.customer.kind == "company" and b.profile.currency == "RON",
        lambda b: b.customer.country == "RO" and b.customer.kind == "individual",
        lambda b: b.customer.country == "DE",
        lambda b: b.customer.country == "US",
        lambda b: b.customer.country == "RO" and b.profile.currency == "EUR",
        lambda b: b.customer.country == "RO" and b.customer.kind == "company",
    ]
    specs = []
    for n, wants in enumerate(wanted[:SANITY]):
        buyer = next(b for b in buyers if wants(b))
        spec = Spec(buyer, today - timedelta(days=n), _lines(rng))
        if n % 3:
            spec.paid, spec.paid_on, spec.method = (
                Decimal(1) if n % 3 == 1 else Decimal("0.4"),
                today,
                METHODS[-n],
            )
        specs.append(spec)
    real = through_services(staff, specs)
    writer.refresh_numbers()
    twins = writer.write(specs)
    writer.save_numbers()
    problems = []
    for made, twin in zip(real, twins, strict=True):
        problems += [
            f"{made.number} / {twin.number}{d}" for d in differences(snapshot(made.pk), snapshot(twin.pk))
        ]
    if problems:
        print("\nThe bulk rows differ from the services' rows:")
        print("\n".join("  " + problem for problem in problems))
        raise SystemExit(1)
    kinds = ", ".join(f"{s.buyer.customer.country} {s.buyer.profile.currency}" for s in specs)
    print(f"sanity: {len(real)} invoices and {sum(1 for s in specs if s.paid)} payments by the services "
          f"equal their bulk twins field by field ({kinds})")  # fmt: skip


# --- building ------------------------------------------------------------------------------------


def build(args: argparse.Namespace, today: date) -> float:
    rng = random.Random(20261128)
    start = time.perf_counter()
    seller, series = reference_data(rng, today)
    buyers = load_customers(rng, args.customers)
    big = max(buyers[:50], key=lambda b: (b.customer.country == "RO", b.customer.kind == "company"))
    staff, _owner = bench_users(big.customer)
    print(f"  {len(buyers):,} customers in {time.perf_counter() - start:.1f} s")
    specs = plan_invoices(rng, buyers, big, args.invoices - 2 * SANITY, today)
    writer = Writer(actor=staff, seller=seller, series=series, today=today)
    for offset in range(0, len(specs), BATCH):
        writer.write(specs[offset : offset + BATCH])
        done = min(offset + BATCH, len(specs))
        print(f"\r  {done:,} invoices, {time.perf_counter() - start:.0f} s", end="", flush=True)
    writer.save_numbers()
    print()
    sanity_check(writer, staff, buyers, rng, today)
    with connection.cursor() as cursor:
        # Every invoice was inserted as a draft and updated once (as issuing does): compact the
        # table as the free space of a live one would be reused, and give the planner statistics.
        cursor.execute("VACUUM FULL billing_document")
        for table in ("billing_document", "billing_documentline", "billing_ledgertransaction",
                      "billing_ledgerentry", "billing_payment", "customers_customer"):  # fmt: skip
            cursor.execute(f"VACUUM ANALYZE {table}")
    return time.perf_counter() - start


def describe(today: date) -> str:
    """How many invoices there are, in which currency and payment state."""
    invoices = ledger_queries.with_ledger_amounts(Document.objects.filter(document_type=DocumentType.INVOICE))
    shown = invoices.only("id", "document_type", "status", "due_date")
    states = Counter(ledger_queries.payment_status(document, today).value for document in shown)
    currencies = Counter(invoices.values_list("currency", flat=True))
    by_currency = ", ".join(f"{k} {v:,}" for k, v in sorted(currencies.items()))
    by_state = ", ".join(f"{k} {v:,}" for k, v in sorted(states.items()))
    return (
        f"{sum(states.values()):,} invoices ({by_currency}): {by_state}; "
        f"{Payment.objects.count():,} payments, {LedgerEntry.objects.count():,} ledger entries"
    )


# --- measuring -----------------------------------------------------------------------------------


@dataclass
class Scenario:
    label: str
    call: Callable[[Any], Any]
    arguments: Iterator[Any]
    note: str = ""
    samples_ms: list[float] = field(default_factory=list)
    queries: int = 0
    slowest: tuple[float, str] = (0.0, "")
    timings_ms: list[float] = field(default_factory=list)  # of each query of the counted call

    def prepare(self) -> None:
        """Warm up, then count the SQL queries of one call and keep its slowest query."""
        for _ in range(3):
            self.call(next(self.arguments))
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            self.call(next(self.arguments))
        self.queries = len(captured)
        self.timings_ms = [float(q["time"]) * 1000 for q in captured.captured_queries]
        self.slowest = max((float(q["time"]) * 1000, q["sql"]) for q in captured.captured_queries)

    def run(self, repeat: int) -> None:
        for _ in range(repeat):
            argument = next(self.arguments)
            start = time.perf_counter()
            self.call(argument)
            self.samples_ms.append((time.perf_counter() - start) * 1000)

    def figures(self) -> tuple[float, float, float]:
        p50, p95 = p50_p95(self.samples_ms)
        return p50, p95, max(self.samples_ms)

    def row(self) -> str:
        p50, p95, most = self.figures()
        verdict = "ok" if p95 < TARGET_MS else "MISSES"
        return (
            f"{self.label:<44} {p50:8.1f} {p95:8.1f} {most:8.1f} {self.queries:>4} {self.slowest[0]:8.1f}  "
            f"{verdict:<6} n={len(self.samples_ms)} {self.note}"
        )


HEADER = f"{'':<44} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'SQL':>4} {'slowest':>8}"


def measure_all(scenarios: list[Scenario], repeat: int, rounds: int = 5) -> None:
    """Interleaved rounds, each one call deeper in the stack (see bench/customers.py: a busy
    neighbour spreads over all requests, and CPython 3.11's frame chunks over all depths)."""
    for scenario in scenarios:
        scenario.prepare()
    per_round = math.ceil(repeat / rounds)
    for depth in range(rounds):
        for scenario in scenarios:
            _at_depth(depth, partial(scenario.run, per_round))


def _at_depth(depth: int, call: Callable[[], None]) -> None:
    if depth:
        _at_depth(depth - 1, call)
    else:
        call()


def get_ok(client: Client, path: str, **headers: str) -> Callable[[dict[str, str]], Any]:
    def call(params: dict[str, str]) -> Any:
        response = client.get(path, params, headers=headers)
        if response.status_code != 200:
            raise SystemExit(f"GET {path} {params} answered {response.status_code}")
        return response

    return call


@dataclass(frozen=True)
class Subjects:
    """Who and what the requests ask for."""

    staff: Any
    owner: Any
    customers: list[int]  # typical customers (tens of invoices), then the five busiest
    area_invoices: int  # of the customer whose owner uses the customer area
    ranges: list[dict[str, str]]  # currency and a quarter


def subjects(today: date) -> Subjects:
    from django.db.models import Count

    from praho.accounts.models import User

    counts = (
        Document.objects.filter(document_type=DocumentType.INVOICE)
        .values("customer")
        .annotate(n=Count("id"))
        .order_by("n", "customer")
    )
    per_customer = [(row["n"], row["customer"]) for row in counts]
    middle = len(per_customer) // 2
    typical = [customer for _n, customer in per_customer[middle : middle + 10]]
    typical += [customer for _n, customer in per_customer[-5:]]  # and the busiest ones
    ranges = []
    for back in (90, 180, 270, 360):
        end = today - timedelta(days=back)
        ranges.append({"currency": "EUR", "issued_from": (end - timedelta(days=90)).isoformat(),
                       "issued_to": end.isoformat()})  # fmt: skip
    return Subjects(
        staff=User.objects.get(email=STAFF_EMAIL),
        owner=User.objects.get(email=AREA_EMAIL),
        customers=typical,
        ranges=ranges,
        area_invoices=Document.objects.filter(customer__memberships__user__email=AREA_EMAIL).count(),
    )


def scenarios_for(who: Subjects) -> list[Scenario]:
    staff, area = Client(), Client()
    staff.force_login(who.staff)  # with a TOTP device: past the staff 2FA gate
    area.force_login(who.owner)
    staff_list = get_ok(staff, "/staff/billing/invoices/")
    api = get_ok(staff, "/api/v1/invoices/")
    sums = get_ok(staff, "/staff/billing/invoices/sums/", **{"HX-Request": "true"})
    customers = [{"customer": str(pk)} for pk in who.customers]
    return [
        Scenario("staff list, page 1", staff_list, cycle([{}])),
        Scenario(f"staff list, page {DEEP_PAGE}", staff_list, cycle([{"page": str(DEEP_PAGE)}])),
        Scenario("staff list ?status=overdue", staff_list, cycle([{"status": "overdue"}])),
        Scenario("staff list ?customer=<id>", staff_list, cycle(customers), note="15 customers"),
        Scenario(
            "staff list ?currency=EUR&issued_from..to", staff_list, cycle(who.ranges), note="4 quarters"
        ),
        Scenario("staff sums fragment (HTMX)", sums, cycle([{}]), note="loaded after the page"),
        Scenario("staff sums ?status=overdue", sums, cycle([{"status": "overdue"}])),
        Scenario("API /api/v1/invoices/", api, cycle([{}])),
        Scenario("API ?status=unpaid", api, cycle([{"status": "unpaid"}])),
        Scenario("API ?customer=<id>", api, cycle(customers), note="15 customers"),
        Scenario(
            f"area /app/billing/ ({who.area_invoices} invoices)", get_ok(area, "/app/billing/"), cycle([{}])
        ),
    ]


def explain(sql: str, lines: int) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        plan = [row[0] for row in cursor.fetchall()]
    return (
        plan if not lines or len(plan) <= lines else [*plan[:lines], f"... ({len(plan) - lines} more lines)"]
    )


def report(title: str, scenarios: list[Scenario], plan_lines: int, plans: bool = True) -> None:
    print(f"\n{title}; load average {os.getloadavg()[0]:.2f}; target p95 < {TARGET_MS:.0f} ms")
    print(HEADER)
    for scenario in scenarios:
        print(scenario.row())
    if not plans:
        return
    for scenario in scenarios:
        sql = scenario.slowest[1]
        each = ", ".join(f"{t:.0f}" for t in scenario.timings_ms)
        print(f"\n--- {scenario.label}: its {scenario.queries} queries took {each} ms; the slowest:")
        print("    " + (sql if len(sql) < 600 else sql[:600] + " ..."))
        print("\n".join("    | " + line for line in explain(sql, plan_lines)))


def run_measurements(who: Subjects, requests: int) -> list[Scenario]:
    scenarios = scenarios_for(who)
    measure_all(scenarios, requests)
    return scenarios


# --- main ------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--big-customer", type=int, default=500)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--plan-lines", type=int, default=30)
    args = parser.parse_args()
    _BIG["count"] = args.big_customer
    if connection.vendor != "postgresql":
        raise SystemExit("This bench measures PostgreSQL: set DATABASE_URL=postgres://...")

    original = connection.settings_dict["NAME"]
    # serialize=False: no in-memory copy of 100,000 invoices slowing every request down.
    test_db = connection.creation.create_test_db(verbosity=0, keepdb=args.keep, serialize=False)
    try:
        today = fiscal_today()
        print(f"database: {connection.vendor} ({test_db}), {os.cpu_count()} CPUs, today {today}")
        invoices = Document.objects.filter(document_type=DocumentType.INVOICE).count()
        if invoices != args.invoices:
            if invoices:  # kept from a run with other numbers: start afresh
                connection.creation.destroy_test_db(original, verbosity=0)
                test_db = connection.creation.create_test_db(verbosity=0, serialize=False)
            print(f"building {args.invoices:,} invoices for {args.customers:,} customers")
            seconds = build(args, today)
            print(f"built in {seconds:.1f} s ({args.invoices / seconds:,.0f} invoices/s with their rows)")
        else:
            print(f"reusing the {invoices:,} invoices of {test_db}")
        print(describe(today))
        who = subjects(today)
        report("The code as it is", run_measurements(who, args.requests), args.plan_lines)
        print(f"\nload average at the end: {os.getloadavg()[0]:.2f}")
    finally:
        connection.creation.destroy_test_db(original, verbosity=0, keepdb=args.keep)


if __name__ == "__main__":
    main()
