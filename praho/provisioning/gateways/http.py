"""What the drivers share about HTTP: one call that turns the ways a panel fails into the two
kinds of PanelError. Timeouts, refused or dropped connections, 5xx, 423 (locked) and 429 are
transient; 401/403 (credentials refused) and other 4xx are permanent. The request's URL is not
in the messages: query strings may carry credentials (HestiaCP's hash)."""

from __future__ import annotations

import functools
import ssl
from typing import Any

import httpx

from praho.provisioning.gateways.base import Connection, PermanentPanelError, TransientPanelError

TRANSIENT_STATUSES = frozenset({408, 423, 425, 429})


@functools.cache
def tls_context(verify: bool) -> ssl.SSLContext:
    """One TLS context per process and kind: loading the CA bundle costs ~60 ms, and a driver
    makes a client per call."""
    return httpx.create_ssl_context(verify=verify)


def client(connection: Connection, **options: Any) -> httpx.Client:
    return httpx.Client(
        base_url=connection.base_url,
        verify=tls_context(connection.verify_tls),
        timeout=httpx.Timeout(connection.timeout, connect=min(connection.timeout, 10.0)),
        **options,
    )


def send(http: httpx.Client, method: str, path: str, *, what: str, **options: Any) -> httpx.Response:
    """The response of a 2xx answer; a TransientPanelError or PermanentPanelError naming `what`
    (e.g. "Virtualmin create-domain") otherwise."""
    try:
        response = http.request(method, path, **options)
    except httpx.TimeoutException as error:
        raise TransientPanelError(f"{what}: no answer in time ({type(error).__name__})") from error
    except httpx.TransportError as error:  # refused, reset, dropped mid-answer
        raise TransientPanelError(f"{what}: connection failed ({type(error).__name__})") from error
    status = response.status_code
    if status >= 500 or status in TRANSIENT_STATUSES:
        raise TransientPanelError(f"{what}: the panel answered {status}")
    if status in (401, 403):
        raise PermanentPanelError(f"{what}: the panel refused the credentials ({status})")
    if status >= 400:
        raise PermanentPanelError(f"{what}: the panel refused the request ({status}): {_excerpt(response)}")
    return response


def _excerpt(response: httpx.Response) -> str:
    return " ".join(response.text.split())[:300]
