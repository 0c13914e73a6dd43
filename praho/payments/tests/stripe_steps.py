"""Steps shared by the Stripe tests: open a checkout for a document, pay it on the fake's page,
hand Stripe's events to PRAHO's intake the way Stripe sends them."""

from __future__ import annotations

from typing import Any

from django.test import Client

from praho.payments.models import CheckoutSession
from praho.payments.services.checkout import start_checkout
from praho.testing.fakes.stripe import FakeStripe

WEBHOOK = "/webhooks/stripe/"


def post_event(
    client: Client, fake: FakeStripe, event: dict[str, Any], *, timestamp: int | None = None
) -> Any:
    body, header = fake.signed(event, timestamp=timestamp)
    return client.post(WEBHOOK, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header)


def deliver_all(client: Client, fake: FakeStripe, *types: str, capture: Any) -> None:
    """Every event of these types the fake has recorded, in order, processed as they arrive."""
    for event in list(fake.events):
        if not types or event["type"] in types:
            with capture(execute=True):
                assert post_event(client, fake, event).status_code == 200


def checkout(document: Any, actor: Any, *, save_card: bool = False) -> CheckoutSession:
    return start_checkout(
        actor=actor, document=document, save_card=save_card, return_url="http://testserver/app/"
    )
