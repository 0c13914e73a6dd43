"""Issue 15's reliability requirement: a storm of Stripe webhook deliveries against PRAHO as it runs
in production — gunicorn with two worker processes taking the deliveries, a Celery worker with two
processes handling them — ends with every event stored once and its effects committed once.

The storm: the fake Stripe's whole event log of sixty documents paid, refunded, disputed and so on
(about 320 events, two thirds of types PRAHO ignores), each delivered one to three times, shuffled,
with refused deliveries among them (another secret, a stale signature, none, a body changed after
signing), 500 in all, from four connections at once. Handlers then run in any order, two at a
time: a refund may be processed before, or while, its payment is.

Afterwards: every bad delivery was answered 400 and stored nothing; every event was stored once,
with the body Stripe signed, and processed once (ignored at intake for the types without a
handler); billing has one payment per PaymentIntent with one ledger posting, one refund per
Stripe refund, and each invoice and customer balance is what Stripe's events say was paid and
refunded. The figures (deliveries, latencies, time to drain the inbox) are printed: run with -s.

PostgreSQL only (the servers are other processes on the test database) and Redis (the broker):
skipped without them, except that PRAHO_REQUIRE_SERVICES=1 (CI) turns a missing Redis into a
failure.
"""

from __future__ import annotations

import os
import random
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import redis
from django.db import connection
from django.db.models import Count

from praho.audit.integrity import verify_chain
from praho.audit.models import AuditEvent
from praho.billing import ledger_queries
from praho.billing.models import Document, DocumentStatus, DocumentType, LedgerTransaction, Payment, Refund
from praho.billing.models.ledger import TransactionKind
from praho.core.tests.test_tasks import app_using
from praho.customers.models import Customer
from praho.efactura.tests.test_efactura_worker import shared_database  # noqa: F401 (a fixture)
from praho.inbox.models import EventStatus, InboundEvent
from praho.inbox.tasks import sweep
from praho.payments.models import CheckoutSession, CheckoutStatus, Dispute, StripeCustomer
from praho.payments.tests.stripe_steps import WEBHOOK
from praho.testing.fakes.stripe_webhooks import body_of
from praho.testing.servers import celery_worker, environment, gunicorn, queue_settings, tail
from praho.testing.stripe_scenario import (
    HANDLED_TYPES,
    OFF_SESSION_TYPES,
    Money,
    issue_documents,
    make_customers,
    money_from_events,
    play,
    refunds_from_events,
)
from praho.testing.webhook_storm import FORGED_PREFIX, Figures, Outcome, plan, send

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Needs PostgreSQL: gunicorn and the Celery worker are other processes on the test database; "
    "set DATABASE_URL=postgres://... to run it.",
)

DOCUMENTS = 60  # about 320 events: all fit in 500 deliveries, with room for copies and bad ones
CUSTOMERS = 6
DELIVERIES = 500
BAD = 40
CLIENTS = 4
DRAIN_SECONDS = 90
SWEEP_EVERY_SECONDS = 2.0
ZERO = Decimal("0.00")

committed = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def storm_queue(redis_url: str) -> Iterator[str]:
    """A queue of this test's own on the test Redis: the servers send to it, the worker takes from it."""
    name = f"praho-storm-{uuid.uuid4().hex[:12]}"
    yield name
    redis.Redis.from_url(redis_url).delete(name, f"_kombu.binding.{name}")


