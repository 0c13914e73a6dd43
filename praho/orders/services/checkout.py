"""Checkout: an order priced by quotes.quote(), written with its lines, its coupon use and, unless
it waits for approval, its issued proforma (or invoice, ORDERS_DOCUMENT). One transaction:
a refusal anywhere leaves nothing behind, no order, no coupon use, no document number."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from praho.audit.services import record_event
from praho.billing.models import Document, DocumentType
from praho.billing.services.drafts import create_document
from praho.billing.services.issuing import issue_document
from praho.catalog import coupons
from praho.core.transactions import service_transaction
from praho.customers.models import Customer
from praho.customers.selectors import current_profile
from praho.orders import locks
from praho.orders.models import CouponRedemption, Order, OrderLine, OrderPolicy, OrderStatus, ReviewFlag
from praho.orders.quotes import Quote, QuoteLine, document_lines, quote


@service_transaction
def place_order(
    *,
    actor: Any,
    customer: Customer,
    currency: str,
    items: Any,
    coupon: str = "",
    notes: str = "",
    staff: bool = False,
    cart: Order | None = None,
) -> Order:
    """Price and place an order for `customer`. `staff`: placed by staff for the customer (hidden
    and flagged plans allowed; a staff member who may approve orders approves it by placing it).
    `cart`: the customer's cart (a draft order) becomes the order."""
    # Refusals speak the caller's language; what is written (lines, the proforma, the review
    # reason) the customer's document language.
    priced = quote(customer=customer, currency=currency, items=items, coupon=coupon, user=actor, staff=staff)
    order = locks.locked_order(cart.pk) if cart is not None else Order(customer=customer)
    if order.pk is not None and order.status != OrderStatus.DRAFT:
        raise ValidationError(_("This cart was already checked out."), code="not_draft")
    if priced.coupon is not None:
        _check_coupon_locked(customer, priced)
    with translation.override(current_profile(customer).document_language):
        _fill(order, priced, actor=actor, items=items, coupon=coupon, notes=notes, staff=staff)
        lines = _save_lines(order, priced)
        if priced.coupon is not None:
            _redeem(order, priced)
        review = _review_reason(order, actor=actor, staff=staff)
        _audit_placed(order, actor=actor, review=review)
        if review:
            order.status, order.review_reason = OrderStatus.AWAITING_APPROVAL, review
            order.save(update_fields=["status", "review_reason"])
        else:
            bill_order(order, lines, actor=actor)
    return order


def _fill(
    order: Order, priced: Quote, *, actor: Any, items: Any, coupon: str, notes: str, staff: bool
) -> None:
    order.currency = priced.currency
    order.items = items
    order.coupon = priced.coupon
    order.coupon_code = priced.coupon.code if priced.coupon else ""
    order.net_total, order.vat_total, order.total = priced.net_total, priced.vat_total, priced.total
    order.discount_total = priced.discount_total
    order.notes = notes[:500]
    order.placed_by_staff = staff
    order.placed_at = timezone.now()
    order.status = OrderStatus.AWAITING_PAYMENT
    if order.pk is None:
        order.created_by = actor if getattr(actor, "is_authenticated", False) else None
        order.save(force_insert=True)
    # Not a fiscal number: unique and readable, gaps allowed (a cart that is never checked out).
    order.number = f"ORD-{order.placed_at.year}-{order.pk:06d}"
    order.save()


def _save_lines(order: Order, priced: Quote) -> list[OrderLine]:
    """Items first, then what came with them (add-ons, included plans), which point at their item."""
    rows = [_line(order, position, line) for position, line in enumerate(priced.lines, start=1)]
    items = [row for row, line in zip(rows, priced.lines, strict=True) if line.parent is None]
    OrderLine.objects.bulk_create(items)
    for row, line in zip(rows, priced.lines, strict=True):
        if line.parent is not None:
            row.parent = rows[line.parent]
    OrderLine.objects.bulk_create([row for row in rows if row.parent is not None])
    return rows


