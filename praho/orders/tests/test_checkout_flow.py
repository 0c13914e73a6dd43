"""Checkout to services: an order's proforma, paid through billing's payment path, makes the
order paid and creates its services with their relationships."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from praho.billing.models import DocumentStatus, DocumentType
from praho.billing.services.payments import record_payment
from praho.core.validation import fiscal_today
from praho.orders.models import LineRole, Order, OrderStatus, Service, ServiceStatus
from praho.orders.services.checkout import place_order

pytestmark = pytest.mark.django_db


def hosting_item(**extra):
    return {"plan": "web-start", "cycle": "annual", "domain": "carol.ro", **extra}


def test_checkout_issues_a_proforma_and_payment_creates_the_services(
    shop, carol, carol_customer, alice_admin
):
    order = place_order(
        actor=carol,
        customer=carol_customer,
        currency="RON",
        items=[hosting_item(addons=["backup", "ssl-basic"])],
    )
    assert order.status == OrderStatus.AWAITING_PAYMENT
    assert order.number.startswith("ORD-")
    lines = list(order.lines.order_by("position"))
    assert [(line.plan_code, line.role) for line in lines] == [
        ("web-start", LineRole.ITEM),
        ("backup", LineRole.ADDON),
        ("ssl-basic", LineRole.ADDON),
        ("domain-ro", LineRole.INCLUDED),
    ]
    # hosting 200 + backup 100 at 50% + ssl 30 + the .ro domain free with annual hosting
    assert order.net_total == Decimal("280.00")
    assert order.discount_total == Decimal("100.00")
    proforma = order.document
    assert proforma.document_type == DocumentType.PROFORMA
    assert proforma.status == DocumentStatus.ISSUED
    assert proforma.net_total == order.net_total
    assert proforma.total == order.total
    assert order.vat_total == Decimal("58.80")  # 21%

    payment = record_payment(
        actor=alice_admin,
        invoice=proforma,
        amount=proforma.total,
        currency="RON",
        method="bank_transfer",
        reference="OP 1",
        received_on=fiscal_today(),
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.PROVISIONING  # its services are being set up
    assert order.invoice == payment.document
    services = list(Service.objects.filter(customer=carol_customer).order_by("pk"))
    assert [s.plan.code for s in services] == ["web-start", "backup", "ssl-basic", "domain-ro"]
    hosting = services[0]
    # Provisioning started them: the Virtualmin hosting waits for a server (there is none here),
    # the plans set up by hand are being provisioned.
    assert [s.status for s in services] == [ServiceStatus.PENDING] + [ServiceStatus.PROVISIONING] * 3
    assert [s.parent_id for s in services[1:]] == [hosting.pk] * 3
    assert {s.group_id for s in services} == {hosting.group_id}
    assert hosting.domain == "carol.ro"
    assert services[3].domain == "carol.ro"
    assert services[1].price == Decimal("50.00")
    assert services[3].price == Decimal("0.00")
    assert hosting.next_due_date.year == fiscal_today().year + 1


def test_a_partial_payment_does_not_pay_the_order(shop, carol, carol_customer, alice_admin):
    order = place_order(actor=carol, customer=carol_customer, currency="RON", items=[hosting_item()])
    record_payment(
        actor=alice_admin,
        invoice=order.document,
        amount=Decimal("10.00"),
        currency="RON",
        method="bank_transfer",
        reference="OP 1",
        received_on=fiscal_today(),
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT
    assert not Service.objects.exists()


def test_a_refused_order_leaves_nothing(shop, carol, carol_customer):
    with pytest.raises(ValidationError) as refused:
        place_order(
            actor=carol,
            customer=carol_customer,
            currency="RON",
            items=[hosting_item(), {"plan": "vps-s", "cycle": "annual"}],
            coupon="NOPE",
        )
    assert set(refused.value.message_dict) == {"items.1.cycle"}
    assert not Order.objects.exists()
