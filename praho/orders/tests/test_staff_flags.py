"""The feature flags' staff pages (/staff/orders/flags/): list, create, edit and delete, each
audited, with waffle's cache flushed so the next request sees the change."""

from __future__ import annotations

from decimal import Decimal

import pytest

from praho.audit.models import AuditEvent
from praho.orders.flags import flag_active
from praho.orders.models import FeatureFlag

pytestmark = pytest.mark.django_db

FLAGS, NEW = "/staff/orders/flags/", "/staff/orders/flags/new/"


def edit_url(flag, action=""):
    return f"{FLAGS}{flag.pk}/{action}"


@pytest.fixture
def manager(staff_client, mike_manager, shop):
    return staff_client(mike_manager)


def test_only_admins_and_managers_manage_flags(staff_client, client, carol, bill_billing, sue_support, shop):
    beta = FeatureFlag.objects.create(name="beta")
    for user in (bill_billing, sue_support):
        staff = staff_client(user)
        assert staff.get(FLAGS).status_code == 403
        assert staff.post(NEW, {"name": "x"}).status_code == 403
        assert staff.post(edit_url(beta, "delete/")).status_code == 403
    client.force_login(carol)
    assert client.get(FLAGS).status_code == 404
    assert FeatureFlag.objects.count() == 1


def test_creating_a_flag_turns_it_on_for_whom_it_names(
    manager, django_capture_on_commit_callbacks, shop, carol, carol_customer, dave, dave_customer
):
    assert not flag_active("new-panel", user=dave, customer=dave_customer)
    data = {
        "name": "new-panel",
        "note": "The new control panel",
        "everyone": "",
        "percent": "12,5",
        "users": carol.email.upper(),
        "customers": dave_customer.tax_id,
        "plans": [str(shop.plans["vps-s"].pk)],
    }

    with django_capture_on_commit_callbacks(execute=True):
        response = manager.post(NEW, data)

    assert response.status_code == 302
    flag = FeatureFlag.objects.get(name="new-panel")
    assert flag.percent == Decimal("12.5")
    assert list(flag.users.all()) == [carol]
    assert list(flag.customers.all()) == [dave_customer]
    assert list(flag.plans.all()) == [shop.plans["vps-s"]]
    assert flag_active("new-panel", user=carol)
    assert flag_active("new-panel", user=dave, customer=dave_customer)
    event = AuditEvent.objects.get(action="orders.feature_flag_created")
    assert event.data["users"] == [carol.email]
    assert event.data["plans"] == ["vps-s"]


def test_editing_a_flag_flushes_the_cache(manager, django_capture_on_commit_callbacks, carol):
    beta = FeatureFlag.objects.create(name="beta", superusers=False)
    assert not flag_active("beta", user=carol)  # cached now

    page = manager.get(edit_url(beta))
    assert page.status_code == 200
    assert page.context["form"].initial["name"] == "beta"
    with django_capture_on_commit_callbacks(execute=True):
        manager.post(edit_url(beta), {"name": "beta", "everyone": "on"})

    assert flag_active("beta", user=carol)
    assert AuditEvent.objects.get(action="orders.feature_flag_changed").data["everyone"] is True


def test_bad_input_is_shown_by_its_field_and_nothing_saved(manager, carol_customer):
    FeatureFlag.objects.create(name="taken")
    data = {
        "name": "Not A Slug",
        "percent": "100",
        "users": "nobody@example.test",
        "customers": "#999999 RO1",
    }

    response = manager.post(NEW, data)

    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_name_error"' in page
    assert 'id="id_percent_error"' in page
    assert "nobody@example.test" in page
    assert "#999999, RO1" in page
    assert FeatureFlag.objects.count() == 1
    unknown_plan = manager.post(NEW, {"name": "fine", "plans": ["999999"]})
    assert 'id="id_plans_error"' in unknown_plan.content.decode()
    taken = manager.post(NEW, {"name": "taken"})
    assert "Another flag has this name." in taken.content.decode()


def test_deleting_asks_first_and_is_audited(manager, django_capture_on_commit_callbacks, carol):
    beta = FeatureFlag.objects.create(name="beta", everyone=True)
    assert flag_active("beta", user=carol)

    assert manager.get(edit_url(beta, "delete/")).status_code == 200
    assert FeatureFlag.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = manager.post(edit_url(beta, "delete/"))

    assert response.status_code == 302
    assert not FeatureFlag.objects.exists()
    assert not flag_active("beta", user=carol)
    assert AuditEvent.objects.get(action="orders.feature_flag_deleted").object_repr == "beta"


def test_the_list_runs_a_fixed_number_of_queries(manager, carol, carol_customer, django_assert_num_queries):
    for name in ("alpha", "beta", "gamma"):
        flag = FeatureFlag.objects.create(name=name)
        flag.users.add(carol)
        flag.customers.add(carol_customer)
    # 1 session, 2 user, 3 authenticators, 4 user permissions, 5 group permissions, 6 the flags with counts
    with django_assert_num_queries(6):
        response = manager.get(FLAGS)
    assert [flag.name for flag in response.context["flags"]] == ["alpha", "beta", "gamma"]
    assert response.context["flags"][0].user_count == 1
