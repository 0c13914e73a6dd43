"""Helpers of the proration and cancellation tests (the `shop` fixture is conftest's: the test catalog,
praho.testing.shop, where vps-s → vps-m is an upgrade path, both Proxmox, and backup and extra-ip
have no provisioning module): services with a paid period (a Renewal and its invoice, or the
order's invoice for the first period) made directly, as the billing run would."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from praho.billing.models import Document
from praho.billing.services.corrections import convert_proforma
from praho.billing.services.drafts import create_document
from praho.billing.services.issuing import issue_document
from praho.catalog.cycles import period
from praho.orders.models import Order, OrderLine, OrderStatus, Service, ServiceStatus
from praho.recurring.models import Renewal, RenewalStatus
from praho.recurring.rules.proration import period_text
from praho.testing.provisioning import make_service
from praho.testing.shop import Shop

ANCHOR = date(2026, 10, 31)  # a 31st: periods 31 Oct, 30 Nov, 31 Dec, 31 Jan, 28 Feb, 31 Mar ...
ON = date(2026, 12, 10)  # in period 1: 30 Nov - 30 Dec (31 days), 21 days left


def issued(actor: Any, customer: Any, lines: list[dict[str, Any]], *, kind: str = "invoice") -> Document:
    draft = create_document(actor=actor, document_type=kind, customer=customer, currency="RON", lines=lines)
    return issue_document(actor=actor, document=draft)


def billed_period(
    service: Service,
    number: int,
    *,
    actor: Any,
    kind: str = "invoice",
    paid: bool = True,
    other_lines: int = 0,
) -> Renewal:
    """The service's period `number` billed as the run bills it (one line per service, the period
    in its description), on an invoice or a proforma (converted when `paid`)."""
    held = period(service.billing_anchor, service.cycle, number)
    others = [
        {"description": f"Other service {index}", "quantity": "1", "unit_price": "7.00"}
        for index in range(other_lines)
    ]
    line = {
        "description": f"{service.plan.name} #{service.pk}, {period_text(held.start, held.end)}",
        "quantity": str(service.quantity),
        "unit_price": str(service.price / service.quantity),
    }
    document = issued(actor, service.customer, [*others, line], kind=kind)
    if kind == "proforma" and paid:
        convert_proforma(actor=actor, proforma=document)
    return Renewal.objects.create(
        service=service,
        period_number=number,
        period_start=held.start,
        period_end=held.end,
        document=document,
        net_amount=service.price,
        currency=service.currency,
        status=RenewalStatus.PAID if paid else RenewalStatus.BILLED,
    )


def running_service(shop: Shop, customer: Any, code: str = "vps-s", **fields: Any) -> Service:
    """An active monthly service started on ANCHOR, paid to 30 Dec 2026 (next due 31 Dec)."""
    values: dict[str, Any] = {
        "status": ServiceStatus.ACTIVE,
        "billing_anchor": ANCHOR,
        "next_due_date": date(2026, 12, 31),
        "price": "100.00",
        "list_price": "100.00",
        **fields,
    }
    service = make_service(shop.plans[code], customer, domain=f"{code}.carol.ro", **values)
    service.refresh_from_db()  # Decimals and dates as stored
    return service


def ordered_service(shop: Shop, customer: Any, actor: Any, code: str = "vps-s", **fields: Any) -> Service:
    """A service in its first period, paid by its order's invoice (two lines: another item first)."""
    invoice = issued(
        actor,
        customer,
        [
            {"description": "Daily backup", "quantity": "1", "unit_price": "10.00"},
            {"description": f"VPS S {code}.carol.ro", "quantity": "1", "unit_price": "100.00"},
        ],
    )
    order = Order.objects.create(
        customer=customer, currency="RON", status=OrderStatus.COMPLETED, invoice=invoice, number="O-1"
    )
    line = OrderLine.objects.create(
        order=order,
        position=1,
        plan=shop.plans[code],
        plan_code=code,
        description="VPS S",
        cycle="monthly",
        quantity=1,
        unit_price=Decimal("100.00"),
        net_amount=Decimal("100.00"),
        recurring_price=Decimal("100.00"),
    )
    return running_service(shop, customer, code, next_due_date=date(2026, 11, 30), order_line=line, **fields)
