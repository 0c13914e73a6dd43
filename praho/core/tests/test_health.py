"""/health/live/ and /health/ready/."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed_port_url() -> str:
    """A Redis URL on a port nothing listens on: connections are refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


@pytest.fixture
def silent_server_url() -> Iterator[str]:
    """A server that accepts connections (via the backlog) and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    try:
        yield f"127.0.0.1:{server.getsockname()[1]}"
    finally:
        server.close()


def test_live_answers_ok(client):
    response = client.get("/health/live/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_live_accepts_only_get(client):
    response = client.post("/health/live/")

    assert response.status_code == 405


def test_ready_checks_database_and_cache_without_a_broker(client, settings):
    assert settings.CELERY_BROKER_URL == ""

    response = client.get("/health/ready/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}
    assert "no-cache" in response["Cache-Control"]


def test_ready_accepts_only_get(client):
    response = client.post("/health/ready/")

    assert response.status_code == 405


def test_ready_is_unavailable_when_the_broker_refuses_connections(client, settings, closed_port_url):
    settings.CELERY_BROKER_URL = closed_port_url
    started = time.monotonic()

    response = client.get("/health/ready/")

    elapsed = time.monotonic() - started
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["cache"] == "ok"
    assert body["checks"]["broker"] == "error: OperationalError"
    assert elapsed < 2, f"a refused connection took {elapsed:.1f}s"


def test_ready_gives_up_on_a_redis_broker_that_never_answers(client, settings, silent_server_url):
    settings.CELERY_BROKER_URL = f"redis://{silent_server_url}/0"
    started = time.monotonic()

    response = client.get("/health/ready/")

    elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert response.json()["checks"]["broker"].startswith("error")
    assert elapsed < 4, f"a silent broker held the probe for {elapsed:.1f}s"


def test_ready_gives_up_on_an_amqp_broker_that_never_answers(client, settings, silent_server_url):
    settings.CELERY_BROKER_URL = f"amqp://guest:guest@{silent_server_url}//"
    started = time.monotonic()

    response = client.get("/health/ready/")

    elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert response.json()["checks"]["broker"].startswith("error")
    assert elapsed < 4, f"a silent broker held the probe for {elapsed:.1f}s"


def test_ready_is_ok_with_a_reachable_redis_broker(client, settings, redis_url):
    settings.CELERY_BROKER_URL = redis_url

    response = client.get("/health/ready/")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "broker": "ok"},
    }


def test_ready_is_ok_with_redis_as_cache(client, settings, redis_url):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}
    }

    response = client.get("/health/ready/")

    assert response.status_code == 200
    assert response.json()["checks"]["cache"] == "ok"


def test_ready_is_unavailable_when_the_cache_is_down(client, settings, closed_port_url):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": closed_port_url}
    }

    response = client.get("/health/ready/")

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "ok", "cache": "error: ConnectionError"},
    }


def test_a_failed_check_is_logged_with_its_details(client, settings, closed_port_url, caplog):
    settings.CELERY_BROKER_URL = closed_port_url

    client.get("/health/ready/")

    [record] = [r for r in caplog.records if r.name == "praho.core.health"]
    assert record.levelname == "WARNING"
    assert record.getMessage().startswith("Readiness check broker failed: ")
    assert "Connection refused" in record.getMessage()
