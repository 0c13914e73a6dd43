from __future__ import annotations

from collections.abc import Iterator

import pytest

from praho.testing.fakes.stripe import FakeStripe


@pytest.fixture
def fake_stripe(settings) -> Iterator[FakeStripe]:
    """Stripe's API on a local port, PRAHO's settings pointing at it; webhooks are not sent by
    themselves (the tests deliver them through PRAHO's intake with `deliver()`)."""
    with FakeStripe(webhook_secret=settings.STRIPE_WEBHOOK_SECRET, auto_deliver=False) as fake:
        settings.STRIPE_API_BASE = fake.url
        yield fake


from praho.billing.tests.conftest import billing_ready  # noqa: E402, F401 (a fixture)


@pytest.fixture
def proforma(billing_ready, bill_billing, carol_customer):
    """An issued proforma of 121.00 RON (100.00 + 21 % VAT) for Carol's company."""
    from praho.billing.services.drafts import create_document
    from praho.billing.services.issuing import issue_document

    line = {
        "description": "Web hosting Business",
        "quantity": "1",
        "unit_code": "MON",
        "unit_price": "100.00",
    }
    draft = create_document(
        actor=bill_billing, document_type="proforma", customer=carol_customer, lines=[line]
    )
    return issue_document(actor=bill_billing, document=draft)
