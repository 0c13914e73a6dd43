"""Fixtures of recurring billing's tests: billing set up, a catalog, services and their renewal
documents made directly (the billing run is not needed to test what follows it), a fake Stripe."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from praho.billing.tests.conftest import billing_ready  # noqa: F401 (a fixture)
from praho.testing.fakes.stripe import FakeStripe
from praho.testing.shop import Shop, build_shop


@pytest.fixture
def shop(db, billing_ready) -> Shop:
    return build_shop()


@pytest.fixture
def fake_stripe(settings) -> Iterator[FakeStripe]:
    """Stripe's API on a local port, PRAHO's settings pointing at it; webhooks are not sent by
    themselves (the tests deliver them through PRAHO's intake)."""
    with FakeStripe(webhook_secret=settings.STRIPE_WEBHOOK_SECRET, auto_deliver=False) as fake:
        settings.STRIPE_API_BASE = fake.url
        yield fake
