"""The data of the billing list benchmark (bench/billing_lists.py, which imports this after
django.setup()): reference data and users, customers, and 100,000 invoices with their lines,
ledger rows and payments written in bulk as the services would write them (`Writer`).
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone, translation

from praho.billing.models import (
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
from praho.billing.rules import totals, vat
from praho.billing.rules.postings import PostingLine, check_balanced, invoice_postings, payment_postings
from praho.billing.services import fx, ledger
from praho.core.money import round_money
from praho.customers.demo import RO_ACTIVITIES, RO_PLACES, RO_ROOTS, RO_STREETS, RO_SURNAMES
from praho.customers.models import Address, Customer, Membership, TaxProfile, ViesStatus, searchable_text

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
            kind="company",
            name=f"{rng.choice(RO_ROOTS)} {n} GmbH",
            country="DE",
            tax_id=_de_vat(next(de)),
            # Confirmed in VIES, as reverse charge requires (issue 11): no VIES call while issuing.
            vies_status=ViesStatus.VALID,
            vies_checked_at=timezone.now(),
            vies_reference="BENCH",
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
