"""Staff place an order for a customer (/staff/orders/new/): what the checkout refuses is shown
next to the field it names, nothing is placed; a staff member who may approve orders places
them approved, one who may not (sales) may see them wait."""

from __future__ import annotations

import re
from html import unescape

import pytest

from praho.audit.models import AuditEvent
from praho.orders.models import Order, OrderStatus, ReviewFlag

pytestmark = pytest.mark.django_db

NEW = "/staff/orders/new/"


def form_data(customer, **rows):
    """The form's fields: the customer, RON, and rows {index: {field: value}}."""
    data = {"customer": customer.pk if customer else "", "currency": "RON", "coupon": "", "notes": ""}
    for index, values in rows.items():
        for name, value in values.items():
            data[f"items-{index}-{name}"] = value
    return data


def field_errors(response, field_id):
    match = re.search(
        rf'<ul class="field-errors" id="{field_id}_error">(.*?)</ul>', response.content.decode(), re.S
    )
    assert match, f"no error shown for {field_id}"
    return [unescape(text) for text in re.findall(r"<li>(.*?)</li>", match.group(1), re.S)]


def plan_id(shop, code):
    return str(shop.plans[code].pk)


def test_the_form_shows_five_item_rows(staff_client, alice_admin, shop):
    response = staff_client(alice_admin).get(NEW)
    assert response.status_code == 200
    assert len(response.context["rows"]) == 5
    page = response.content.decode()
    assert 'name="items-4-plan"' in page
    assert "Web Start (web-start)" in page
    assert "old-start" not in page  # retired


def test_an_admin_places_an_order_that_is_billed_at_once(staff_client, alice_admin, shop, carol_customer):
    ReviewFlag.objects.create(customer=carol_customer, reason="New")
    data = form_data(
        carol_customer,
        **{
            "1": {
                "plan": plan_id(shop, "web-start"),
                "cycle": "annual",
                "quantity": "1",
                "domain": "carol.ro",
                "addons": [plan_id(shop, "backup")],
            }
        },
    )

    response = staff_client(alice_admin).post(NEW, data)

    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/staff/orders/{order.pk}/"
    assert order.placed_by_staff
    assert order.status == OrderStatus.AWAITING_PAYMENT  # approved by placing it
    assert [line.plan_code for line in order.lines.order_by("position")] == [
        "web-start",
        "backup",
        "domain-ro",
    ]
    assert AuditEvent.objects.get(action="orders.order_placed").actor == alice_admin


def test_staff_may_order_a_plan_behind_a_flag(staff_client, alice_admin, shop, carol_customer):
    data = form_data(carol_customer, **{"0": {"plan": plan_id(shop, "beta-box"), "cycle": "monthly"}})
    response = staff_client(alice_admin).post(NEW, data)
    assert response.status_code == 302
    assert Order.objects.get().lines.get().plan_code == "beta-box"


def test_sales_place_orders_that_wait_for_a_flagged_customer(staff_client, sam_sales, shop, carol_customer):
    ReviewFlag.objects.create(customer=carol_customer, reason="New")
    data = form_data(carol_customer, **{"0": {"plan": plan_id(shop, "vps-s"), "cycle": "monthly"}})

    staff_client(sam_sales).post(NEW, data)

    order = Order.objects.get()
    assert order.status == OrderStatus.AWAITING_APPROVAL
    assert order.document is None


def test_errors_are_shown_next_to_their_fields_and_nothing_is_placed(
    staff_client, alice_admin, shop, carol_customer
):
    data = form_data(
        carol_customer,
        **{
            "0": {"plan": plan_id(shop, "web-start"), "cycle": "annual", "domain": "carol.ro"},
            "2": {"plan": plan_id(shop, "vps-s"), "cycle": "annual"},
        },
    )
    data["coupon"] = "NOPE"

    response = staff_client(alice_admin).post(NEW, data)

    assert response.status_code == 400
    # the second item came from the third row
    assert field_errors(response, "id_items-2-cycle")
    assert not Order.objects.exists()
    assert response.context["picker"]["selected"] == carol_customer


def test_a_coupon_refusal_is_shown_by_the_coupon(staff_client, alice_admin, shop, carol_customer):
    data = form_data(carol_customer, **{"0": {"plan": plan_id(shop, "vps-s"), "cycle": "monthly"}})
    data["coupon"] = "NOPE"
    response = staff_client(alice_admin).post(NEW, data)
    assert response.status_code == 400
    assert field_errors(response, "id_coupon")
    assert not Order.objects.exists()


def test_a_customer_and_an_item_are_needed(staff_client, alice_admin, shop, carol_customer):
    client = staff_client(alice_admin)

    no_customer = client.post(
        NEW, form_data(None, **{"0": {"plan": plan_id(shop, "vps-s"), "cycle": "monthly"}})
    )
    no_item = client.post(NEW, form_data(carol_customer))

    assert no_customer.status_code == 400
    assert field_errors(no_customer, "id_customer") == ["Choose the customer."]
    assert no_item.status_code == 400
    assert "An order needs at least one item." in no_item.content.decode()
    assert not Order.objects.exists()


def test_support_may_not_place_orders(staff_client, sue_support, shop, carol_customer):
    data = form_data(carol_customer, **{"0": {"plan": plan_id(shop, "vps-s"), "cycle": "monthly"}})
    assert staff_client(sue_support).post(NEW, data).status_code == 403
    assert not Order.objects.exists()


def test_finding_a_customer_keeps_the_form(staff_client, alice_admin, shop, carol_customer):
    data = form_data(None) | {"customer_q": "Carol", "find_customer": "1"}
    response = staff_client(alice_admin).post(NEW, data)
    assert response.status_code == 200
    assert carol_customer in response.context["picker"]["results"]
    assert not Order.objects.exists()
