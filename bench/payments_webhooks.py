"""Stripe webhook intake benchmark (issue 15): how fast PRAHO takes Stripe's deliveries.

The intake (POST /webhooks/stripe/) only checks the signature and stores the event in the inbox
(a worker processes it later), so each request should take a few milliseconds: the target is
p95 < 20 ms per request. This starts PRAHO under gunicorn with two sync workers on a fresh
database, makes a realistic event log on the local fake Stripe (documents paid by card and bank
debit, refunds, disputes, customers changed: the events PRAHO handles among the many it ignores),
and sends N signed deliveries of it — every event once, about one in ten again (Stripe's retries
and double sends), 2 % refused (bad, stale, missing signature, changed body) — from a few
concurrent clients, each with its own connection. It reports the intake latency of each request
(p50/p95/max, as a client sees it: queueing for a gunicorn worker included) and requests/s.

With --process a Celery worker (two processes) runs too, from before the first delivery, and the
time until the inbox is drained is reported (the handlers fetch sessions and charges from the
fake, record payments, convert proformas, post refunds). The intake then shares the two CPUs with
the handlers, so run once without and once with it to see both.

Run by hand (not in the test suite), against a throw-away database it creates and migrates, and a
Redis database it empties:

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/praho_paybench
    export CELERY_BROKER_URL=redis://127.0.0.1:6379/11
    .venv/bin/python bench/payments_webhooks.py                 # --deliveries 2000 --clients 4
    .venv/bin/python bench/payments_webhooks.py --process       # and the time to drain the inbox

The first requests of each gunicorn worker load the URLconf and connect to the database and the
broker: a few warm-up deliveries (events of their own, not counted) go first.

What bounds the figures: a sync gunicorn worker serves one request at a time, so with more clients
than workers a request also waits for a free worker, and on two CPUs the clients (threads of this
process), gunicorn, PostgreSQL and Redis share them. `--clients 1` shows the cost of one request
alone (the signature check, one INSERT and its commit, and for a handled type one message to the
broker); `--clients 2` keeps both workers busy; the default 4 shows them saturated, where requests/s
stay flat and latency grows with the queue. A refused delivery writes nothing and is the floor.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "praho.settings.dev")
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("EFACTURA_SUBMIT_ON_ISSUE", "0")  # what this measures is the webhooks
os.environ.setdefault("BILLING_STORE_PDF_ON_ISSUE", "0")

import django  # noqa: E402
import psycopg  # noqa: E402

from bench._timing import spread  # noqa: E402

DUPLICATE_SHARE = 0.10
BAD_SHARE = 0.02
EVENTS_PER_DOCUMENT = 5.4  # of the scenario (stripe_scenario.play), customers' events included
DOCUMENTS_PER_CUSTOMER = 10
WARM_UP = 8
DRAIN_SECONDS = 1800
LOG_DIR = Path("/tmp/praho-bench-payments-webhooks")


def fresh_database(url: str) -> None:
    parts = urlsplit(url)
    name = parts.path.strip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deliveries", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--process", action="store_true", help="run a Celery worker and time the drain")
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()
    url, broker = os.environ.get("DATABASE_URL", ""), os.environ.get("CELERY_BROKER_URL", "")
    if not url.startswith("postgres") or not broker.startswith("redis"):
        sys.exit("Set DATABASE_URL (a throw-away PostgreSQL database) and CELERY_BROKER_URL (Redis).")
    fresh_database(url)
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    run(args, broker)


def setup(documents: int) -> tuple[Any, Any, list[Any], Any]:
    """Seller, staff, customers and documents, paid and so on on the fake (stripe_scenario)."""
    from django.conf import settings
    from django.utils import timezone

    from praho.accounts.models import User
    from praho.billing.models import SellerProfile
    from praho.billing.rules.vat_rates import seed_vat_rates
    from praho.billing.services.numbering import seed_default_series
    from praho.testing.fakes.stripe import FakeStripe
    from praho.testing.stripe_scenario import issue_documents, make_customers, play

    seed_vat_rates()
    seed_default_series()
    SellerProfile.objects.get_or_create(
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
            "vat_payer": True,
            "valid_from": timezone.now(),
        },
    )
    staff = User.objects.create(email="bench-payments@praho.test", is_staff=True)
    fake = FakeStripe(auto_deliver=False).start()
    settings.STRIPE_API_BASE = fake.url
    customers = make_customers(actor=staff, count=max(1, documents // DOCUMENTS_PER_CUSTOMER), prefix="Bench")
    issued = issue_documents(actor=staff, customers=customers, count=documents)
    done = play(fake, actor=staff, documents=issued)
    return fake, staff, issued, done


def warm_up_deliveries(fake: Any) -> list[Any]:
    """Checkouts of another shop (no document_id): stored, sent to the worker, ignored there."""
    from praho.testing.webhook_storm import GOOD, Delivery, signed

    events: list[dict[str, Any]] = [
        {
            "id": f"evt_warm_up_{n}",
            "object": "event",
            "type": "checkout.session.completed",
            "created": int(time.time()),
            "data": {"object": {"id": f"cs_warm_up_{n}", "object": "checkout.session", "metadata": {}}},
        }
        for n in range(WARM_UP)
    ]
    return [Delivery(event["id"], GOOD, *signed(fake, event)) for event in events]


def run(args: argparse.Namespace, broker: str) -> None:
    import redis

    from praho.testing.servers import celery_worker, environment, gunicorn
    from praho.testing.webhook_storm import plan

    redis.Redis.from_url(broker).flushdb()
    documents = round(args.deliveries * (1 - DUPLICATE_SHARE - BAD_SHARE) / EVENTS_PER_DOCUMENT)
    began = time.perf_counter()
    fake, _staff, issued, done = setup(documents)
    events = list(fake.events)
    bad = round(args.deliveries * BAD_SHARE)
    deliveries = plan(fake, events, total=args.deliveries, bad=bad, rng=random.Random(args.seed))
    print(
        f"{len(issued)} documents paid, refunded, disputed on the fake: {len(events)} events "
        f"({time.perf_counter() - began:.0f} s to prepare); "
        f"load {os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs"
    )
    redis.Redis.from_url(broker).flushdb()  # nothing the preparation sent
    env = environment(
        os.environ,
        CELERY_BROKER_URL=broker,
        STRIPE_API_BASE=fake.url,
        STRIPE_WEBHOOK_SECRET=fake.webhook_secret,
        INBOX_RETRY_BASE_SECONDS="1",
    )
    LOG_DIR.mkdir(exist_ok=True)
    try:
        with gunicorn(env, LOG_DIR / "gunicorn.log", workers=args.web_workers) as url:
            target = f"{url}/webhooks/stripe/"
            if args.process:
                with celery_worker(env, LOG_DIR / "worker.log", concurrency=2):
                    first, last = storm(target, fake, deliveries, args.clients, args.web_workers)
                    drained(first=first, last=last)
            else:
                storm(target, fake, deliveries, args.clients, args.web_workers)
        summary(events, done, processed=args.process)
    finally:
        fake.stop()
        redis.Redis.from_url(broker).flushdb()
    print(f"(logs in {LOG_DIR})")


def storm(
    url: str, fake: Any, deliveries: Sequence[Any], clients: int, web_workers: int
) -> tuple[float, float]:
    """Send the deliveries (after the warm-up) and print the figures; when the first was sent and
    the last answered (perf_counter)."""
    from praho.testing.webhook_storm import BAD_KINDS, DUPLICATE, GOOD, Figures, send

    warmed = send(url, warm_up_deliveries(fake), clients=clients)
    if {o.status for o in warmed} != {200}:
        sys.exit(f"warm-up deliveries answered {sorted({o.status for o in warmed})}; see {LOG_DIR}")
    began = time.perf_counter()
    outcomes = send(url, deliveries, clients=clients)
    seconds = time.perf_counter() - began
    figures = Figures.of(outcomes, seconds)
    print(f"{clients} clients, gunicorn with {web_workers} sync workers:")
    for line in figures.lines():
        print(f"  {line} (target p95 < 20 ms)" if line.startswith("intake") else f"  {line}")
    for label, kinds in (("first copies", (GOOD,)), ("duplicates", (DUPLICATE,)), ("refused", BAD_KINDS)):
        samples = [o.milliseconds for o in outcomes if o.delivery.kind in kinds]
        if samples:
            print(f"    {label}: {spread(samples)}, max {max(samples):.1f} ms ({len(samples)})")
    statuses = Counter((o.delivery.bad, o.status) for o in outcomes)
    if set(statuses) != {(False, 200), (True, 400)}:
        print(f"  UNEXPECTED answers (bad?, status): {dict(statuses)}")
    return began, began + seconds


def drained(*, first: float, last: float) -> None:
    """Wait until no event is pending or failed; print how long that took."""
    from praho.inbox.models import EventStatus, InboundEvent

    waiting = InboundEvent.objects.filter(status__in=(EventStatus.PENDING, EventStatus.FAILED))
    left = waiting.count()
    while left:
        if time.perf_counter() - last > DRAIN_SECONDS:
            sys.exit(f"{left} events still pending or failed after {DRAIN_SECONDS} s; see {LOG_DIR}")
        time.sleep(0.2)
        left = waiting.count()
    now = time.perf_counter()
    print(
        f"  inbox drained {now - first:.2f} s after the first delivery, "
        f"{now - last:.2f} s after the last answer"
    )


def summary(events: list[dict[str, Any]], done: Any, *, processed: bool) -> None:
    from django.db.models import Count

    from praho.billing.models import Payment, Refund
    from praho.inbox.models import InboundEvent
    from praho.testing.stripe_scenario import HANDLED_TYPES, money_from_events

    stored = InboundEvent.objects.exclude(event_id__startswith="evt_warm_up_")
    by_status = dict(stored.values_list("status").annotate(n=Count("id")).order_by("status"))
    handled = sum(event["type"] in HANDLED_TYPES for event in events)
    print(f"inbox: {stored.count()} events stored of {len(events)} ({handled} handled types): {by_status}")
    if processed:
        attempts = Counter(stored.exclude(status="ignored").values_list("attempts", flat=True))
        print(
            f"billing: {Payment.objects.count()} payments (Stripe paid {len(money_from_events(events))}), "
            f"{Refund.objects.count()} refunds; attempts per handled event {dict(attempts)}"
        )


if __name__ == "__main__":
    main()
