"""Every page of the customer area's shop renders soundly for the owner: one h1, labelled controls,
no duplicate ids, no inline scripts or external assets, errors tied to their fields."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from praho.accounts.tests import html_audit
from praho.accounts.tests.test_pages import assert_page_is_sound
from praho.billing.services.payments import record_payment
from praho.catalog.models import Coupon
from praho.core.validation import fiscal_today
from praho.orders.models import Order, OrderStatus, Service
from praho.orders.services import cart as carts

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("carol_customer")]


@pytest.fixture
def bought(shop, carol, carol_customer, bill_billing):
    """A paid order (with its services), another awaiting payment, and a cart with a coupon."""
    Coupon.objects.create(code="WELCOME10", kind="percent", percent=Decimal("10"), periods=1)
    item = {"plan": "web-start", "cycle": "annual", "domain": "carol.ro", "addons": ["backup"]}
    for _order in range(2):
        carts.add_item(customer=carol_customer, user=carol, item=item)
        carts.checkout(customer=carol_customer, user=carol)
    paid = Order.objects.exclude(status=OrderStatus.DRAFT).order_by("pk").first()
    record_payment(
        actor=bill_billing,
        invoice=paid.document,
        amount=paid.document.total,
        currency="RON",
        method="bank_transfer",
        reference="OP 1",
        received_on=fiscal_today(),
    )
    carts.add_item(customer=carol_customer, user=carol, item=item)
    carts.add_item(customer=carol_customer, user=carol, item={"plan": "vps-s", "cycle": "monthly"})
    carts.set_coupon(customer=carol_customer, user=carol, code="WELCOME10")
    waiting = Order.objects.filter(status=OrderStatus.AWAITING_PAYMENT).get()
    return {"paid": paid, "waiting": waiting, "service": Service.objects.filter(parent=None).get()}


def test_every_shop_page_renders_soundly(client, carol, shop, bought):
    client.force_login(carol)
    pages = [
        reverse("orders:area-shop"),
        reverse("orders:area-plan", args=[shop.plans["web-start"].pk]),
        reverse("orders:area-plan", args=[shop.plans["extra-ip"].pk]),
        reverse("orders:area-plan", args=[shop.plans["old-start"].pk]),
        reverse("orders:area-cart"),
        reverse("orders:area-checkout"),
        reverse("orders:area-orders"),
        reverse("orders:area-order", args=[bought["paid"].pk]),
        reverse("orders:area-order", args=[bought["waiting"].pk]),
        reverse("orders:area-order-cancel", args=[bought["waiting"].pk]),
        reverse("orders:area-services"),
        reverse("orders:area-service", args=[bought["service"].pk]),
    ]
    for path in pages:
        assert_page_is_sound(client.get(path), path)


def test_a_refused_configuration_ties_its_errors_to_the_fields(client, carol, shop):
    client.force_login(carol)
    path = reverse("orders:area-plan", args=[shop.plans["web-start"].pk])

    response = client.post(path, {"cycle": "annual", "quantity": "1", "domain": "bad domain"})

    assert response.status_code == 400
    page = html_audit.read(response.content)
    assert page.unlabelled_controls() == []
    assert page.dangling_describedby() == []
    assert page.duplicate_ids() == []
    assert [control["name"] for control in page.invalid_controls] == ["domain"]
    assert page.invalid_controls_without_error_text() == []


def test_a_refused_add_on_is_announced_on_its_fieldset(client, carol, shop):
    client.force_login(carol)
    path = reverse("orders:area-plan", args=[shop.plans["web-start"].pk])

    response = client.post(path, {"cycle": "annual", "domain": "carol.ro", "addons": ["999999"]})

    assert response.status_code == 400
    text = response.content.decode()
    assert '<fieldset aria-describedby="id_addons_error">' in text
    assert 'id="id_addons_error"' in text
