"""Row locks orders take. Order: billing's (customer → documents, when a payment pays an order)
→ the order → the coupon → billing's series counter (when checkout issues the proforma) → the
audit chain (docs/decisions/0006-locking.md).

A payment locks an order that awaits payment; checkout locks the customer's cart or a new order,
which no payment can reach yet, so the two never wait on each other in a circle.
"""

from __future__ import annotations

from praho.billing.locks import locked_document
from praho.catalog.models import Coupon
from praho.orders.models import Order


def locked_order(pk: int) -> Order:
    return Order.objects.select_for_update(no_key=True, of=("self",)).select_related("customer").get(pk=pk)


def locked_order_and_document(pk: int) -> Order:
    """An order, its document (proforma) locked first, in a payment's order (the document, then
    the order it pays): a cancel racing a payment of the same proforma waits for it, or makes it
    wait, instead of deadlocking. A document set after the first read (an approval that committed
    meanwhile) is locked after the order, by the caller, as before."""
    document_id = Order.objects.filter(pk=pk).values_list("document_id", flat=True).first()
    if document_id is not None:
        locked_document(document_id)
    return locked_order(pk)


def locked_orders(ids: list[int]) -> list[Order]:
    return list(Order.objects.select_for_update(no_key=True, of=("self",)).filter(pk__in=ids).order_by("pk"))


def locked_coupon(pk: int) -> Coupon:
    """Checkouts using one coupon queue here, so its limits hold however many use it at once."""
    return Coupon.objects.select_for_update(no_key=True).get(pk=pk)