@committed
def test_a_storm_of_stripe_deliveries_is_stored_once_and_paid_once(
    shared_database,
    billing_ready,
    bill_billing,
    fake_stripe,
    redis_url,
    storm_queue,
    tmp_path,
    settings,
):
    customers = make_customers(actor=bill_billing, count=CUSTOMERS)
    documents = issue_documents(actor=bill_billing, customers=customers, count=DOCUMENTS)
    done = play(fake_stripe, actor=bill_billing, documents=documents)
    events = list(fake_stripe.events)
    rng = random.Random(15)  # noqa: S311 (a shuffle, not a secret)
    deliveries = plan(fake_stripe, events, total=DELIVERIES, bad=BAD, rng=rng)
    env = environment(
        os.environ,
        CELERY_BROKER_URL=redis_url,
        STRIPE_API_BASE=fake_stripe.url,
        STRIPE_SECRET_KEY=settings.STRIPE_SECRET_KEY,
        STRIPE_WEBHOOK_SECRET=fake_stripe.webhook_secret,
        INBOX_RETRY_BASE_SECONDS="1",  # a handler that failed is tried again within the test
        **queue_settings(tmp_path, storm_queue),
    )
    worker_log = tmp_path / "worker.log"

    with (
        gunicorn(env, tmp_path / "gunicorn.log", workers=2) as url,
        celery_worker(env, worker_log, queue=storm_queue, concurrency=2) as worker,
        app_using(redis_url),
    ):
        began = time.perf_counter()
        outcomes = send(f"{url}{WEBHOOK}", deliveries, clients=CLIENTS)
        sent_in = time.perf_counter() - began
        drained_in = _wait_until_drained(storm_queue, worker_log) - began
        assert worker.poll() is None, tail(worker_log)
    handled = sum(event["type"] in HANDLED_TYPES for event in events)
    for line in [
        *Figures.of(outcomes, sent_in).lines(),
        f"inbox drained {drained_in:.2f} s after the first delivery ({drained_in - sent_in:.2f} s after "
        f"the last answer): {len(events)} events, {handled} of them handled by the worker",
    ]:
        print(f"[storm] {line}")  # before the checks: a failing run shows them too

    retried = _check_the_inbox(events, outcomes, worker_log)
    money = money_from_events(events)
    _check_the_ledger(fake_stripe, done.sessions, money, events)
    _check_the_balances(documents, money)
    _check_the_payments_records(done, money, events)
    assert verify_chain().intact
    print(
        f"[storm] {len(documents)} documents: {len(money)} payments, {len(refunds_from_events(events))} "
        f"refunds; events tried more than once (after a failure): {len(retried)} {sorted(retried.values())}"
    )


def _wait_until_drained(queue: str, log: Path) -> float:
    """When no event is pending or failed any more (perf_counter). Meanwhile `inbox.sweep` is sent
    to the worker every few seconds, as beat would send it every minute, so a failed event is tried
    again once its (short) backoff is over."""
    deadline = time.monotonic() + DRAIN_SECONDS
    next_sweep = time.monotonic() + SWEEP_EVERY_SECONDS
    waiting = InboundEvent.objects.filter(status__in=(EventStatus.PENDING, EventStatus.FAILED))
    while waiting.exists():
        now = time.monotonic()
        if now > deadline:
            left = list(waiting.values_list("pk", "event_type", "status", "attempts", "last_error")[:20])
            pytest.fail(f"the inbox was not drained in {DRAIN_SECONDS} s: {left}\n{tail(log)}")
        if now > next_sweep:
            sweep.apply_async(queue=queue)
            next_sweep = now + SWEEP_EVERY_SECONDS
        time.sleep(0.1)
    return time.perf_counter()


def _check_the_inbox(events: list[dict], outcomes: list[Outcome], log: Path) -> dict[str, int]:
    """Every answer, and every stored event's row: once, the body as signed, processed once. The
    events tried more than once (each must have failed first, in the worker's log): type by id."""
    bad = [o for o in outcomes if o.delivery.bad]
    good = [o for o in outcomes if not o.delivery.bad]
    assert len(outcomes) == DELIVERIES
    assert Counter((o.status, (o.answer or {}).get("error", {}).get("code")) for o in bad) == {
        (400, "bad_webhook"): BAD
    }
    assert Counter(o.status for o in good) == {200: len(good)}
    # Exactly one delivery of each event was the one that stored it.
    stored_by = Counter(
        o.delivery.event_id for o in good if o.answer == {"received": True, "duplicate": False}
    )
    assert stored_by == Counter({event["id"]: 1 for event in events})
    assert not InboundEvent.objects.filter(event_id__startswith=FORGED_PREFIX).exists()

    rows = {row.event_id: row for row in InboundEvent.objects.all()}
    per_key = InboundEvent.objects.values("source", "event_id").annotate(n=Count("id")).filter(n__gt=1)
    assert not per_key.exists()
    assert sorted(rows) == sorted(event["id"] for event in events)
    written = log.read_text(errors="replace")
    retried = {}
    for event in events:
        row = rows[event["id"]]
        assert (row.source, row.event_type) == ("stripe", event["type"])
        assert row.payload == body_of(event).decode(), f"{row.event_id} stored with another body"
        if event["type"] in HANDLED_TYPES:
            assert (row.status, row.last_error) == (EventStatus.PROCESSED, ""), (row.event_id, row.last_error)
            assert row.attempts >= 1
            if row.attempts > 1:
                assert f"Inbound event {row.pk} failed" in written, f"{row.event_id} retried without failing"
                retried[row.event_id] = row.event_type
        elif event["type"] in OFF_SESSION_TYPES:  # a checkout's: the worker looked and ignored it
            assert row.status == EventStatus.IGNORED, (row.event_id, row.status, row.last_error)
            assert row.attempts >= 1
        else:
            assert (row.status, row.attempts) == (EventStatus.IGNORED, 0), row.event_id
    return retried


