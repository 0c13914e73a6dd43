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

The data is written with bulk_create, as issue_document/post_issued_invoices and record_payment/
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
import math
import os
import random
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
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

from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench._billing_lists_data import (  # noqa: E402
    _BIG,
    AREA_EMAIL,
    BATCH,
    DEEP_PAGE,
    METHODS,
    SANITY,
    STAFF_EMAIL,
    TARGET_MS,
    Buyer,
    Spec,
    Writer,
    _lines,
    bench_users,
    load_customers,
    paid_amount,
    plan_invoices,
    reference_data,
)
from bench._timing import p50_p95  # noqa: E402
from praho.billing import ledger_queries  # noqa: E402
from praho.billing.models import (  # noqa: E402
    Document,
    DocumentLine,
    DocumentSeries,
    DocumentType,
    LedgerEntry,
    LedgerTransaction,
    Payment,
)
from praho.core.validation import fiscal_today  # noqa: E402

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
        # Oldest first: a series numbers its invoices in date order (issue 11).
        spec = Spec(buyer, today - timedelta(days=SANITY - 1 - n), _lines(rng))
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
