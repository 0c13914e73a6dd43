"""The customer area's shop in a browser: carol browses the catalog, configures web hosting with
a domain and an add-on (the price preview follows), adds it to her cart, applies a coupon and sees
its discount, checks out, sees the order awaiting payment and opens its proforma in billing."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from praho.catalog.models import Coupon
from praho.e2e.steps import log_in, submit
from praho.orders.models import Order, OrderStatus
from praho.testing.shop import build_shop

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("billing_ready"),
]


@pytest.fixture
def shop(billing_ready):
    shop = build_shop()
    Coupon.objects.create(code="WELCOME10", kind="percent", percent=Decimal("10"), periods=1)
    return shop


def test_carol_orders_hosting_with_a_coupon_and_opens_its_proforma(web, carol, carol_customer, shop):
    log_in(web, carol)
    page = web.page

    # The catalog, from the customer menu: prices without and with her VAT.
    with page.expect_navigation():
        page.get_by_role("link", name="Order services", exact=True).first.click()
    assert web.path() == "/app/shop/"
    hosting = page.locator("article[data-plan='web-start']")
    assert "200,00" in hosting.inner_text() or "200.00" in hosting.inner_text()
    assert "242" in hosting.inner_text()  # 200 RON + 21% VAT
    assert page.locator("article[data-plan='old-start']").count() == 0

    # Configure: the annual cycle, a domain, the backup add-on; the preview prices it.
    with page.expect_navigation():
        hosting.get_by_role("link", name=re.compile("Order")).click()
    page.select_option("#id_cycle", "annual")
    page.fill("#id_domain", "carol-hosting.ro")
    page.get_by_label(re.compile("Daily backup")).check()
    preview = page.locator("#plan-preview")
    preview.get_by_text("302").wait_for()  # 250 without VAT + 21%
    submit(web, "form.configure-form", "Add to cart")
    assert web.path() == "/app/shop/cart/"
    assert "Web Start" in page.locator("main").inner_text()

    # The coupon: its discount shows in the totals.
    page.fill("#id_coupon", "welcome10")
    submit(web, "form.coupon-form", "Apply")
    assert "Coupon WELCOME10 is applied." in page.locator("main").inner_text()
    discounts = page.locator("dl.totals dd.discount-total").inner_text()
    assert "120" in discounts  # 100 package discount on the backup + 10% of the hosting
    total = page.locator("dl.totals dd.grand-total").inner_text()
    assert "278" in total

    # Checkout: the confirmation names the total; the order awaits payment.
    with page.expect_navigation():
        page.get_by_role("link", name="Check out").click()
    assert web.path() == "/app/shop/cart/checkout/"
    place = page.get_by_role("button", name=re.compile("Place the order"))
    assert "278" in place.inner_text()
    with page.expect_navigation():
        place.click()
    order = Order.objects.exclude(status=OrderStatus.DRAFT).get()
    assert web.path() == f"/app/shop/orders/{order.pk}/"
    assert order.number in page.locator("h1").inner_text()
    assert page.locator(".order-status").inner_text() == "Awaiting payment"

    # The proforma, in the billing area.
    proforma = order.document
    with page.expect_navigation():
        page.locator("a.order-document").click()
    assert web.path() == f"/app/billing/documents/{proforma.pk}/"
    assert proforma.number in page.locator("h1").inner_text()
    main = page.locator("main").inner_text()
    assert "278,30" in main or "278.30" in main
    assert (order.total, proforma.total) == (Decimal("278.30"), Decimal("278.30"))


PHONE = {"width": 375, "height": 740}
# document.scrollingElement: the page scrolls sideways when it is wider than the window.
SIDEWAYS_SCROLL = "document.scrollingElement.scrollWidth - window.innerWidth"


@pytest.mark.parametrize("web_viewport", [PHONE])
def test_the_shop_fits_a_375_px_phone(web, carol, carol_customer, shop):
    from praho.orders.services import cart as carts

    item = {"plan": "web-start", "cycle": "annual", "domain": "carol-hosting.ro", "addons": ["backup"]}
    carts.add_item(customer=carol_customer, user=carol, item=item)
    order = carts.checkout(customer=carol_customer, user=carol)
    carts.add_item(customer=carol_customer, user=carol, item=item)
    log_in(web, carol)

    for path in (
        "/app/shop/",
        f"/app/shop/plans/{shop.plans['web-start'].pk}/",
        "/app/shop/cart/",
        "/app/shop/cart/checkout/",
        "/app/shop/orders/",
        f"/app/shop/orders/{order.pk}/",
        "/app/shop/services/",
    ):
        web.go(path)
        assert web.page.evaluate(SIDEWAYS_SCROLL) <= 0, f"{path} scrolls sideways at 375 px"
