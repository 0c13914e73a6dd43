"""Fixtures for recurring billing's tests: billing set up, the test catalog, services made as a
paid order makes them (anchored on the day they started), and a fake Stripe."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from praho.billing.tests.conftest import billing_ready  # noqa: F401 (a fixture)
from praho.catalog.cycles import period_start
from praho.orders.models import Service, ServiceStatus
from praho.testing.fakes.stripe import FakeStripe
from praho.testing.shop import Shop, build_shop


@pytest.fixture
def shop(db, billing_ready) -> Shop:
    return build_shop()


def renewing_service(
    shop: Shop,
    customer: Any,
    *,
    started: date,
    plan: str = "web-start",
    cycle: str = "monthly",
    price: str = "10.00",
    periods_paid: int = 1,
    **fields: Any,
) -> Service:
    """An active service started on `started` with its first `periods_paid` periods paid."""
    values: dict[str, Any] = {
        "cycle": cycle,
        "price": Decimal(price),
        "list_price": Decimal(price),
        "currency": "RON",
        "status": ServiceStatus.ACTIVE,
        "billing_anchor": started,
        **fields,
    }
    if "next_due_date" not in values:
        values["next_due_date"] = period_start(started, cycle, periods_paid)
    return Service.objects.create(customer=customer, plan=shop.plans[plan], **values)


@pytest.fixture
def fake_stripe(settings) -> Iterator[FakeStripe]:
    """Stripe's API on a local port, PRAHO's settings pointing at it; webhooks are not sent by
    themselves (the tests deliver them through PRAHO's intake)."""
    with FakeStripe(webhook_secret=settings.STRIPE_WEBHOOK_SECRET, auto_deliver=False) as fake:
        settings.STRIPE_API_BASE = fake.url
        yield fake
