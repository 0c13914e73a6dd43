"""The staff search finds orders by number and services by domain, and costs other searches
no query."""

from __future__ import annotations

from decimal import Decimal

import pytest

from praho.core.search import staff_search
from praho.orders.models import Service, ServiceStatus
from praho.orders.services.checkout import place_order

pytestmark = pytest.mark.django_db


def groups(user, query):
    return {group.kind: [result.title for result in group.results] for group in staff_search(user, query)}


def test_orders_by_number_and_services_by_domain(shop, carol, carol_customer, alice_admin):
    order = place_order(
        actor=carol, customer=carol_customer, currency="RON", items=[{"plan": "vps-s", "cycle": "monthly"}]
    )
    Service.objects.create(
        customer=carol_customer,
        plan=shop.plans["web-start"],
        status=ServiceStatus.ACTIVE,
        cycle="annual",
        domain="carol-shop.ro",
        price=Decimal(1),
        list_price=Decimal(1),
        currency="RON",
    )
    assert groups(alice_admin, order.number.lower())["orders"] == [order.number]
    assert groups(alice_admin, "CAROL-SHOP.ro")["services"] == ["carol-shop.ro"]
    assert "orders" not in groups(alice_admin, "carol")
    assert "services" not in groups(alice_admin, "carol@customer.test")


def test_staff_without_the_permission_find_no_orders(shop, carol, carol_customer, alice_admin):
    from praho.accounts.tests.factories import UserFactory

    place_order(
        actor=carol, customer=carol_customer, currency="RON", items=[{"plan": "vps-s", "cycle": "monthly"}]
    )
    nobody = UserFactory(email="nobody@staff.test", is_staff=True)
    assert groups(nobody, "ORD-") == {}
