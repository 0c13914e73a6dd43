"""Row locks orders take. Order: billing's (customer → documents, when a payment pays an order)
→ the order → the coupon → billing's series counter (when checkout issues the proforma) → the
audit chain (docs/decisions/0006-locking.md).

A payment locks an order that awaits payment; checkout locks the customer's cart or a new order,
which no payment can reach yet, so the two never wait on each other in a circle.
"""

from __future__ import annotations

from praho.catalog.models import Coupon
from praho.orders.models import Order


def locked_order(pk: int) -> Order:
    return Order.objects.select_for_update(no_key=True, of=("self",)).select_related("customer").get(pk=pk)


def locked_orders(ids: list[int]) -> list[Order]:
    return list(Order.objects.select_for_update(no_key=True, of=("self",)).filter(pk__in=ids).order_by("pk"))


def locked_coupon(pk: int) -> Coupon:
    """Checkouts using one coupon queue here, so its limits hold however many use it at once."""
    return Coupon.objects.select_for_update(no_key=True).get(pk=pk)
