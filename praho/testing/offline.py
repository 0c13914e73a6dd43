"""Every local fake of an external service, on fixed loopback ports: what `manage.py fakes` runs so
that PRAHO works offline on a laptop (README "Offline demo with provisioning").

The ports are fixed here, in one table; the demo's servers (praho.provisioning.demo.PANEL_PORTS,
which app code keeps itself since it may not import this package) point at the three panels', and
a test checks that both tables agree. Each fake gets the demo's state: the panels know the
packages and templates of the demo catalog's plans, ANAF and VIES know one company each.

| port | fake                        | what points PRAHO at it                                  |
|------|-----------------------------|----------------------------------------------------------|
| 8710 | ANAF company lookup         | ANAF_COMPANY_LOOKUP_URL                                  |
| 8711 | VIES                        | VIES_API_URL                                             |
| 8712 | BNR exchange rates          | BNR_FEED_URL, BNR_FEED_10DAYS_URL                        |
| 8713 | ANAF e-Factura API + OAuth  | EFACTURA_API_URL, EFACTURA_OAUTH_*_URL, EFACTURA_CLIENT_*|
| 8714 | ANAF e-Factura validation   | EFACTURA_REMOTE_VALIDATION_URL                           |
| 8715 | Virtualmin                  | the demo server "Demo Virtualmin (local fake)"           |
| 8716 | Proxmox VE                  | the demo server "Demo Proxmox VE (local fake)"           |
| 8717 | HestiaCP                    | the demo server "Demo HestiaCP (local fake)"             |
| 8718 | Stripe, its Checkout pages  | STRIPE_API_BASE, STRIPE_WEBHOOK_SECRET, STRIPE_SECRET_KEY |

The Stripe fake takes any test secret key (`sk_test_...`) and sends its events, signed with
STRIPE_WEBHOOK_SECRET (or `whsec_praho_demo` when that setting is empty), to PRAHO's webhook,
`{PRAHO_BASE_URL}/webhooks/stripe/` (the address `make demo` serves on), unless
`manage.py fakes --stripe-webhook-url` says otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.conf import settings

from praho.billing.tests.fakes.bnr import FakeBnr
from praho.catalog import demo as catalog_demo
from praho.customers.tests.fakes.anaf import FakeAnaf
from praho.customers.tests.fakes.vies import FakeVies
from praho.efactura.tests.fakes.anaf_efactura import FakeAnafEfactura
from praho.efactura.tests.fakes.anaf_validation import FakeAnafValidation
from praho.testing.fakes.hestiacp import FakeHestia
from praho.testing.fakes.proxmox import FakeProxmox
from praho.testing.fakes.service import FakeService
from praho.testing.fakes.stripe import FakeStripe
from praho.testing.fakes.virtualmin import FakeVirtualmin

BASE_PORT = 8710
# name: offset from the base port
OFFSETS = {
    "anaf": 0,
    "vies": 1,
    "bnr": 2,
    "efactura": 3,
    "efactura_validation": 4,
    "virtualmin": 5,
    "proxmox": 6,
    "hestiacp": 7,
    "stripe": 8,
}
PANELS = ("virtualmin", "proxmox", "hestiacp")  # the catalog's module names
DEMO_COMPANY = (33034700, "EXEMPLU TECH SRL")  # a valid CUI, answered by the ANAF fake
DEMO_VAT_NUMBER = ("DE136695976", "Carol GmbH", "Hauptstraße 5, Berlin")  # answered by VIES
STRIPE_WEBHOOK_PATH = "/webhooks/stripe/"  # PRAHO's webhook, where the Stripe fake posts
STRIPE_DEMO_SECRET = "whsec_praho_demo"  # noqa: S105 (a fixed dev value, for when settings have none)
STRIPE_DEMO_KEY = "sk_test_praho_demo"


@dataclass
class Running:
    """One fake started: what it is, and the environment lines that point PRAHO at it."""

    name: str
    title: str
    fake: FakeService
    env: list[tuple[str, str]] = field(default_factory=list)
    about: str = ""  # the panels: what they hold for the demo


def demo_packages(module: str) -> list[str]:
    """The `package` module parameters of the demo catalog's plans on this panel module."""
    packages = {
        str(options["module_params"]["package"])
        for _code, _group, _names, options, _limits, _prices in catalog_demo.PLANS
        if options.get("module") == module and "package" in options.get("module_params", {})
    }
    return sorted(packages)


def demo_templates() -> list[int]:
    """The Proxmox templates (VMIDs) the demo catalog's VPS plans clone."""
    return sorted(
        {
            int(options["module_params"]["template"])
            for _code, _group, _names, options, _limits, _prices in catalog_demo.PLANS
            if options.get("module") == "proxmox"
        }
    )


def virtualmin(port: int) -> Running:
    fake = FakeVirtualmin(port=port)
    fake.plans |= set(demo_packages("virtualmin"))
    return Running("virtualmin", "Virtualmin", fake, about=f"plans {', '.join(sorted(fake.plans))}")


def proxmox(port: int) -> Running:
    fake = FakeProxmox(port=port)
    fake.task_delay = 0.2  # a clone takes a moment, as on a real node
    for vmid in demo_templates():
        if fake.guest(vmid) is None:
            fake.add_guest(vmid, f"template-{vmid}", "qemu", template=True, disk_gb=10, memory=1024)
    templates = ", ".join(str(vmid) for vmid, guest in sorted(fake.guests.items()) if guest.template)
    about = f"node {fake.nodes[0]}, storage {', '.join(fake.storage_free_gb)}, templates {templates}"
    return Running("proxmox", "Proxmox VE", fake, about=about)


