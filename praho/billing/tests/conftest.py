"""Fixtures for the billing app's tests."""

from __future__ import annotations

import pytest

from praho.billing.tests.fakes.bnr import FakeBnr
from praho.customers.tests.conftest import fake_vies  # noqa: F401 (a fixture: VIES confirms reverse charge)

GATEWAY_TIMEOUT_SECONDS = 0.5


@pytest.fixture
def fake_bnr(settings):
    """BNR's rate files served from a local HTTP server, with short timeouts."""
    with FakeBnr() as fake:
        settings.BNR_FEED_URL = fake.daily_url
        settings.BNR_FEED_10DAYS_URL = fake.ten_days_url
        settings.GATEWAY_CONNECT_TIMEOUT_SECONDS = GATEWAY_TIMEOUT_SECONDS
        settings.GATEWAY_TIMEOUT_SECONDS = GATEWAY_TIMEOUT_SECONDS
        yield fake


@pytest.fixture
def billing_ready(db):
    """What the migrations seed (VAT rates, default series) and an admin-configured seller."""
    from django.utils import timezone

    from praho.billing.models import SellerProfile
    from praho.billing.rules.vat_rates import seed_vat_rates
    from praho.billing.services.numbering import seed_default_series

    seed_vat_rates()
    seed_default_series()
    return SellerProfile.objects.create(
        version=1,
        name="PRAHO Hosting SRL",
        tax_id="RO18547290",
        trade_register_number="J40/123/2020",
        street="Str. Exemplu 1",
        city="Sector 3",
        county="RO-B",
        postal_code="030000",
        iban="RO49AAAA1B31007593840000",
        bank_name="Banca Exemplu",
        vat_payer=True,
        valid_from=timezone.now(),
    )
