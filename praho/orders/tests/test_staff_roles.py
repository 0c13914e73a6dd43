"""The staff roles' permissions on orders (praho.orders.roles, given by migration 0002) and the
staff menu's links that follow them."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from praho.orders.roles import STAFF_PERMISSIONS

pytestmark = pytest.mark.django_db


def permissions_of(role):
    group = Group.objects.get(name=role)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}


@pytest.mark.parametrize("role", sorted(STAFF_PERMISSIONS))
def test_every_role_has_its_orders_permissions(role):
    mine = {p for p in permissions_of(role) if p.startswith("orders.")}
    assert mine == set(STAFF_PERMISSIONS[role])


def test_who_may_do_what():
    assert {"orders.approve_order", "orders.place_order"} <= permissions_of("billing")
    assert "orders.place_order" in permissions_of("sales")
    assert "orders.approve_order" not in permissions_of("sales")
    assert not {"orders.place_order", "orders.change_order"} & permissions_of("support")
    for role in ("admin", "manager"):
        assert {"orders.change_featureflag", "orders.add_reviewflag", "orders.change_orderpolicy"} <= (
            permissions_of(role)
        )


def test_the_staff_menu_links_what_the_role_may_see(staff_client, mike_manager, sue_support):
    manager = staff_client(mike_manager).get("/staff/orders/").content.decode()
    assert '<a href="/staff/orders/" aria-current="page">Orders</a>' in manager
    for path in ("/staff/orders/services/", "/staff/orders/review/", "/staff/orders/flags/"):
        assert f'href="{path}"' in manager
    support = staff_client(sue_support).get("/staff/orders/services/").content.decode()
    assert 'href="/staff/orders/"' in support
    assert 'href="/staff/orders/flags/"' not in support
    assert 'href="/staff/orders/review/"' not in support