def _line(order: Order, position: int, line: QuoteLine) -> OrderLine:
    return OrderLine(
        order=order,
        position=position,
        role=line.role,
        plan=line.plan,
        plan_code=line.plan.code,
        description=line.description[:300],
        cycle=line.cycle,
        quantity=line.quantity,
        domain=line.domain,
        unit_price=line.unit_price,
        setup_fee=line.setup_fee,
        relation_discount=line.relation_discount,
        coupon_discount=line.coupon_discount,
        net_amount=line.net_amount,
        recurring_price=line.recurring_price,
        discounted_periods=_discounted_periods(line),
    )


def _discounted_periods(line: QuoteLine) -> int | None:
    """Renewals still discounted by a recurring coupon after the first period (None: no limit)."""
    return None if not line.coupon_recurring else line.coupon_periods_after_first


def _check_coupon_locked(customer: Customer, priced: Quote) -> None:
    """The coupon's limits checked again under its lock (held to the end of the transaction): two
    checkouts racing for its last use cannot both get it."""
    assert priced.coupon is not None
    coupon = locks.locked_coupon(priced.coupon.pk)
    uses = CouponRedemption.objects.filter(coupon=coupon, customer=customer).count()
    try:
        coupons.check_usable(
            coupon,
            now=timezone.now(),
            currency=priced.currency,
            order_net=priced.gross_total,
            customer_uses=uses,
        )
    except ValidationError as refusal:
        raise ValidationError({"coupon": refusal}) from None


def _redeem(order: Order, priced: Quote) -> None:
    assert priced.coupon is not None
    CouponRedemption.objects.create(
        coupon=priced.coupon, customer=order.customer, order=order, discount=priced.discount_total
    )
    type(priced.coupon).objects.filter(pk=priced.coupon.pk).update(uses=F("uses") + 1)


def _review_reason(order: Order, *, actor: Any, staff: bool) -> str:
    """Why the order waits for approval, or "" when it does not."""
    if staff and getattr(actor, "has_perm", None) and actor.has_perm("orders.approve_order"):
        return ""
    flag = ReviewFlag.objects.filter(customer=order.customer).first()
    if flag is not None:
        return _("The customer is flagged for review: %(reason)s") % {"reason": flag.reason}
    policy = OrderPolicy.objects.filter(currency=order.currency).first()
    if policy is not None and order.total >= policy.approval_threshold:
        return _("The order's total reaches %(amount)s %(currency)s.") % {
            "amount": policy.approval_threshold,
            "currency": order.currency,
        }
    return ""


def bill_order(order: Order, lines: list[OrderLine], *, actor: Any) -> Document | None:
    """Issue the order's proforma (or invoice). An order that costs nothing needs no document: it
    is paid at once."""
    from praho.orders.services.fulfilment import mark_paid  # fulfilment imports checkout's callers

    if order.total == 0:
        mark_paid(order, actor=actor, invoice=None)
        return None
    document = create_document(
        actor=actor,
        document_type=DocumentType.PROFORMA
        if settings.ORDERS_DOCUMENT == "proforma"
        else DocumentType.INVOICE,
        customer=order.customer,
        currency=order.currency,
        lines=document_lines(lines, order.coupon_code),
        notes=_("Order %(number)s") % {"number": order.number},
    )
    document = issue_document(actor=actor, document=document)
    order.document = document
    order.status = OrderStatus.AWAITING_PAYMENT
    order.vat_total, order.total = document.vat_total, document.total
    order.save(update_fields=["document", "status", "vat_total", "total"])
    return document


def _audit_placed(order: Order, *, actor: Any, review: str) -> None:
    record_event(
        "orders.order_placed",
        actor=actor,
        target=order,
        data={
            "number": order.number,
            "customer": order.customer_id,
            "currency": order.currency,
            "total": str(order.total),
            "coupon": order.coupon_code,
            "placed_by_staff": order.placed_by_staff,
            "review": review,
        },
    )
