"""Demo provisioning: three servers on the local fake panels, and the demo's paid services created
on them for real.

Runs after the orders' demo (praho.orders.demo, earlier in INSTALLED_APPS), whose paid hosting
order waits: its Virtualmin create needs attention, there was no server yet. This module

- registers a Virtualmin, a Proxmox VE and a HestiaCP server on 127.0.0.1, at the ports where
  `manage.py fakes` serves its fake panels (praho/testing/offline.py, which app code may not
  import: PANEL_PORTS and the logins below are the fakes', and a test keeps them in step), with
  the fakes' logins, sealed like any other;
- starts again the creates that waited for a server;
- places and pays, for the demo company, one VPS (Proxmox VE) order and one HestiaCP order, whose
  payment starts their creates.

The creates run after the demo's transaction commits (in the demo process itself when there is no
Celery broker). With `manage.py fakes` running, the services become active on the fakes; without
it the panels cannot be reached and the creates wait in the queue for
`manage.py provisioning_sweep`. Servers (by name) and orders (by the scenario in their notes)
already there are left alone, so running the demo again adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from praho.accounts.demo import STAFF
from praho.accounts.models import User
from praho.accounts.roles import Role
from praho.billing.services.payments import record_payment
from praho.catalog.models import Module, Plan, Visibility
from praho.catalog.selectors import current_prices
from praho.core.validation import fiscal_today
from praho.customers.demo import ACME
from praho.customers.models import Customer
from praho.efactura import demo as efactura_demo
from praho.orders import demo as orders_demo
from praho.orders.models import Order, ServiceStatus
from praho.orders.services.checkout import place_order
from praho.provisioning.models import Operation, OperationKind, OperationState, Server
from praho.provisioning.services import actions
from praho.provisioning.services.placement import pick_server
from praho.provisioning.services.servers import save_server

HOST = "127.0.0.1"
# Where `manage.py fakes` serves each fake panel (praho/testing/offline.py OFFSETS from 8710).
PANEL_PORTS: dict[str, int] = {Module.VIRTUALMIN: 8715, Module.PROXMOX: 8716, Module.HESTIACP: 8717}
CURRENCY = "RON"
CYCLES = ("monthly", "quarterly", "annual")
SWEEP = ".venv/bin/python manage.py provisioning_sweep --now"
FAKES = ".venv/bin/python manage.py fakes"


@dataclass(frozen=True)
class DemoServer:
    name: str
    panel: str
    username: str
    secret: str  # the fake panel's own login, public in the repository: not a secret
    fields: dict[str, Any] = field(default_factory=dict)


SERVERS = (
    DemoServer(
        "Demo Virtualmin (local fake)",
        Module.VIRTUALMIN,
        "root",
        "virtualmin-secret",
        {"max_accounts": 200},
    ),
    DemoServer(
        "Demo Proxmox VE (local fake)",
        Module.PROXMOX,
        "praho@pve!provisioning",
        "0b9d5a7e-3c1f-4e2a-9b8d-6f4a2c1e7d35",
        {"node": "pve1", "storage": "local-lvm", "cpu_cores": 32, "memory_mb": 131072, "disk_gb": 500},
    ),
    DemoServer(
        "Demo HestiaCP (local fake)",
        Module.HESTIACP,
        "HSTAK3YEXAMPLE000001",
        "hestiaSecretKeyForTheLocalFakeOnly000001",
        {"max_accounts": 200},
    ),
)

# scenario (written in the order's notes after orders' NOTE), the plan's module, its domain
PAID_ORDERS = (
    ("paid VPS on Proxmox VE", Module.PROXMOX, "acme-vps.ro"),
    ("paid e-mail on HestiaCP", Module.HESTIACP, "acme-mail.ro"),
)


@dataclass
class Staff:
    admin: User
    sales: User
    clerk: User


def _staff() -> Staff | None:
    emails = {role: email for role, email, _first, _last in STAFF}
    users = {
        role: User.objects.filter(email=emails[role]).first()
        for role in (Role.ADMIN, Role.SALES, Role.BILLING)
    }
    admin, sales, clerk = users[Role.ADMIN], users[Role.SALES], users[Role.BILLING]
    if admin is None or sales is None or clerk is None:
        return None
    return Staff(admin=admin, sales=sales, clerk=clerk)


def _servers(admin: User) -> int:
    present = set(Server.objects.values_list("name", flat=True))
    added = 0
    for demo in SERVERS:
        if demo.name in present:
            continue
        save_server(
            actor=admin,
            name=demo.name,
            panel=demo.panel,
            host=HOST,
            port=PANEL_PORTS[demo.panel],
            use_tls=False,
            verify_tls=False,
            username=demo.username,
            secret=demo.secret,
            location="This computer (manage.py fakes)",
            **demo.fields,
        )
        added += 1
    return added


def _waiting_creates(admin: User) -> int:
    """Start again the creates that waited for a server, now that one takes their plan."""
    waiting = Operation.objects.filter(
        kind=OperationKind.CREATE,
        state=OperationState.NEEDS_ATTENTION,
        server__isnull=True,
        service__status=ServiceStatus.PENDING,
    ).select_related("service__plan")
    started = 0
    for operation in waiting.order_by("pk"):
        if pick_server(operation.service.plan) is not None:
            actions.retry(operation_id=operation.pk, actor=admin)
            started += 1
    return started


def _item(module: str, domain: str) -> dict[str, Any] | None:
    """The first public plan on this panel module with a price in CURRENCY, in the first cycle
    priced."""
    plans = list(
        Plan.objects.filter(module=module, visibility=Visibility.PUBLIC, flag="").order_by(
            "group__position", "position", "pk"
        )
    )
    prices = current_prices([plan.pk for plan in plans], on=fiscal_today(), currency=CURRENCY)
    for plan in plans:
        for cycle in CYCLES:
            if (plan.pk, cycle, CURRENCY) in prices:
                item: dict[str, Any] = {"plan": plan.code, "cycle": cycle, "quantity": 1}
                if plan.requires_domain:
                    item["domain"] = domain
                return item
    return None


def _paid_order(staff: Staff, customer: Customer, scenario: str, item: dict[str, Any]) -> Order:
    order = place_order(
        actor=staff.sales,
        customer=customer,
        currency=CURRENCY,
        items=[item],
        notes=f"{orders_demo.NOTE} {scenario}",
        staff=True,
    )
    assert order.document is not None
    record_payment(  # its services are created, and their creates started, as it is paid
        actor=staff.clerk,
        invoice=order.document,
        amount=order.document.total,
        currency=order.currency,
        method="bank_transfer",
        reference=f"OP {order.number}",
        received_on=fiscal_today(),
    )
    return order


def _paid_orders(staff: Staff, lines: list[str]) -> int:
    customer = Customer.objects.active().filter(name=ACME).first()
    if customer is None:
        lines.append("  Paid VPS and e-mail orders skipped: the demo company is missing.")
        return 0
    present = set(Order.objects.filter(notes__startswith=orders_demo.NOTE).values_list("notes", flat=True))
    added = 0
    for scenario, module, domain in PAID_ORDERS:
        if f"{orders_demo.NOTE} {scenario}" in present:
            continue
        item = _item(module, domain)
        if item is None:
            lines.append(f"  Skipped {scenario!r}: the catalog has no {module} plan priced in {CURRENCY}.")
            continue
        try:
            with transaction.atomic():  # a scenario that fails half-way leaves nothing
                _paid_order(staff, customer, scenario, item)
        except ValidationError as refused:
            lines.append(f"  Skipped {scenario!r}: {' '.join(refused.messages)}")
            continue
        added += 1
    return added


def load(*, with_passwords: bool) -> list[str]:
    staff = _staff()
    if staff is None:
        return ["", "Provisioning: skipped, the demo staff are missing."]
    lines: list[str] = []
    servers = _servers(staff.admin)
    restarted = _waiting_creates(staff.admin)
    orders = _paid_orders(staff, lines)
    if orders:
        # e-Factura's demo ran before this one: validate the new invoices as it did the others.
        efactura_demo.load(with_passwords=with_passwords)
    where = ", ".join(f"{Module(panel).label} {HOST}:{port}" for panel, port in PANEL_PORTS.items())
    return [
        "",
        f"Provisioning: {servers} demo servers added now (the local fake panels: {where}); "
        f"{restarted} waiting creates started again; {orders} paid VPS and e-mail orders added now.",
        *lines,
        f"  The panels are local fakes: run `{FAKES}` in another terminal. Creates started while",
        f"  they were not running wait in the queue: then `{SWEEP}` sends them again.",
    ]
