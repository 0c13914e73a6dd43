"""Fixtures for the customers app: local fakes of ANAF and VIES.

Each starts a real HTTP server, points the settings at it with short timeouts
(so a test of a slow service takes half a second) and stops it afterwards.
"""

from __future__ import annotations

import pytest

from praho.customers.tests.fakes.anaf import FakeAnaf
from praho.customers.tests.fakes.vies import FakeVies

TIMEOUT_SECONDS = 0.5
SELLER_VAT_NUMBER = "RO18547290"


def _short_timeouts(settings) -> None:
    settings.GATEWAY_CONNECT_TIMEOUT_SECONDS = TIMEOUT_SECONDS
    settings.GATEWAY_TIMEOUT_SECONDS = TIMEOUT_SECONDS


@pytest.fixture
def fake_anaf(settings):
    with FakeAnaf() as fake:
        settings.ANAF_COMPANY_LOOKUP_URL = fake.url
        _short_timeouts(settings)
        yield fake


@pytest.fixture
def fake_vies(settings):
    with FakeVies() as fake:
        settings.VIES_API_URL = fake.url
        settings.PRAHO_SELLER_VAT_NUMBER = SELLER_VAT_NUMBER
        _short_timeouts(settings)
        yield fake
