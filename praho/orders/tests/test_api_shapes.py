"""The orders API's serializers write their rows themselves (for the lists' speed): what they
write is what DRF writes from their declared fields, so the schema tells the truth."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework import serializers

from praho.orders.api.serializers import OrderLineSerializer, OrderSerializer, ServiceSerializer
from praho.orders.models import Order, Service
from praho.orders.selectors import shown_services, with_lines
from praho.orders.services.fulfilment import cancel_order
from praho.orders.tests.test_api_orders import HOSTING, coupon, pay, place

pytestmark = pytest.mark.django_db


def as_drf_writes_it(serializer: serializers.ModelSerializer[Any], instance: Any) -> dict[str, Any]:
    return dict(serializers.ModelSerializer.to_representation(serializer, instance))


def test_orders_and_lines_are_written_as_their_fields_say(shop, carol, alice_admin, carol_customer):
    coupon()
    place(carol, carol_customer, {**HOSTING, "addons": ["backup", "ssl-basic"]}, coupon="SPRING")
    place(carol, carol_customer, {"plan": "vps-m", "cycle": "monthly"})
    first, second = Order.objects.order_by("pk")
    pay(alice_admin, first)
    cancel_order(actor=carol, order=second, reason="No")
    orders = list(with_lines(Order.objects.all()))
    assert {order.status for order in orders} == {"provisioning", "cancelled"}
    for order in orders:
        written = OrderSerializer(order).data
        assert written == as_drf_writes_it(OrderSerializer(), order)
        assert [as_drf_writes_it(OrderLineSerializer(), line) for line in order.lines.all()] == written[
            "lines"
        ]
        assert list(written) == OrderSerializer.Meta.fields


def test_services_are_written_as_their_fields_say(shop, carol, alice_admin, carol_customer):
    place(carol, carol_customer, {**HOSTING, "addons": ["backup"]})
    pay(alice_admin, Order.objects.get())
    Service.objects.create(
        customer=carol_customer,
        plan=shop.plans["vps-s"],
        cycle="one_time",
        price=1,
        list_price=1,
        currency="EUR",
    )
    for service in shown_services(Service.objects.all()):
        written = ServiceSerializer(service).data
        assert written == as_drf_writes_it(ServiceSerializer(), service)
        assert list(written) == ServiceSerializer.Meta.fields
