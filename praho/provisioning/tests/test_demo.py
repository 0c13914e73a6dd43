"""Provisioning's demo (`manage.py demo`): three servers on the local fake panels, and the demo's
paid hosting, VPS and e-mail created on them for real; idempotent; without the fakes running the
creates wait in the queue until `manage.py provisioning_sweep --now` once the fakes run."""

from __future__ import annotations

from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command

from praho.orders.models import Service, ServiceStatus
from praho.provisioning import demo
from praho.provisioning.models import Account, Operation, OperationState, Server
from praho.provisioning.secrets import credentials_of
from praho.testing import offline

Status = ServiceStatus
State = OperationState


def _port(running: offline.Running) -> int:
    return urlsplit(running.fake.url).port or 0


@pytest.fixture
def panels(monkeypatch):
    """The three fake panels with the demo's state, on free ports the demo's servers point at."""
    started = offline.start_all(0, names=offline.PANELS)
    monkeypatch.setattr(demo, "PANEL_PORTS", {each.name: _port(each) for each in started})
    yield {each.name: each.fake for each in started}
    offline.stop_all(started)


def _on_panels() -> list[Service]:
    return list(Service.objects.exclude(plan__module="").select_related("plan").order_by("pk"))


def _demo(capture) -> str:
    out = StringIO()
    with capture(execute=True):
        call_command("demo", stdout=out)
    return out.getvalue()


def test_the_demo_creates_the_paid_services_on_the_fake_panels_once(
    db, panels, django_capture_on_commit_callbacks
):
    text = _demo(django_capture_on_commit_callbacks)

    servers = {server.panel: server for server in Server.objects.all()}
    assert {panel: (s.host, s.port, s.use_tls) for panel, s in servers.items()} == {
        panel: ("127.0.0.1", port, False) for panel, port in demo.PANEL_PORTS.items()
    }
    assert credentials_of(servers["proxmox"]) == (panels["proxmox"].token_id, panels["proxmox"].token_secret)
    assert (servers["proxmox"].node, servers["proxmox"].storage) == ("pve1", "local-lvm")
    services = _on_panels()
    assert sorted(s.plan.module for s in services) == ["hestiacp", "proxmox", "virtualmin"]
    assert {s.status for s in services} == {Status.ACTIVE}, text
    accounts = {a.service.plan.module: a for a in Account.objects.select_related("service__plan")}
    hosting = next(s for s in services if s.plan.module == "virtualmin")
    assert list(panels["virtualmin"].domains) == [hosting.domain]
    assert panels["virtualmin"].domain(hosting.domain).user == accounts["virtualmin"].username
    machines = [g for g in panels["proxmox"].guests.values() if not g.template]
    assert [str(g.vmid) for g in machines] == [accounts["proxmox"].external_id]
    assert machines[0].status == "running"
    assert panels["hestiacp"].user_names() == [accounts["hestiacp"].username]
    # The hosting's create had waited for a server: it was tried again, and nothing needs staff.
    assert not Operation.objects.filter(state=State.NEEDS_ATTENTION).exists()
    assert "3 demo servers added now" in text
    assert "manage.py provisioning_sweep --now" in text
    assert "manage.py fakes" in text
    operations = Operation.objects.count()
    requests = {name: fake.request_count for name, fake in panels.items()}

    again = _demo(django_capture_on_commit_callbacks)

    assert "0 demo servers added now" in again
    assert "0 waiting creates started again; 0 paid VPS and e-mail orders added now" in again
    assert Server.objects.count() == 3
    assert Operation.objects.count() == operations
    assert len(_on_panels()) == 3
    assert {name: fake.request_count for name, fake in panels.items()} == requests


@pytest.fixture
def closed_ports(monkeypatch):
    """Ports where the fake panels were and are no more: connections there are refused."""
    started = offline.start_all(0, names=offline.PANELS)
    ports = {each.name: _port(each) for each in started}
    offline.stop_all(started)
    monkeypatch.setattr(demo, "PANEL_PORTS", ports)
    return ports


def _sweep(capture, *options: str) -> str:
    out = StringIO()
    with capture(execute=True):
        call_command("provisioning_sweep", *options, stdout=out)
    return out.getvalue()


def test_without_the_fakes_the_creates_wait_until_a_sweep_once_they_run(
    db, closed_ports, django_capture_on_commit_callbacks
):
    _demo(django_capture_on_commit_callbacks)

    services = _on_panels()
    assert {s.status for s in services} == {Status.PROVISIONING}
    waiting = Operation.objects.filter(state=State.QUEUED).order_by("pk")
    assert waiting.count() == 3
    assert all("connection failed" in op.last_error for op in waiting), [op.last_error for op in waiting]
    assert all(op.attempts == 1 and op.next_attempt_at is not None for op in waiting)
    # Their backoff is not over: a plain sweep leaves them be.
    assert _sweep(django_capture_on_commit_callbacks).startswith("Sent 0 provisioning operations.")

    started = [offline.BUILDERS[name](port) for name, port in closed_ports.items()]
    for each in started:
        each.fake.start()
    try:
        text = _sweep(django_capture_on_commit_callbacks, "--now")
        fakes = {each.name: each.fake for each in started}
        assert text.splitlines() == [
            "Sent 3 provisioning operations.",
            "Now 0 queued or running, 0 needing attention.",
        ]
        assert {s.status for s in _on_panels()} == {Status.ACTIVE}
        assert len(fakes["virtualmin"].domains) == 1
        assert len([g for g in fakes["proxmox"].guests.values() if not g.template]) == 1
        assert len(fakes["hestiacp"].user_names()) == 1
        assert {op.attempts for op in Operation.objects.filter(state=State.SUCCEEDED)} == {2}
        # Nothing is left to send.
        assert _sweep(django_capture_on_commit_callbacks, "--now").startswith("Sent 0 ")
    finally:
        offline.stop_all(started)
