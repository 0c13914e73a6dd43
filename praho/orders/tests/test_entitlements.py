"""Entitlements: active services' features summed per feature, unlimited wins."""

from __future__ import annotations

from decimal import Decimal

import pytest

from praho.orders.entitlements import entitlements_of
from praho.orders.models import Service, ServiceStatus

pytestmark = pytest.mark.django_db


def service(customer, plan, *, quantity=1, status=ServiceStatus.ACTIVE):
    return Service.objects.create(
        customer=customer,
        plan=plan,
        status=status,
        cycle="monthly",
        quantity=quantity,
        price=Decimal(1),
        list_price=Decimal(1),
        currency="RON",
    )


def test_active_services_sum_per_feature(shop, carol_customer, dave_customer, django_assert_num_queries):
    plans = shop.plans
    service(carol_customer, plans["web-start"])
    service(carol_customer, plans["web-start"])
    service(carol_customer, plans["vps-s"], quantity=2)
    service(carol_customer, plans["backup"])
    service(carol_customer, plans["vps-m"], status=ServiceStatus.PENDING)  # not usable yet
    service(carol_customer, plans["vps-m"], status=ServiceStatus.SUSPENDED)
    service(dave_customer, plans["vps-m"])  # someone else's
    with django_assert_num_queries(2):
        found = {e.code: e.limit for e in entitlements_of(carol_customer)}
    assert found == {
        "disk": Decimal("60"),  # 2 x 10 + 2 x 20
        "bandwidth": None,  # unlimited with web-start
        "mailboxes": Decimal("10"),
        "vcpu": Decimal("2"),
        "backups": Decimal("7"),
    }


def test_a_customer_without_active_services_has_none(shop, carol_customer):
    assert entitlements_of(carol_customer) == []
