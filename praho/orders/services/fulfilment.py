"""What happens to a placed order: staff approve or refuse it, the customer or staff cancel it,
and its payment makes it paid and creates its services (pending provisioning)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from praho.audit.services import record_event
from praho.billing.models import DocumentStatus, DocumentType
from praho.billing.services.corrections import cancel_proforma
from praho.catalog.cycles import months_of, period_start
from praho.catalog.models import Coupon
from praho.core.transactions import service_transaction
from praho.core.validation import fiscal_today
from praho.orders import locks
from praho.orders.models import (
    CouponRedemption,
    LineRole,
    Order,
    OrderLine,
    OrderStatus,
    Service,
    ServiceGroup,
    ServiceStatus,
)
from praho.orders.services.checkout import bill_order
from praho.orders.signals import services_created

CANCELLABLE = (OrderStatus.DRAFT, OrderStatus.AWAITING_APPROVAL, OrderStatus.AWAITING_PAYMENT)


def next_due_date(start: date, cycle: str) -> date | None:
    """The day the next period starts (praho.catalog.cycles); None for a one-time purchase."""
    return None if months_of(cycle) is None else period_start(start, cycle, 1)


def _refuse(code: str, message: str) -> ValidationError:
    return ValidationError(message, code=code)


@service_transaction
def approve_order(*, actor: Any, order: Order, note: str = "") -> Order:
    order = locks.locked_order(order.pk)
    if order.status != OrderStatus.AWAITING_APPROVAL:
        raise _refuse("not_awaiting_approval", _("Only an order awaiting approval can be approved."))
    order.decided_by, order.decision_note = actor, note[:500]
    order.save(update_fields=["decided_by", "decision_note"])
    record_event(
        "orders.order_approved", actor=actor, target=order, data={"number": order.number, "note": note}
    )
    bill_order(order, list(order.lines.order_by("position")), actor=actor)
    return order


@service_transaction
def refuse_order(*, actor: Any, order: Order, reason: str) -> Order:
    order = locks.locked_order(order.pk)
    if order.status != OrderStatus.AWAITING_APPROVAL:
        raise _refuse("not_awaiting_approval", _("Only an order awaiting approval can be refused."))
    if not reason.strip():
        raise ValidationError({"reason": _refuse("required", _("Say why the order is refused."))})
    _close(order, OrderStatus.REFUSED, actor=actor, note=reason)
    record_event(
        "orders.order_refused", actor=actor, target=order, data={"number": order.number, "reason": reason}
    )
    return order


@service_transaction
def cancel_order(*, actor: Any, order: Order, reason: str = "") -> Order:
    """Cancel an order not yet paid: its proforma is cancelled and its coupon use given back.
    A paid order has services: those are cancelled or terminated, not the order."""
    order = locks.locked_order_and_document(order.pk)
    if order.status not in CANCELLABLE:
        raise _refuse(
            "not_cancellable",
            _("A %(status)s order cannot be cancelled; cancel or terminate its services instead.")
            % {"status": order.get_status_display().lower()},
        )
    document = order.document
    if document is not None and document.document_type == DocumentType.INVOICE:
        raise _refuse(
            "invoiced",
            _("This order's invoice %(number)s is issued: credit it in billing, then cancel the order.")
            % {"number": document.number},
        )
    # Closed first: cancelling the proforma tells orders (proforma_cancelled), which then finds
    # nothing left to cancel.
    _close(order, OrderStatus.CANCELLED, actor=actor, note=reason)
    record_event(
        "orders.order_cancelled", actor=actor, target=order, data={"number": order.number, "reason": reason}
    )
    if document is not None and document.status == DocumentStatus.ISSUED:
        cancel_proforma(actor=actor, proforma=document)
    return order


def orders_of_cancelled_proforma(document_id: int, *, actor: Any) -> None:
    """Staff cancelled an order's proforma in billing: the order, still awaiting payment, is
    cancelled with it and its coupon use given back (in the proforma's transaction)."""
    ids = list(
        Order.objects.filter(document_id=document_id, status=OrderStatus.AWAITING_PAYMENT).values_list(
            "pk", flat=True
        )
    )
    for order in locks.locked_orders(ids):
        if order.status != OrderStatus.AWAITING_PAYMENT:
            continue
        note = _("Its proforma was cancelled.")
        _close(order, OrderStatus.CANCELLED, actor=actor, note=note)
        record_event(
            "orders.order_cancelled",
            actor=actor,
            target=order,
            data={"number": order.number, "reason": note, "by": "proforma_cancelled"},
        )


def _close(order: Order, status: str, *, actor: Any, note: str) -> None:
    redemption = CouponRedemption.objects.filter(order=order).first()
    if redemption is not None:
        redemption.delete()
        Coupon.objects.filter(pk=redemption.coupon_id).update(uses=F("uses") - 1)
    order.status, order.closed_at, order.decision_note = status, timezone.now(), note[:500]
    order.decided_by = actor if getattr(actor, "is_authenticated", False) else None
    order.save(update_fields=["status", "closed_at", "decision_note", "decided_by"])


def mark_paid(order: Order, *, actor: Any, invoice: Any) -> list[Service]:
    """The order is paid: it records the invoice and creates its services, each pending
    provisioning. Called in the transaction of the payment (or of checkout, for a free order),
    with the order locked; an order already paid is left as it is."""
    if order.status != OrderStatus.AWAITING_PAYMENT:
        return []
    order.status, order.paid_at, order.invoice = OrderStatus.PAID, timezone.now(), invoice
    order.save(update_fields=["status", "paid_at", "invoice"])
    services = create_services(order)
    services_created.send(sender=Service, service_ids=[service.pk for service in services], actor=actor)
    record_event(
        "orders.order_paid",
        actor=actor,
        target=order,
        data={
            "number": order.number,
            "invoice": invoice.number if invoice is not None else "",
            "services": [service.pk for service in services],
        },
    )
    return services


def create_services(order: Order) -> list[Service]:
    """One service per order line: items first, then their add-ons and included plans, which
    belong to the item's service and package."""
    start = fiscal_today()
    created: dict[int, Service] = {}
    lines = list(order.lines.select_related("plan").order_by("position"))
    for line in sorted(lines, key=lambda line: line.parent_id is not None):
        parent = created.get(line.parent_id) if line.parent_id else None
        group = (
            parent.group
            if parent is not None
            else ServiceGroup.objects.create(customer_id=order.customer_id, label=_package_label(line))
        )
        service = Service.objects.create(
            customer_id=order.customer_id,
            plan=line.plan,
            order_line=line,
            parent=parent,
            group=group,
            cycle=line.cycle,
            quantity=line.quantity,
            domain=line.domain,
            price=line.recurring_price,
            list_price=line.base - line.relation_discount,
            discounted_periods=line.discounted_periods,
            currency=order.currency,
            next_due_date=next_due_date(start, line.cycle),
            billing_anchor=start if months_of(line.cycle) else None,
        )
        created[line.pk] = service
    return [created[line.pk] for line in lines]


def _package_label(line: OrderLine) -> str:
    return (
        line.description if line.role == LineRole.ITEM else f"{line.description} ({line.get_role_display()})"
    )


def orders_paid_by(document_ids: list[int], *, actor: Any = None) -> None:
    """Invoices now paid in full (billing.signals.invoices_paid): the orders billed by them, or by
    the proformas they were converted from, are paid."""
    ids = list(
        Order.objects.filter(status=OrderStatus.AWAITING_PAYMENT)
        .filter(Q(document__in=document_ids) | Q(document__converted_to__in=document_ids))
        .values_list("pk", flat=True)
    )
    for order in locks.locked_orders(ids):
        invoice = order.document
        assert invoice is not None
        if invoice.document_type == DocumentType.PROFORMA:
            invoice = invoice.converted_to
        mark_paid(order, actor=actor, invoice=invoice)


SETTLED = (ServiceStatus.ACTIVE, ServiceStatus.SUSPENDED, ServiceStatus.TERMINATED, ServiceStatus.CANCELLED)


def follow_services(order_id: int, *, actor: Any = None) -> None:
    """A paid order follows its services (provisioning calls this after moving one): provisioning
    once one of them is on its way, completed once none is still waiting to be set up. Runs in the
    caller's transaction; an order in any other status is left as it is."""
    order = locks.locked_order(order_id)
    if order.status not in (OrderStatus.PAID, OrderStatus.PROVISIONING):
        return
    statuses = set(Service.objects.filter(order_line__order=order).values_list("status", flat=True))
    if statuses and statuses <= set(SETTLED):
        status = OrderStatus.COMPLETED
    elif statuses - {ServiceStatus.PENDING}:
        status = OrderStatus.PROVISIONING
    else:
        return
    if status == order.status:
        return
    order.status = status
    order.save(update_fields=["status"])
    record_event(f"orders.order_{status}", actor=actor, target=order, data={"number": order.number})
