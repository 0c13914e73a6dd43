"""Provisioning's panels on the staff dashboard: operations needing attention (a count and the
latest, linking to their services' staff pages) and services over their limits at their latest
reading; each for the staff who may see them, each in two queries whatever the numbers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from praho.accounts.tests.factories import UserFactory
from praho.orders.models import ServiceStatus
from praho.provisioning import dashboard
from praho.provisioning.models import Operation, OperationKind, OperationState, UsageSample
from praho.testing.provisioning import make_service

pytestmark = pytest.mark.django_db


def service(shop, customer, domain):
    return make_service(shop.plans["web-start"], customer, domain=domain, status=ServiceStatus.ACTIVE)


def operation(service, state, key, error=""):
    return Operation.objects.create(
        service=service, kind=OperationKind.CREATE, state=state, idempotency_key=key, last_error=error
    )


def sample(service, days_ago, over=()):
    return UsageSample.objects.create(
        service=service,
        day=timezone.localdate() - timedelta(days=days_ago),
        disk_mb=1,
        over_limit=list(over),
        collected_at=timezone.now(),
    )


def panels_for(user):
    request = RequestFactory().get("/staff/")
    request.user = user
    return {panel.template.rsplit("/", 1)[-1]: panel for panel in dashboard.staff_panels(request)}


def test_operations_needing_attention_are_counted_and_the_latest_link_to_their_service(
    staff_client, sue_support, shop, carol_customer
):
    stuck = service(shop, carol_customer, "stuck.ro")
    failed = operation(stuck, OperationState.FAILED, "k1", "Quota exceeded on the panel")
    waiting = operation(stuck, OperationState.NEEDS_ATTENTION, "k2", "No active server takes the plan")
    operation(stuck, OperationState.SUCCEEDED, "k3")
    operation(stuck, OperationState.QUEUED, "k4")

    response = staff_client(sue_support).get("/staff/")

    text = response.content.decode()
    panel = text[text.index('data-panel="operations-attention"') :]
    panel = panel[: panel.index("</section>")]
    assert 'data-count="operations-attention">2<' in panel
    assert panel.count(f'href="{reverse("orders:service", args=[stuck.pk])}"') == 2
    assert panel.index(waiting.last_error) < panel.index(failed.last_error)  # newest first


def test_services_over_a_limit_at_their_latest_reading_are_listed(
    staff_client, sam_sales, shop, carol_customer
):
    over_now = service(shop, carol_customer, "big.ro")
    sample(over_now, 1)
    sample(over_now, 0, over=["disk"])
    was_over = service(shop, carol_customer, "fixed.ro")
    sample(was_over, 1, over=["disk"])
    sample(was_over, 0)
    long_gone = service(shop, carol_customer, "gone.ro")
    sample(long_gone, 40, over=["bandwidth"])  # no longer collected
    ended = service(shop, carol_customer, "ended.ro")
    sample(ended, 0, over=["disk"])
    ended.status = ServiceStatus.TERMINATED
    ended.save(update_fields=["status"])

    text = staff_client(sam_sales).get("/staff/").content.decode()

    panel = text[text.index('data-panel="over-limits"') :]
    panel = panel[: panel.index("</section>")]
    assert 'data-count="over-limits">1<' in panel
    assert reverse("orders:service", args=[over_now.pk]) in panel
    assert "big.ro" in panel
    assert "disk" in panel
    assert "fixed.ro" not in panel
    assert "gone.ro" not in panel
    assert "ended.ro" not in panel


def test_staff_without_the_permissions_do_not_get_the_panels(db):
    nobody = UserFactory(email="temp@staff.test", is_staff=True)
    assert panels_for(nobody) == {}


def test_roles_with_the_permissions_get_both(sam_sales, sue_support):
    assert set(panels_for(sam_sales)) == {"_attention.html", "_over_limits.html"}
    assert set(panels_for(sue_support)) == {"_attention.html", "_over_limits.html"}


@pytest.mark.parametrize("count", [1, 8])
def test_the_panels_run_two_queries_each_whatever_the_numbers(
    alice_admin, shop, carol_customer, django_assert_num_queries, count
):
    for index in range(count):
        stuck = service(shop, carol_customer, f"s{index}.ro")
        operation(stuck, OperationState.NEEDS_ATTENTION, f"k{index}")
        sample(stuck, 0, over=["disk"])
    alice_admin.has_perm("provisioning.view_operation")  # the user's permissions, cached

    with django_assert_num_queries(4):
        panels = panels_for(alice_admin)
    assert panels["_attention.html"].data["count"] == count
    assert len(panels["_attention.html"].data["operations"]) == min(count, dashboard.SHOWN)
    assert panels["_over_limits.html"].data["count"] == count
    assert len(panels["_over_limits.html"].data["samples"]) == min(count, dashboard.SHOWN)