def _check_the_ledger(fake, sessions: dict[int, str], money: dict[int, Money], events: list[dict]) -> None:
    """One card payment per paid session's PaymentIntent, posted once; one refund per Stripe refund."""
    intents = {}
    for document_id in money:
        paid = fake.lookup(sessions[document_id])
        intents[paid["payment_intent"]] = document_id
    payments = {p.external_id: p for p in Payment.objects.select_related("document")}
    assert sorted(payments) == sorted(intents)
    for intent, payment in payments.items():
        expected = money[intents[intent]]
        assert (payment.amount, payment.currency, payment.method) == (
            expected.paid,
            expected.currency,
            "card",
        )
    postings = LedgerTransaction.objects.filter(kind=TransactionKind.PAYMENT_RECEIVED)
    assert Counter(postings.values_list("payment_id", flat=True)) == Counter(
        {payment.pk: 1 for payment in payments.values()}
    )
    assert AuditEvent.objects.filter(action="billing.payment_recorded").count() == len(payments)

    refunds = {r.external_id: r for r in Refund.objects.select_related("payment")}
    assert {key: r.amount for key, r in refunds.items()} == refunds_from_events(events)
    charges = {
        e["data"]["object"]["id"]: e["data"]["object"]["charge"]
        for e in events
        if e["type"] == "refund.created"
    }
    for refund_id, refund in refunds.items():
        charge = fake.lookup(charges[refund_id])
        assert refund.payment.external_id == charge["payment_intent"]
    assert LedgerTransaction.objects.filter(kind=TransactionKind.REFUND_PAID).count() == len(refunds)


def _check_the_balances(documents: list[Document], money: dict[int, Money]) -> None:
    """Each invoice owes its total less what Stripe says was paid, plus what it says was refunded;
    each customer's receivable is the sum of that, and nobody has credit left."""
    owed: dict[tuple[int, str], Decimal] = {}
    for document in documents:
        invoice = _invoice_of(document)
        if invoice is None:  # a proforma nobody paid: not in the ledger
            assert document.pk not in money
            continue
        got = money.get(document.pk, Money(currency=document.currency))
        expected = invoice.total - got.paid + got.refunded
        assert ledger_queries.document_outstanding(invoice) == expected, document.number
        key = (document.customer_id, document.currency)
        owed[key] = owed.get(key, ZERO) + expected
    balances = {
        (customer.pk, currency): (balance.receivable, balance.credit)
        for customer in Customer.objects.filter(pk__in={d.customer_id for d in documents})
        for currency, balance in ledger_queries.customer_balance(customer).items()
    }
    assert balances == {key: (amount, ZERO) for key, amount in owed.items()}


def _invoice_of(document: Document) -> Document | None:
    if document.document_type == DocumentType.INVOICE:
        return Document.objects.get(pk=document.pk)
    return Document.objects.filter(converted_from=document, document_type=DocumentType.INVOICE).first()


def _check_the_payments_records(done, money: dict[int, Money], events: list[dict]) -> None:
    """Sessions where Stripe left them; disputes once, tied to their payment; the portal's e-mails."""
    statuses = dict(CheckoutSession.objects.values_list("document_id", "status"))
    expected = dict.fromkeys(done.paid, CheckoutStatus.PAID)
    expected |= dict.fromkeys(done.open, CheckoutStatus.OPEN)
    expected |= dict.fromkeys(done.expired, CheckoutStatus.EXPIRED)
    expected |= dict.fromkeys(done.failed, CheckoutStatus.FAILED)
    assert statuses == expected
    assert set(money) == done.paid
    for document_id in done.open | done.expired | done.failed:
        proforma_or_invoice = Document.objects.get(pk=document_id)
        if proforma_or_invoice.document_type == DocumentType.PROFORMA:
            assert proforma_or_invoice.status == DocumentStatus.ISSUED

    opened = [e["data"]["object"] for e in events if e["type"] == "charge.dispute.created"]
    disputes = {d.dispute_id: d for d in Dispute.objects.select_related("payment")}
    assert sorted(disputes) == sorted(d["id"] for d in opened)
    for sent in opened:
        dispute = disputes[sent["id"]]
        assert dispute.payment is not None, f"{sent['id']} not tied to its payment"
        assert dispute.payment.external_id == sent["payment_intent"]
    assert AuditEvent.objects.filter(action="payments.dispute_opened").count() == len(opened)
    assert dict(StripeCustomer.objects.values_list("stripe_id", "email")) == done.emails
