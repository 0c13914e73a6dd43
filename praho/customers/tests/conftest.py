"""Fixtures for the customers app: local fakes of ANAF and VIES, a logged-in admin's client and a
German company (several test modules use them).

Each starts a real HTTP server, points the settings at it with short timeouts
(so a test of a slow service takes half a second) and stops it afterwards.
"""

from __future__ import annotations

import pytest

from praho.accounts.tests.factories import UserFactory, add_totp
from praho.customers.services.customers import create_customer
from praho.customers.tests.fakes.anaf import FakeAnaf
from praho.customers.tests.fakes.vies import FakeVies
from praho.testing.actors import member_of

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


@pytest.fixture
def admin(staff_client, alice_admin):
    return staff_client(alice_admin)


@pytest.fixture
def german_company(alice_admin):
    return create_customer(
        actor=alice_admin,
        kind="company",
        name="Beispiel GmbH",
        country="DE",
        tax_id="DE136695976",
        address={"street": "Hauptstraße 1", "city": "Berlin", "postal_code": "10115", "country": "DE"},
    )


@pytest.fixture
def bare_staff(db):
    """Staff with a second factor but no role: no permission on customers."""
    user = UserFactory(email="bare@staff.test", is_staff=True)
    add_totp(user)
    return user


@pytest.fixture
def vic(carol_customer):
    """A viewer of carol's customer."""
    return member_of(carol_customer, email="vic@customer.test", role="viewer")


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login
