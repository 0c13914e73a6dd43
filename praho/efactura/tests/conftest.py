"""Fixtures for the efactura app's tests: the local ANAF and a PRAHO connected to it; billing started
with the demo seller and an issued invoice (when ANAF's validation artifacts are there); a clock
that stands still."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import time_machine
from django.utils import timezone

from praho.billing.models import Document
from praho.efactura.tests.fakes.anaf_efactura import FakeAnafEfactura
from praho.efactura.tests.ubl_builders import (
    DOMAIN,
    HOSTING,
    issued_invoice,
    require_validation_artifacts,
    start_billing,
)

HTTP_TIMEOUT_SECONDS = 0.5


@pytest.fixture
def fake_anaf_efactura(settings):
    """ANAF's OAuth server and e-Factura API on a local port, with PRAHO's settings pointing at it.

    Timeouts are short (a SLOW answer is a timeout within half a second) and so are the
    backoff waits between retries of a read.
    """
    with FakeAnafEfactura() as fake:
        settings.EFACTURA_API_URL = fake.api_url
        settings.EFACTURA_OAUTH_AUTHORIZE_URL = fake.authorize_url
        settings.EFACTURA_OAUTH_TOKEN_URL = fake.token_url
        settings.EFACTURA_CLIENT_ID = fake.client_id
        settings.EFACTURA_CLIENT_SECRET = fake.client_secret
        settings.EFACTURA_REDIRECT_URI = fake.redirect_uri
        settings.EFACTURA_HTTP_TIMEOUT = HTTP_TIMEOUT_SECONDS
        settings.EFACTURA_RETRY_ATTEMPTS = 3
        settings.EFACTURA_RETRY_BACKOFF_SECONDS = 0.05
        settings.EFACTURA_RETRY_MAX_WAIT_SECONDS = 2.0
        yield fake


def authorize_at_anaf(url: str) -> dict[str, str]:
    """What a person's browser does at ANAF: open the authorize URL, come back with its redirect."""
    response = httpx.get(url, follow_redirects=False, timeout=HTTP_TIMEOUT_SECONDS)
    assert response.status_code == 302, response.text
    location = urlsplit(response.headers["Location"])
    return {key: values[0] for key, values in parse_qs(location.query).items()}


@pytest.fixture
def anaf_connected(fake_anaf_efactura, alice_admin):
    """PRAHO connected to the fake ANAF by alice through the real OAuth flow; the stored token."""
    from praho.efactura import tokens

    answer = authorize_at_anaf(tokens.authorization_url(actor=alice_admin))
    return tokens.exchange_code(actor=alice_admin, state=answer["state"], code=answer["code"])


@pytest.fixture
def anaf_worker_environment(fake_anaf_efactura, settings, monkeypatch) -> dict[str, str]:
    """What a Celery worker process needs to reach the fake ANAF as this process does.

    The worker is another process running praho.settings.dev, which reads these settings from
    the environment (base.py), so they go into os.environ for a worker started afterwards to
    inherit: the fake's addresses and OAuth client, the key that decrypts the stored token, the
    validation artifacts, and a remote validator that refuses at once, never ANAF's real one.
    """
    values = {
        "EFACTURA_ENVIRONMENT": settings.EFACTURA_ENVIRONMENT,
        "EFACTURA_API_URL": fake_anaf_efactura.api_url,
        "EFACTURA_OAUTH_AUTHORIZE_URL": fake_anaf_efactura.authorize_url,
        "EFACTURA_OAUTH_TOKEN_URL": fake_anaf_efactura.token_url,
        "EFACTURA_CLIENT_ID": fake_anaf_efactura.client_id,
        "EFACTURA_CLIENT_SECRET": fake_anaf_efactura.client_secret,
        "EFACTURA_REDIRECT_URI": fake_anaf_efactura.redirect_uri,
        "EFACTURA_TOKEN_KEY": settings.EFACTURA_TOKEN_KEY,
        "EFACTURA_VALIDATION_DIR": settings.EFACTURA_VALIDATION_DIR,
        "EFACTURA_REMOTE_VALIDATION_URL": settings.EFACTURA_REMOTE_VALIDATION_URL,
        # Whole seconds (env_int): the fake answers in milliseconds, a worker stuck on it fails soon.
        "EFACTURA_HTTP_TIMEOUT": "5",
        "EFACTURA_RETRY_BACKOFF_SECONDS": "0",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


@pytest.fixture
def billing(db):
    require_validation_artifacts()
    return start_billing()


@pytest.fixture
def invoice(billing) -> Document:
    return issued_invoice(billing, "ro_company", (HOSTING, DOMAIN))


@pytest.fixture
def frozen_now():
    """The clock stands still from here on, so a wait computed from now() is exact."""
    with time_machine.travel(timezone.now(), tick=False):
        yield timezone.now()