def hestiacp(port: int) -> Running:
    fake = FakeHestia(port=port)
    for package in demo_packages("hestiacp"):
        if package not in fake.packages:
            fake.add_package(package, WEB_DOMAINS="5", DISK_QUOTA="50000", BANDWIDTH="100000")
    return Running("hestiacp", "HestiaCP", fake, about=f"packages {', '.join(sorted(fake.packages))}")


def anaf(port: int) -> Running:
    fake = FakeAnaf(port=port)
    fake.add(*DEMO_COMPANY)
    return Running("anaf", "ANAF company lookup", fake, [("ANAF_COMPANY_LOOKUP_URL", fake.url)])


def vies(port: int) -> Running:
    fake = FakeVies(port=port)
    fake.register(*DEMO_VAT_NUMBER)
    return Running("vies", "VIES", fake, [("VIES_API_URL", fake.url)])


def bnr(port: int) -> Running:
    fake = FakeBnr(port=port)
    env = [("BNR_FEED_URL", fake.daily_url), ("BNR_FEED_10DAYS_URL", fake.ten_days_url)]
    return Running("bnr", "BNR exchange rates", fake, env)


def efactura(port: int) -> Running:
    # ANAF sends the browser back to the redirect URI registered for the client: PRAHO's own.
    fake = FakeAnafEfactura(port=port, redirect_uri=settings.EFACTURA_REDIRECT_URI)
    env = [
        ("EFACTURA_API_URL", fake.api_url),
        ("EFACTURA_OAUTH_AUTHORIZE_URL", fake.authorize_url),
        ("EFACTURA_OAUTH_TOKEN_URL", fake.token_url),
        ("EFACTURA_CLIENT_ID", fake.client_id),
        ("EFACTURA_CLIENT_SECRET", fake.client_secret),
    ]
    return Running("efactura", "ANAF e-Factura API and OAuth", fake, env)


def efactura_validation(port: int) -> Running:
    fake = FakeAnafValidation(port=port)
    env = [("EFACTURA_REMOTE_VALIDATION_URL", fake.validation_url)]
    return Running("efactura_validation", "ANAF e-Factura validation", fake, env)


def stripe_webhook_url() -> str:
    """PRAHO's webhook on the address it is served at (`make demo`: PRAHO_BASE_URL)."""
    base = str(getattr(settings, "PRAHO_BASE_URL", "") or "http://127.0.0.1:8000").rstrip("/")
    return base + STRIPE_WEBHOOK_PATH


def stripe(port: int, webhook_url: str | None = None) -> Running:
    """The webhook secret is PRAHO's own when it has one, so that its webhook view accepts the
    fake's signatures; the secret key only when PRAHO has none (the fake takes any test key)."""
    secret = getattr(settings, "STRIPE_WEBHOOK_SECRET", "") or STRIPE_DEMO_SECRET
    fake = FakeStripe(port=port, webhook_url=webhook_url or None, webhook_secret=secret)
    env = [("STRIPE_API_BASE", fake.url), ("STRIPE_WEBHOOK_SECRET", fake.webhook_secret)]
    if not getattr(settings, "STRIPE_SECRET_KEY", ""):
        env.append(("STRIPE_SECRET_KEY", STRIPE_DEMO_KEY))
    about = f"webhooks to {webhook_url}" if webhook_url else "webhooks off"
    return Running("stripe", "Stripe API, Checkout and portal pages", fake, env, about)


BUILDERS: dict[str, Callable[[int], Running]] = {
    "anaf": anaf,
    "vies": vies,
    "bnr": bnr,
    "efactura": efactura,
    "efactura_validation": efactura_validation,
    "virtualmin": virtualmin,
    "proxmox": proxmox,
    "hestiacp": hestiacp,
    "stripe": stripe,
}


def port_of(name: str, base_port: int) -> int:
    """The fake's fixed port; 0 (a free port each) when the base is 0, as tests want."""
    return base_port + OFFSETS[name] if base_port else 0


def start_all(
    base_port: int = BASE_PORT,
    names: tuple[str, ...] | None = None,
    *,
    stripe_webhook: str | None = None,
) -> list[Running]:
    """Start the fakes (all, or those named) on their ports; stop every one started if one fails
    (its port is taken). The Stripe fake posts its events to `stripe_webhook`, or to PRAHO's own
    webhook when None; "" turns its webhooks off."""
    webhook = stripe_webhook_url() if stripe_webhook is None else stripe_webhook or None
    builders: dict[str, Callable[[int], Running]] = {
        **BUILDERS,
        "stripe": partial(stripe, webhook_url=webhook),
    }
    started: list[Running] = []
    try:
        for name in names or tuple(OFFSETS):
            running = builders[name](port_of(name, base_port))
            running.fake.start()
            started.append(running)
    except BaseException:
        stop_all(started)
        raise
    return started


def stop_all(running: list[Running]) -> None:
    for each in running:
        each.fake.stop()


def describe(running: list[Running]) -> list[str]:
    """What `manage.py fakes` prints: each fake's address, then the lines to export."""
    lines = [
        f"  {each.fake.url:<24} {each.title}" + (f" ({each.about})" if each.about else "") for each in running
    ]
    exports = [f"export {name}={value}" for each in running for name, value in each.env]
    return [
        *lines,
        "",
        "The demo's servers (manage.py demo) point at the panels. Point PRAHO at the others",
        "(in the shell that runs manage.py):",
        *exports,
    ]


def env_of(running: list[Running]) -> dict[str, Any]:
    return {name: value for each in running for name, value in each.env}
