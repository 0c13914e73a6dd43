"""POST /webhooks/stripe/: Stripe's signature scheme checked with the stripe library; a bad,
missing or stale signature is 400 and stores nothing; a good delivery is stored raw and answered
at once; the same event again is a duplicate."""

from __future__ import annotations

import time

import pytest

from praho.inbox.models import EventStatus, InboundEvent
from praho.payments.tests.stripe_steps import WEBHOOK, post_event

pytestmark = pytest.mark.django_db

EVENT = {
    "id": "evt_1",
    "object": "event",
    "type": "customer.created",  # no handler: stored as ignored, nothing to process
    "created": 1_800_000_000,
    "data": {"object": {"id": "cus_1", "object": "customer"}},
}


def test_a_signed_event_is_stored_raw_and_answered_at_once(client, fake_stripe):
    body, header = fake_stripe.signed(EVENT)
    response = client.post(WEBHOOK, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header)
    assert (response.status_code, response.json()) == (200, {"received": True, "duplicate": False})
    stored = InboundEvent.objects.get()
    assert (stored.source, stored.event_id, stored.event_type) == ("stripe", "evt_1", "customer.created")
    assert stored.payload == body.decode()
    assert stored.status == EventStatus.IGNORED
    assert post_event(client, fake_stripe, EVENT).json() == {"received": True, "duplicate": True}
    assert InboundEvent.objects.count() == 1


@pytest.mark.parametrize("signature", ["bad", "none", "stale"])
def test_a_bad_missing_or_stale_signature_is_refused_and_nothing_stored(client, fake_stripe, signature):
    timestamp = int(time.time()) - 301 if signature == "stale" else None
    body, header = fake_stripe.signed(EVENT, timestamp=timestamp)
    if signature == "bad":
        header = header.replace("v1=", "v1=0")
    extra = {} if signature == "none" else {"HTTP_STRIPE_SIGNATURE": header}
    response = client.post(WEBHOOK, body, content_type="application/json", **extra)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_webhook"
    assert not InboundEvent.objects.exists()


def test_a_signed_body_that_is_not_an_event_is_refused(client, fake_stripe):
    body, header = fake_stripe.signed({"object": "event"})  # no id, no type
    response = client.post(WEBHOOK, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header)
    assert (response.status_code, response.json()["error"]["message"]) == (
        400,
        "The payload is not a Stripe event.",
    )
    assert not InboundEvent.objects.exists()


def test_only_post(client):
    assert client.get(WEBHOOK).status_code == 405


def test_without_a_webhook_secret_nothing_is_stored(client, fake_stripe, settings):
    body, header = fake_stripe.signed(EVENT)
    settings.STRIPE_WEBHOOK_SECRET = ""
    response = client.post(WEBHOOK, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header)
    assert response.status_code == 400
    assert not InboundEvent.objects.exists()
