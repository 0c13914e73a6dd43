"""What the Proxmox VE tests share: the fake cluster as a fixture, a connection to it, a spec."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from praho.provisioning.gateways.base import AccountSpec, Connection, PanelError
from praho.provisioning.gateways.proxmox import ProxmoxDriver
from praho.testing.fakes.proxmox import TEMPLATE_QEMU, FakeProxmox

TIMEOUT = 0.5  # the driver's HTTP timeout; a SLOW fake answers after 1 s
PASSWORD = "Vm-Pass_w0rd+2026"


@pytest.fixture
def fake_proxmox() -> Iterator[FakeProxmox]:
    with FakeProxmox() as fake:
        fake.delay = 1.0
        yield fake


def connection_to(fake: FakeProxmox, **changes: Any) -> Connection:
    values: dict[str, Any] = {
        "panel": "proxmox",
        "base_url": fake.url,
        "username": fake.token_id,
        "secret": fake.token_secret,
        "node": "pve1",
        "timeout": TIMEOUT,
        **changes,
    }
    return Connection(**values)


def driver_for_fake(fake: FakeProxmox, **changes: Any) -> ProxmoxDriver:
    driver = ProxmoxDriver(connection_to(fake, **changes))
    driver.api.timeout = 3.0  # give up on a task after 3 s, not 15 minutes
    return driver


def spec(name: str = "web42", *, external_id: str = "", **params: Any) -> AccountSpec:
    return AccountSpec(
        name=name,
        domain="web.example.ro",
        password=PASSWORD,
        email="carol@example.ro",
        params={"template": TEMPLATE_QEMU, **params},
        external_id=external_id,
    )


def assert_no_secret(error: PanelError, fake: FakeProxmox) -> None:
    """Neither the token secret nor a password in what staff read."""
    text = f"{error} {error!r}"
    assert fake.token_secret not in text
    assert PASSWORD not in text
