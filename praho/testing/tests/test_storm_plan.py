"""The storm's plan (praho.testing.webhook_storm) is what the storm test counts on: every event once
as its first copy, at most three copies, the bad deliveries really refused by PRAHO's intake and
the forged ones never stored. Checked here in-process, on any database."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from praho.inbox.models import InboundEvent
from praho.testing.fakes.stripe import FakeStripe
from praho.testing.webhook_storm import (
    BAD_KINDS,
    DUPLICATE,
    FORGED_PREFIX,
    GOOD,
    MAX_COPIES,
    Figures,
    Outcome,
    plan,
)

EVENTS = [
    {
        "id": f"evt_{n}",
        "object": "event",
        "type": "customer.created",  # no handler: stored as ignored, nothing to process
        "created": 1_800_000_000 + n,
        "data": {"object": {"id": f"cus_{n}", "object": "customer", "metadata": {}}},
    }
    for n in range(10)
]


@pytest.fixture
def fake(settings):
    with FakeStripe(webhook_secret=settings.STRIPE_WEBHOOK_SECRET, auto_deliver=False) as fake:
        yield fake


def test_every_event_once_first_at_most_three_copies_and_the_bad_ones_by_kind(fake):
    deliveries = plan(fake, EVENTS, total=30, bad=8, rng=random.Random(1))  # noqa: S311 (a shuffle)

    assert len(deliveries) == 30
    kinds = Counter(d.kind for d in deliveries)
    assert kinds == {GOOD: 10, DUPLICATE: 12, **dict.fromkeys(BAD_KINDS, 2)}
    assert Counter(d.event_id for d in deliveries if d.kind == GOOD) == {e["id"]: 1 for e in EVENTS}
    copies = Counter(d.event_id for d in deliveries if not d.bad)
    assert max(copies.values()) <= MAX_COPIES
    assert sum(d.event_id.startswith(FORGED_PREFIX) for d in deliveries) == 4


def test_the_plan_refuses_a_total_that_cannot_hold_the_events(fake):
    with pytest.raises(ValueError, match="do not fit"):
        plan(fake, EVENTS, total=12, bad=4, rng=random.Random(1))  # noqa: S311
    with pytest.raises(ValueError, match="more than 3 copies"):
        plan(fake, EVENTS, total=31, bad=0, rng=random.Random(1))  # noqa: S311


@pytest.mark.django_db
def test_the_intake_refuses_every_bad_delivery_and_stores_each_event_once(client, fake):
    deliveries = plan(fake, EVENTS, total=30, bad=8, rng=random.Random(2))  # noqa: S311
    outcomes = []
    for delivery in deliveries:
        headers = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in delivery.headers.items()}
        headers.pop("HTTP_CONTENT_TYPE")
        response = client.post("/webhooks/stripe/", delivery.body, content_type="application/json", **headers)
        outcomes.append(Outcome(delivery, response.status_code, 1.0, response.json()))

    assert {o.status for o in outcomes if o.delivery.bad} == {400}
    assert {o.status for o in outcomes if not o.delivery.bad} == {200}
    assert sorted(InboundEvent.objects.values_list("event_id", flat=True)) == sorted(e["id"] for e in EVENTS)
    for event in InboundEvent.objects.all():
        assert event.payload == next(
            d.body.decode() for d in deliveries if d.event_id == event.event_id and not d.bad
        )
    figures = Figures.of(outcomes, seconds=2.0)
    assert (figures.sent, figures.good, figures.duplicates, figures.bad, figures.distinct) == (
        30,
        10,
        12,
        8,
        10,
    )
