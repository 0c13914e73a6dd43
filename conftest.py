"""Named actors shared by every app's tests.

alice_admin .. sam_sales: one staff user per role, each with a TOTP second factor.
nora_nomfa: staff (admin role) without a second factor.
carol: a customer's user with a verified email; dave: another customer's user.
"""

from __future__ import annotations

import pytest

from praho.accounts.roles import Role
from praho.accounts.tests.factories import UserFactory, add_totp

PASSWORD = "correct horse battery staple"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every transactional test restores the migrated data (serialized_rollback=True).

    A plain transaction=True test ends with a flush that re-creates content types and
    permissions under new ids; the next serialized_rollback test then fails to load the saved
    ones (duplicate django_content_type row), depending only on the order tests run in.
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker and marker.kwargs.get("transaction") and not marker.kwargs.get("serialized_rollback"):
            fix = "django_db(transaction=True, serialized_rollback=True)"
            raise pytest.UsageError(f"{item.nodeid}: use {fix}")


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Used TOTP codes and rate limits live in the cache; start each test clean."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language_and_time_zone():
    """Requests activate the user's language and time zone for the thread; start from the defaults."""
    from django.conf import settings
    from django.utils import timezone, translation

    translation.activate(settings.LANGUAGE_CODE)
    timezone.deactivate()
    yield
    translation.activate(settings.LANGUAGE_CODE)
    timezone.deactivate()


@pytest.fixture
def password() -> str:
    return PASSWORD


def _staff(email: str, role: str, *, totp: bool = True):
    user = UserFactory(email=email, is_staff=True, roles=[role])
    if totp:
        add_totp(user)
    return user


@pytest.fixture
def alice_admin(db):
    return _staff("alice@staff.test", Role.ADMIN)


@pytest.fixture
def mike_manager(db):
    return _staff("mike@staff.test", Role.MANAGER)


@pytest.fixture
def bill_billing(db):
    return _staff("bill@staff.test", Role.BILLING)


@pytest.fixture
def sue_support(db):
    return _staff("sue@staff.test", Role.SUPPORT)


@pytest.fixture
def sam_sales(db):
    return _staff("sam@staff.test", Role.SALES)


@pytest.fixture
def nora_nomfa(db):
    return _staff("nora@staff.test", Role.ADMIN, totp=False)


@pytest.fixture
def carol(db):
    return UserFactory(email="carol@customer.test")


@pytest.fixture
def dave(db):
    return UserFactory(email="dave@other-customer.test")


@pytest.fixture
def staff_client(client):
    """Log a staff user in as if they had passed the second-factor step."""

    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The local Redis used by tests that need a real broker or cache.

    PRAHO_TEST_REDIS_URL names it (default redis://127.0.0.1:6379/15). When it
    does not answer the test is skipped, unless PRAHO_REQUIRE_SERVICES=1 (set by
    CI), where a missing service must fail the run instead of hiding it.
    """
    import os

    import redis

    url = os.environ.get("PRAHO_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        client.ping()
        client.close()
    except redis.RedisError as exc:
        reason = f"Redis at {url} is not reachable ({type(exc).__name__}: {exc}); set PRAHO_TEST_REDIS_URL"
        if os.environ.get("PRAHO_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{reason}. PRAHO_REQUIRE_SERVICES=1 requires it.")
        pytest.skip(reason)
    return url


COMPANY = {
    "kind": "company",
    "country": "RO",
    "vat_payer": True,
    "address": {"street": "Str. Lungă 10", "city": "Cluj-Napoca", "county": "RO-CJ", "country": "RO"},
}


@pytest.fixture
def carol_customer(carol, alice_admin):
    """Carol's company; carol is its owner."""
    from praho.customers.services import create_customer

    return create_customer(
        actor=alice_admin, name="Carol Hosting SRL", tax_id="RO18547290", owner=carol, **COMPANY
    )


@pytest.fixture
def dave_customer(dave, alice_admin):
    """Another customer; dave is its owner and has nothing to do with carol's."""
    from praho.customers.services import create_customer

    return create_customer(actor=alice_admin, name="Dave Web SRL", tax_id="RO14399840", owner=dave, **COMPANY)
