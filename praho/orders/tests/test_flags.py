"""praho.orders.flags: when a feature flag is on, and which plans are offered."""

from __future__ import annotations

from decimal import Decimal

import pytest

from praho.customers.models import Customer
from praho.orders.flags import _bucket, flag_active, plan_offered
from praho.orders.models import FeatureFlag, Service, ServiceStatus
from praho.orders.services.policy import save_feature_flag

pytestmark = pytest.mark.django_db


def _Customer(pk):  # noqa: N802
    """A customer known by its id only, for the share of many customers (its row is not needed)."""
    customer = Customer(pk=pk)
    customer._state.adding = False
    return customer


def flag(**values):
    created = FeatureFlag.objects.create(name="beta", superusers=False, **values)
    created.flush()
    return created


def service_on(plan, customer, status=ServiceStatus.ACTIVE):
    return Service.objects.create(
        customer=customer,
        plan=plan,
        status=status,
        cycle="monthly",
        price=Decimal("5"),
        list_price=Decimal("5"),
        currency="RON",
    )


def test_an_unknown_flag_is_off(carol, carol_customer):
    assert not flag_active("nothing-like-it", user=carol, customer=carol_customer)


def test_a_flag_is_off_by_default(carol, carol_customer):
    flag()
    assert not flag_active("beta", user=carol, customer=carol_customer)


def test_everyone_on_and_off_override_the_rest(carol, carol_customer, dave):
    beta = flag(everyone=True)
    assert flag_active("beta")
    assert flag_active("beta", user=dave)
    beta.everyone = False
    beta.save()
    beta.users.add(carol)
    beta.flush()
    assert not flag_active("beta", user=carol, customer=carol_customer)


def test_on_for_a_user(carol, dave):
    beta = flag()
    beta.users.add(carol)
    beta.flush()
    assert flag_active("beta", user=carol)
    assert not flag_active("beta", user=dave)


def test_on_for_a_customer(carol, carol_customer, dave, dave_customer):
    flag().customers.add(carol_customer)
    assert flag_active("beta", user=dave, customer=carol_customer)
    assert not flag_active("beta", user=dave, customer=dave_customer)


def test_on_for_customers_with_a_live_service_on_a_plan(shop, carol_customer, dave_customer):
    flag().plans.add(shop.plans["vps-s"])
    service = service_on(shop.plans["vps-s"], carol_customer)
    service_on(shop.plans["vps-s"], dave_customer, status=ServiceStatus.TERMINATED)

    assert flag_active("beta", customer=carol_customer)
    assert not flag_active("beta", customer=dave_customer)  # terminated is not live
    Service.objects.filter(pk=service.pk).update(status=ServiceStatus.SUSPENDED)
    assert flag_active("beta", customer=carol_customer)


def test_the_share_of_customers_is_stable_and_about_right(carol_customer):
    flag(percent=Decimal("30"))
    customers = [_Customer(pk) for pk in range(1, 1001)]

    first = [flag_active("beta", customer=customer) for customer in customers]
    again = [flag_active("beta", customer=customer) for customer in customers]

    assert first == again
    assert 250 <= sum(first) <= 350
    # Each customer's answer is its bucket: the same for this flag whatever the request.
    assert all(on == (_bucket("beta", c.pk) < 300) for on, c in zip(first, customers, strict=True))
    # Another flag's share is another set of customers.
    other = [_bucket("gamma", c.pk) < 300 for c in customers]
    assert other != first


def test_a_larger_share_keeps_the_customers_already_in(carol_customer):
    beta = flag(percent=Decimal("10"))
    customers = [_Customer(pk) for pk in range(1, 1001)]
    ten = {c.pk for c in customers if flag_active("beta", customer=c)}
    beta.percent = Decimal("50")
    beta.save()
    beta.flush()
    fifty = {c.pk for c in customers if flag_active("beta", customer=c)}
    assert ten < fifty
    assert 400 <= len(fifty) <= 600


def test_a_share_without_a_customer_is_off(carol):
    flag(percent=Decimal("99.9"))
    assert not flag_active("beta", user=carol)


def test_a_plan_behind_a_flag_is_offered_where_it_is_on_and_always_to_staff(
    shop, carol, carol_customer, dave, dave_customer
):
    beta_box, vps = shop.plans["beta-box"], shop.plans["vps-s"]
    assert plan_offered(vps, carol_customer, carol)  # no flag
    assert not plan_offered(beta_box, carol_customer, carol)  # flag "beta" does not exist
    assert plan_offered(beta_box, carol_customer, carol, staff=True)
    flag().customers.add(carol_customer)
    assert plan_offered(beta_box, carol_customer, carol)
    assert not plan_offered(beta_box, dave_customer, dave)


def test_saving_through_the_service_flushes_waffle_cache(
    alice_admin, carol, carol_customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        beta = save_feature_flag(actor=alice_admin, name="beta")
    assert not flag_active("beta", user=carol)  # now cached as off
    with django_capture_on_commit_callbacks(execute=True):
        save_feature_flag(actor=alice_admin, flag=beta, name="beta", users=carol.email)
    assert flag_active("beta", user=carol)
    with django_capture_on_commit_callbacks(execute=True):
        save_feature_flag(actor=alice_admin, flag=beta, name="beta", everyone=False, users=carol.email)
    assert not flag_active("beta", user=carol)
