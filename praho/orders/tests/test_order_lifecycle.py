"""Every way an order is paid, approved, refused or cancelled, and what each leaves behind."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError

from praho.audit.models import AuditEvent
from praho.billing.models import DocumentStatus, DocumentType
from praho.billing.services.corrections import convert_proforma
from praho.billing.services.payments import apply_customer_credit, record_payment
from praho.catalog.models import Coupon
from praho.core.validation import fiscal_today
from praho.orders.models import CouponRedemption, Order, OrderPolicy, OrderStatus, ReviewFlag, Service
from praho.orders.services.checkout import place_order
from praho.orders.services.fulfilment import approve_order, cancel_order, refuse_order

pytestmark = pytest.mark.django_db

VPS = [{"plan": "vps-s", "cycle": "monthly"}]


def pay(actor, document, amount, reference="OP 1"):
    return record_payment(
        actor=actor,
        invoice=document,
        amount=amount,
        currency=document.currency,
        method="bank_transfer",
        reference=reference,
        received_on=fiscal_today(),
    )


def test_a_proforma_converted_first_pays_the_order_when_its_invoice_is_paid(
    shop, carol, carol_customer, alice_admin
):
    order = place_order(actor=carol, customer=carol_customer, currency="RON", items=VPS)
    invoice = convert_proforma(actor=alice_admin, proforma=order.document)
    pay(alice_admin, invoice, Decimal("100.00"))
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT  # 121.00 with VAT: not yet
    pay(alice_admin, invoice, Decimal("21.00"), reference="OP 2")
    order.refresh_from_db()
    assert (order.status, order.invoice_id) == (OrderStatus.PAID, invoice.pk)
    assert Service.objects.filter(order_line__order=order).count() == 1


def test_customer_credit_applied_pays_the_order(shop, carol, carol_customer, alice_admin):
    first = place_order(actor=carol, customer=carol_customer, currency="RON", items=VPS)
    payment = pay(alice_admin, first.document, Decimal("242.00"))  # twice what it costs
    second = place_order(actor=carol, customer=carol_customer, currency="RON", items=VPS)
    invoice = convert_proforma(actor=alice_admin, proforma=second.document)
    apply_customer_credit(actor=alice_admin, customer=carol_customer, invoice=invoice)
    second.refresh_from_db()
    assert payment.document.document_type == DocumentType.INVOICE
    assert second.status == OrderStatus.PAID
    assert Service.objects.filter(customer=carol_customer).count() == 2


def test_an_order_over_the_threshold_waits_for_approval_without_a_proforma(
    shop, carol, carol_customer, alice_admin
):
    OrderPolicy.objects.create(currency="RON", approval_threshold=Decimal("100.00"))
    order = place_order(actor=carol, customer=carol_customer, currency="RON", items=VPS)
    assert (order.status, order.document) == (OrderStatus.AWAITING_APPROVAL, None)
    assert "100.00 RON" in order.review_reason
    approve_order(actor=alice_admin, order=order, note="known customer")
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT
    assert order.document.status == DocumentStatus.ISSUED
    assert AuditEvent.objects.filter(action="orders.order_approved", object_id=str(order.pk)).exists()


def test_a_flagged_customer_waits_and_a_refusal_needs_a_reason(shop, carol, carol_customer, alice_admin):
    ReviewFlag.objects.create(customer=carol_customer, reason="chargebacks")
    Coupon.objects.create(code="TEN", kind="percent", percent=Decimal(10))
    order = place_order(actor=carol, customer=carol_customer, currency="RON", items=VPS, coupon="ten")
    assert order.status == OrderStatus.AWAITING_APPROVAL
    with pytest.raises(ValidationError) as error:
        refuse_order(actor=alice_admin, order=order, reason=" ")
    assert list(error.value.message_dict) == ["reason"]
    refuse_order(actor=alice_admin, order=order, reason="too many chargebacks")
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUSED
    assert Coupon.objects.get(code="TEN").uses == 0
    with pytest.raises(ValidationError):
        approve_order(actor=alice_admin, order=order)


def test_staff_who_may_approve_place_orders_that_need_no_approval(shop, carol_customer, bill_billing):
    ReviewFlag.objects.create(customer=carol_customer, reason="new")
    bill_billing.user_permissions.add(Permission.objects.get(codename="approve_order"))
    order = place_order(actor=bill_billing, customer=carol_customer, currency="RON", items=VPS, staff=True)
    assert order.status == OrderStatus.AWAITING_PAYMENT
    assert order.placed_by_staff


def test_cancelling_cancels_the_proforma_and_a_paid_order_cannot_be_cancelled(
    shop, carol, carol_customer, alice_admin
):
    order = place_order(actor=carol, customer=carol_customer, currency="RON", items=VPS)
    cancel_order(actor=carol, order=order, reason="wrong plan")
    order.document.refresh_from_db()
    assert order.document.status == DocumentStatus.CANCELLED
    paid = place_order(actor=carol, customer=carol_customer, currency="RON", items=VPS)
    pay(alice_admin, paid.document, paid.total)
    with pytest.raises(ValidationError) as error:
        cancel_order(actor=carol, order=Order.objects.get(pk=paid.pk))
    assert error.value.code == "not_cancellable"


def test_a_free_order_is_paid_at_once_without_a_document(shop, carol, carol_customer):
    Coupon.objects.create(code="FREE", kind="percent", percent=Decimal(100), periods=1)
    order = place_order(actor=carol, customer=carol_customer, currency="RON", items=VPS, coupon="free")
    assert (order.status, order.document, order.total) == (OrderStatus.PAID, None, Decimal("0.00"))
    service = Service.objects.get(order_line__order=order)
    assert (service.price, service.list_price) == (Decimal("100.00"), Decimal("100.00"))
    assert CouponRedemption.objects.filter(order=order).exists()


def test_invoice_mode_issues_an_invoice_at_checkout(shop, carol, carol_customer, alice_admin, settings):
    settings.ORDERS_DOCUMENT = "invoice"
    order = place_order(actor=carol, customer=carol_customer, currency="RON", items=VPS)
    assert order.document.document_type == DocumentType.INVOICE
    with pytest.raises(ValidationError) as error:
        cancel_order(actor=carol, order=order)
    assert error.value.code == "invoiced"
    pay(alice_admin, order.document, order.total)
    order.refresh_from_db()
    assert (order.status, order.invoice_id) == (OrderStatus.PAID, order.document_id)


def test_cancelling_the_proforma_in_billing_cancels_its_order(shop, carol, carol_customer, alice_admin):
    from praho.billing.services.corrections import cancel_proforma

    Coupon.objects.create(code="TEN", kind="percent", percent=Decimal(10))
    order = place_order(actor=carol, customer=carol_customer, currency="RON", items=VPS, coupon="ten")
    cancel_proforma(actor=alice_admin, proforma=order.document)
    order.refresh_from_db()
    assert (order.status, order.decided_by) == (OrderStatus.CANCELLED, alice_admin)
    assert Coupon.objects.get(code="TEN").uses == 0
    events = AuditEvent.objects.filter(action="orders.order_cancelled", object_id=str(order.pk))
    assert [event.data["by"] for event in events] == ["proforma_cancelled"]


def test_cancelling_an_order_cancels_its_proforma_once(shop, carol, carol_customer):
    order = place_order(actor=carol, customer=carol_customer, currency="RON", items=VPS)
    cancel_order(actor=carol, order=order, reason="wrong plan")
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert order.document.status == DocumentStatus.CANCELLED
    assert AuditEvent.objects.filter(action="orders.order_cancelled", object_id=str(order.pk)).count() == 1
