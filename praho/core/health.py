"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)

# A probe must answer before the orchestrator's own timeout, however the broker fails.
BROKER_TIMEOUT_SECONDS = 2


@never_cache
@require_GET
def live(request: HttpRequest) -> JsonResponse:
    """The process answers; it says nothing about its dependencies."""
    return JsonResponse({"status": "ok"})


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_cache() -> None:
    key = f"health:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=5)
    if cache.get(key) != "1":
        raise RuntimeError("value written to the cache could not be read back")
    cache.delete(key)


def _broker_transport_options(url: str) -> dict[str, float]:
    """Socket timeouts, so a broker that accepts connections but never answers
    cannot hold the probe (without them Redis and AMQP reads wait forever)."""
    scheme = url.split("://", 1)[0].lower()
    if scheme in {"redis", "rediss"}:
        return {"socket_connect_timeout": BROKER_TIMEOUT_SECONDS, "socket_timeout": BROKER_TIMEOUT_SECONDS}
    if scheme in {"amqp", "amqps", "pyamqp"}:
        return {"read_timeout": BROKER_TIMEOUT_SECONDS, "write_timeout": BROKER_TIMEOUT_SECONDS}
    return {}


def _check_broker() -> None:
    from praho.celery import app

    # The URL from settings (not app.conf, which is read once) so the probe checks
    # the broker the settings name; one attempt: kombu would otherwise retry with pauses.
    url = settings.CELERY_BROKER_URL
    with app.connection_for_write(
        url=url,
        connect_timeout=BROKER_TIMEOUT_SECONDS,
        transport_options=_broker_transport_options(url),
    ) as conn:
        conn.ensure_connection(max_retries=0)


@never_cache
@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    """Ready to serve traffic: database, cache and (when configured) the broker answer."""
    checks: dict[str, Callable[[], None]] = {"database": _check_database, "cache": _check_cache}
    if settings.CELERY_BROKER_URL:
        checks["broker"] = _check_broker
    results: dict[str, str] = {}
    for name, check in checks.items():
        try:
            check()
            results[name] = "ok"
        except Exception as exc:
            # Only the exception's type leaves the process; the details go to the log.
            logger.warning("Readiness check %s failed: %s", name, exc, exc_info=True)
            results[name] = f"error: {type(exc).__name__}"
    healthy = all(value == "ok" for value in results.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": results},
        status=200 if healthy else 503,
    )
