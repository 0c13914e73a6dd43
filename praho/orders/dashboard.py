"""Orders' panel on the staff dashboard (praho.core.dashboards): the orders waiting for staff
(approval) and for the customer (payment), with links to them; one query, for staff who may
see orders."""

from __future__ import annotations

from django.db.models import Count, Q
from django.http import HttpRequest

from praho.core.dashboards import WORK, Panel
from praho.orders.models import Order, OrderStatus

TEMPLATES = "orders/dashboard/"


def waiting_counts() -> dict[str, int]:
    """How many orders await approval and payment: one query (the index orders_status)."""
    counts = Order.objects.filter(
        status__in=[OrderStatus.AWAITING_APPROVAL, OrderStatus.AWAITING_PAYMENT]
    ).aggregate(
        awaiting_approval=Count("id", filter=Q(status=OrderStatus.AWAITING_APPROVAL)),
        awaiting_payment=Count("id", filter=Q(status=OrderStatus.AWAITING_PAYMENT)),
    )
    return {key: value or 0 for key, value in counts.items()}


def staff_panels(request: HttpRequest) -> list[Panel]:
    if not request.user.has_perm("orders.view_order"):
        return []
    return [Panel(TEMPLATES + "_orders_waiting.html", waiting_counts(), WORK)]
