"""`manage.py fakes` and praho/testing/offline.py: every local fake on its fixed port, answering
what PRAHO's own gateways ask once the printed settings point them at it."""

from __future__ import annotations

import inspect
import re
import socket
from io import StringIO
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import stripe
from django.core.management import call_command

from praho.billing.gateways.bnr import fetch_daily
from praho.customers.gateways.anaf import lookup_company
from praho.customers.gateways.vies import check_vat_number
from praho.efactura.gateways.anaf_oauth import authorization_url, exchange_code
from praho.provisioning import demo
from praho.provisioning.gateways import driver_for
from praho.provisioning.gateways.base import Connection
from praho.testing import offline
from praho.testing.fakes.hestiacp import FakeHestia
from praho.testing.fakes.proxmox import FakeProxmox
from praho.testing.fakes.virtualmin import FakeVirtualmin


@pytest.fixture
def running():
    started = offline.start_all(0, stripe_webhook="")  # a free port each; no PRAHO to post events to
    yield {each.name: each for each in started}
    offline.stop_all(started)


def test_the_fixed_ports_are_one_block_and_the_demo_servers_use_the_panels_ports():
    ports = {name: offline.port_of(name, offline.BASE_PORT) for name in offline.OFFSETS}

    assert sorted(ports.values()) == list(range(8710, 8719))
    assert {panel: ports[panel] for panel in offline.PANELS} == demo.PANEL_PORTS
    assert offline.port_of("proxmox", 9000) == 9006
    assert offline.port_of("proxmox", 0) == 0


def _default(fake: type, parameter: str) -> str:
    return inspect.signature(fake.__init__).parameters[parameter].default


def test_the_demo_servers_log_in_with_the_fakes_own_logins():
    logins = {server.panel: (server.username, server.secret) for server in demo.SERVERS}

    assert logins == {
        "virtualmin": (_default(FakeVirtualmin, "username"), _default(FakeVirtualmin, "password")),
        "proxmox": (_default(FakeProxmox, "token_id"), _default(FakeProxmox, "token_secret")),
        "hestiacp": (_default(FakeHestia, "access_key"), _default(FakeHestia, "secret_key")),
    }
    proxmox = next(server for server in demo.SERVERS if server.panel == "proxmox")
    assert (proxmox.fields["node"], proxmox.fields["storage"]) == ("pve1", "local-lvm")


def test_each_fake_answers_praho_pointed_at_it_by_the_printed_settings(running, settings):
    for name, value in offline.env_of(list(running.values())).items():
        setattr(settings, name, value)

    assert lookup_company("RO33034700").name == "EXEMPLU TECH SRL"
    vies = check_vat_number("DE136695976")
    assert (vies.valid, vies.name) == (True, "Carol GmbH")
    assert fetch_daily().rates
    redirect = httpx.get(authorization_url("state-1"))
    assert redirect.status_code == 302
    assert redirect.headers["location"].startswith(settings.EFACTURA_REDIRECT_URI)
    code = parse_qs(urlsplit(redirect.headers["location"]).query)["code"][0]
    assert exchange_code(code).access_token
    verdict = httpx.post(settings.EFACTURA_REMOTE_VALIDATION_URL + "/FACT1", content=b"<Invoice/>")
    assert verdict.json()["stare"] == "ok"
    client = stripe.StripeClient(settings.STRIPE_SECRET_KEY, base_addresses={"api": settings.STRIPE_API_BASE})
    assert client.v1.customers.create(params={"email": "ana@example.com"}).id.startswith("cus_")


def test_the_panels_take_the_demo_servers_logins_and_know_the_demo_catalogs_packages(running):
    answers = {}
    for server in demo.SERVERS:
        fake = running[server.panel].fake
        connection = Connection(
            panel=server.panel,
            base_url=fake.url,
            username=server.username,
            secret=server.secret,
            node=server.fields.get("node", ""),
            storage=server.fields.get("storage", ""),
            timeout=2.0,
        )
        answers[server.panel] = driver_for(connection).test_connection()

    assert "vm1.example.net" in answers["virtualmin"]
    assert "8.2.4" in answers["proxmox"]
    assert "hestia.fake.test" in answers["hestiacp"]
    assert running["virtualmin"].fake.plans >= {"start", "pro", "business"}
    assert "mail-business" in running["hestiacp"].fake.packages
    assert running["proxmox"].fake.guest(9000).template


def test_the_command_prints_every_fake_and_the_exports_then_stops_them(settings):
    out = StringIO()

    call_command("fakes", base_port=0, seconds=0.1, stdout=out)

    text = out.getvalue()
    urls = re.findall(r"^  (http://127\.0\.0\.1:\d+) ", text, re.MULTILINE)
    assert len(urls) == len(offline.OFFSETS) == 9
    for name in (
        "ANAF_COMPANY_LOOKUP_URL",
        "VIES_API_URL",
        "BNR_FEED_URL",
        "EFACTURA_API_URL",
        "STRIPE_API_BASE",
    ):
        assert re.search(rf"^export {name}=http://127\.0\.0\.1:\d+", text, re.MULTILINE), name
    for title in ("Virtualmin", "Proxmox VE", "HestiaCP", "Stripe"):
        assert title in text
    assert f"webhooks to {settings.PRAHO_BASE_URL}/webhooks/stripe/" in text  # PRAHO's own webhook
    assert text.rstrip().endswith("Stopped.")
    for url in urls:  # stopped: nothing listens there any more
        with pytest.raises(httpx.ConnectError):
            httpx.get(url, timeout=1)


def test_the_stripe_fake_signs_with_praho_s_secret_and_posts_where_it_is_told(settings):
    settings.STRIPE_WEBHOOK_SECRET = "whsec_from_settings"
    out = StringIO()

    call_command("fakes", base_port=0, seconds=0.1, stripe_webhook_url="http://127.0.0.1:9/hook/", stdout=out)

    text = out.getvalue()
    assert "export STRIPE_WEBHOOK_SECRET=whsec_from_settings" in text
    assert "webhooks to http://127.0.0.1:9/hook/" in text
    settings.STRIPE_WEBHOOK_SECRET = ""
    (running,) = offline.start_all(0, ("stripe",), stripe_webhook="")
    try:
        assert running.fake.webhook_secret == offline.STRIPE_DEMO_SECRET
        assert "webhooks off" in running.about
    finally:
        offline.stop_all([running])


def test_a_taken_port_stops_the_fakes_already_started():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        base = port - offline.OFFSETS["efactura"]  # the fourth fake's port is taken

        with pytest.raises(OSError, match="in use"):
            offline.start_all(base)

    for name in ("anaf", "vies", "bnr"):  # the three started before it were stopped
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://127.0.0.1:{offline.port_of(name, base)}/", timeout=1)
