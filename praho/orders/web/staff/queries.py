"""The reads of the staff orders pages: each list a fixed number of queries whatever its rows."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from praho.audit.models import AuditEvent
from praho.customers import selectors as customer_selectors
from praho.customers.models import Customer
from praho.orders.models import Order, OrderLine, OrderStatus, ReviewFlag, Service

ALL = "all"


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def staff_orders(filters: dict[str, Any]) -> QuerySet[Order]:
    """Orders newest placed first, carts only when asked for (status "all" or "draft")."""
    orders = Order.objects.select_related("customer")
    status = filters.get("status") or ""
    if not status:
        orders = orders.exclude(status=OrderStatus.DRAFT)
    elif status != ALL:
        orders = orders.filter(status=status)
    if filters.get("customer"):
        orders = orders.filter(customer_id=filters["customer"])
    if filters.get("placed_from"):
        orders = orders.filter(placed_at__gte=_start_of(filters["placed_from"]))
    if filters.get("placed_to"):
        end = filters["placed_to"]
        orders = orders.filter(placed_at__lt=_start_of(date.fromordinal(end.toordinal() + 1)))
    return orders.order_by("-placed_at", "-id")


def staff_services(filters: dict[str, Any]) -> QuerySet[Service]:
    services = Service.objects.select_related("customer", "plan")
    if filters.get("status"):
        services = services.filter(status=filters["status"])
    if filters.get("plan"):
        services = services.filter(plan_id=filters["plan"])
    if filters.get("customer"):
        services = services.filter(customer_id=filters["customer"])
    return services.order_by("-id")


def order_for_staff(order_id: int) -> Order:
    return get_object_or_404(
        Order.objects.select_related("customer", "coupon", "document", "invoice", "created_by", "decided_by"),
        pk=order_id,
    )


def order_lines(order: Order) -> list[OrderLine]:
    return list(order.lines.select_related("plan").order_by("position"))


def services_of_order(order: Order) -> list[Service]:
    return list(Service.objects.filter(order_line__order=order).select_related("plan").order_by("pk"))


def history_of(obj: Any, object_type: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type=object_type, object_id=str(obj.pk)).order_by("-id"))


def service_for_staff(service_id: int) -> Service:
    return get_object_or_404(
        Service.objects.select_related(
            "customer", "plan__group", "parent__plan", "group", "order_line__order"
        ),
        pk=service_id,
    )


def visible_customer(user: Any, customer_id: Any) -> Customer | None:
    try:
        pk = int(customer_id)
    except (TypeError, ValueError):
        return None
    return customer_selectors.customers_visible_to(user).filter(pk=pk).first()


def review_flags() -> list[ReviewFlag]:
    return list(ReviewFlag.objects.select_related("customer", "created_by").order_by("-created_at", "-id"))
