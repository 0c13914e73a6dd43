"""Test helpers for provisioning: a server row pointing at a fake panel, a service to act on."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from praho.catalog.models import Plan
from praho.customers.models import Customer
from praho.orders.models import Service, ServiceStatus
from praho.provisioning.models import Server
from praho.provisioning.secrets import seal_credentials


def make_server(panel: str, url: str, *, username: str, secret: str, name: str = "", **fields: Any) -> Server:
    """A server at `url` (a fake's http://127.0.0.1:port) with the given login, sealed."""
    parts = urlsplit(url)
    return Server.objects.create(
        name=name or f"{panel}-{parts.port}",
        panel=panel,
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 443,
        use_tls=parts.scheme == "https",
        credentials_sealed=seal_credentials(username, secret),
        **fields,
    )


def make_service(
    plan: Plan, customer: Customer, *, domain: str = "", status: str = ServiceStatus.PENDING, **fields: Any
) -> Service:
    """A service as a paid order would have made it (no order behind it)."""
    values: dict[str, Any] = {
        "cycle": "monthly",
        "price": "10.00",
        "list_price": "10.00",
        "currency": "RON",
        **fields,
    }
    return Service.objects.create(customer=customer, plan=plan, domain=domain, status=status, **values)
