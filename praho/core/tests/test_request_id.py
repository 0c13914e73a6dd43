"""X-Request-ID: given to every request, echoed when well-formed, carried by logs."""

from __future__ import annotations

import json
import logging
import logging.config
import re
from collections.abc import Iterator

import pytest
from django.conf import settings as django_settings

from praho.core import request_id
from praho.core.request_id import RequestContext, RequestIDLogFilter

pytestmark = pytest.mark.django_db

GENERATED = re.compile(r"[0-9a-f]{32}")


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.addFilter(RequestIDLogFilter())

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def collected() -> Iterator[Collect]:
    """Records of the django.request logger, passed through our request-ID filter."""
    handler = Collect()
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


def json_formatter() -> logging.Formatter:
    """The "json" formatter exactly as settings.LOGGING configures it."""
    config = dict(django_settings.LOGGING["formatters"]["json"])
    return logging.config.DictConfigurator({}).configure_formatter(config)


def test_a_response_carries_a_generated_request_id(client):
    response = client.get("/health/live/")

    assert GENERATED.fullmatch(response["X-Request-ID"])


def test_every_request_gets_its_own_id(client):
    first = client.get("/health/live/")["X-Request-ID"]
    second = client.get("/health/live/")["X-Request-ID"]

    assert first != second


def test_a_well_formed_incoming_id_is_echoed(client):
    response = client.get("/health/live/", HTTP_X_REQUEST_ID="lb-7f3a:2025.03.10_abc-1")

    assert response["X-Request-ID"] == "lb-7f3a:2025.03.10_abc-1"


@pytest.mark.parametrize(
    "incoming",
    [
        "has spaces in it",
        "abcdefgh\nforged log line",
        "abcdefgh\n",
        "abcdefgh\r",
        "x" * 500,
        "x" * 129,
        "short",
        "-starts-with-dash",
        "ünïcode-request-id",
        "id;drop table",
        "",
    ],
)
def test_a_malformed_incoming_id_is_replaced(client, incoming):
    response = client.get("/health/live/", HTTP_X_REQUEST_ID=incoming)

    assert response.status_code == 200
    assert GENERATED.fullmatch(response["X-Request-ID"])


def test_the_longest_accepted_id_has_128_characters():
    assert request_id.accept_request_id("a" * 128) == "a" * 128
    assert request_id.accept_request_id("a" * 8) == "a" * 8
    assert request_id.accept_request_id("a" * 7) != "a" * 7


def test_the_request_id_is_available_to_views_and_reset_afterwards(client):
    client.get("/health/live/", HTTP_X_REQUEST_ID="req-reset-0001")

    assert request_id.current() == RequestContext()


def test_a_log_record_during_the_request_carries_its_id(client, collected):
    response = client.get("/no-such-page/", HTTP_X_REQUEST_ID="req-log-000001")

    assert response.status_code == 404
    [record] = collected.records
    assert record.getMessage() == "Not Found: /no-such-page/"
    assert record.request_id == "req-log-000001"


def test_a_generated_id_in_the_log_matches_the_response_header(client, collected):
    response = client.get("/no-such-page/")

    [record] = collected.records
    assert record.request_id == response["X-Request-ID"]


def test_a_log_record_outside_a_request_has_a_dash():
    record = logging.LogRecord("praho", logging.INFO, __file__, 1, "outside", None, None)

    RequestIDLogFilter().filter(record)

    assert record.request_id == "-"


def test_the_json_formatter_writes_the_request_id_as_a_field(client, collected):
    response = client.get("/no-such-page/", HTTP_X_REQUEST_ID="req-json-00001")
    [record] = collected.records

    line = json_formatter().format(record)

    payload = json.loads(line)
    assert payload["request_id"] == "req-json-00001"
    assert payload["level"] == "WARNING"
    assert payload["logger"] == "django.request"
    assert payload["message"] == "Not Found: /no-such-page/"
    assert set(payload) >= {"time", "level", "logger", "request_id", "message"}
    assert response["X-Request-ID"] == "req-json-00001"


def test_the_plain_formatter_shows_the_request_id_in_brackets(client, collected):
    client.get("/no-such-page/", HTTP_X_REQUEST_ID="req-plain-0001")
    [record] = collected.records
    config = dict(django_settings.LOGGING["formatters"]["plain"])

    line = logging.config.DictConfigurator({}).configure_formatter(config).format(record)

    assert line.endswith(" WARNING django.request [req-plain-0001] Not Found: /no-such-page/")


def test_the_audit_trail_records_the_request_id_and_client(client, carol):
    from praho.audit.models import AuditEvent
    from praho.audit.services import record_event

    token = request_id.activate(
        RequestContext(request_id="req-audit-0001", ip_address="203.0.113.9", user_agent="pytest")
    )
    try:
        event = record_event("test.touched", actor=carol, target=carol)
    finally:
        request_id.deactivate(token)

    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.request_id, stored.ip_address, stored.user_agent) == (
        "req-audit-0001",
        "203.0.113.9",
        "pytest",
    )


def test_the_user_agent_is_cut_to_500_characters_and_the_client_address_kept(carol, password):
    from rest_framework.test import APIClient

    from praho.audit.models import AuditEvent

    api = APIClient(HTTP_USER_AGENT="a" * 900, REMOTE_ADDR="198.51.100.7")

    api.post("/api/v1/auth/token/", {"email": carol.email, "password": password}, format="json")

    event = AuditEvent.objects.get(action="api.token_obtained")
    assert event.user_agent == "a" * 500
    assert event.ip_address == "198.51.100.7"


def test_a_forwarded_for_header_does_not_change_the_recorded_address(carol, password):
    from rest_framework.test import APIClient

    from praho.audit.models import AuditEvent

    api = APIClient(HTTP_X_FORWARDED_FOR="192.0.2.66", REMOTE_ADDR="198.51.100.7")

    api.post("/api/v1/auth/token/", {"email": carol.email, "password": password}, format="json")

    assert AuditEvent.objects.get(action="api.token_obtained").ip_address == "198.51.100.7"


def test_a_log_record_of_a_view_carries_the_request_id(client, collected, settings):
    """Inside the middleware chain the context variable answers (here: a crash)."""
    from django.test import Client

    settings.ROOT_URLCONF = "praho.core.tests.api_error_urls"

    Client(raise_request_exception=False).get("/page-crash/", HTTP_X_REQUEST_ID="req-crash-0001")

    [record] = collected.records
    assert record.levelname == "ERROR"
    assert record.request_id == "req-crash-0001"
