"""What every app's tests share: a clean cache, the default language and time zone, a local
Redis. The named actors (alice_admin .. sam_sales, carol, erin, dave, their customers) are
fixtures of praho.testing.actors, loaded here as a plugin."""

from __future__ import annotations

import pytest

pytest_plugins = ["praho.testing.actors"]


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


def _per_worker_database(url: str) -> str:
    """Each pytest-xdist worker its own Redis database (15, 14, ... counting down from the
    URL's): a test that empties the cache (FLUSHDB) must not wipe what another worker's test
    just stored, such as a used TOTP code."""
    import os
    from urllib.parse import urlsplit, urlunsplit

    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    parts = urlsplit(url)
    database = int(parts.path.strip("/") or 0) - int(worker.removeprefix("gw"))
    return urlunsplit(parts._replace(path=f"/{max(database, 0)}"))


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The local Redis used by tests that need a real broker or cache.

    PRAHO_TEST_REDIS_URL names it (default redis://127.0.0.1:6379/15). When it
    does not answer the test is skipped, unless PRAHO_REQUIRE_SERVICES=1 (set by
    CI), where a missing service must fail the run instead of hiding it.
    """
    import os

    import redis

    url = _per_worker_database(os.environ.get("PRAHO_TEST_REDIS_URL", "redis://127.0.0.1:6379/15"))
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
