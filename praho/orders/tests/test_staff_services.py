"""Staff pages of services (/staff/orders/services/): the list and its filters with a fixed
number of queries, and a service's page with its package and order."""

from __future__ import annotations

import pytest

from praho.billing.services.payments import record_payment
from praho.core.validation import fiscal_today
from praho.orders.models import Service, ServiceStatus
from praho.orders.services.checkout import place_order

pytestmark = pytest.mark.django_db

SERVICES = "/staff/orders/services/"
HTMX = {"HTTP_HX_REQUEST": "true"}


def paid_order(customer, actor, payer, *, domain="carol.ro", addons=()):
    order = place_order(
        actor=actor,
        customer=customer,
        currency="RON",
        items=[{"plan": "web-start", "cycle": "annual", "domain": domain, "addons": list(addons)}],
    )
    record_payment(
        actor=payer,
        invoice=order.document,
        amount=order.document.total,
        currency="RON",
        method="bank_transfer",
        reference=f"OP {order.pk}",
        received_on=fiscal_today(),
    )
    order.refresh_from_db()
    return order


@pytest.fixture
def support(staff_client, sue_support, shop):
    return staff_client(sue_support)


def test_customers_users_do_not_find_the_services_pages(client, shop, carol, carol_customer, alice_admin):
    paid_order(carol_customer, carol, alice_admin)
    service = Service.objects.first()
    client.force_login(carol)
    assert client.get(SERVICES).status_code == 404
    assert client.get(f"{SERVICES}{service.pk}/").status_code == 404


def test_the_list_filters_by_status_plan_and_customer(
    support, shop, carol, carol_customer, dave, dave_customer, alice_admin
):
    paid_order(carol_customer, carol, alice_admin, addons=["backup"])
    paid_order(dave_customer, dave, alice_admin, domain="dave.ro")
    hosting = Service.objects.get(customer=carol_customer, plan__code="web-start")
    Service.objects.filter(pk=hosting.pk).update(status=ServiceStatus.ACTIVE)

    everything = support.get(SERVICES).context["services"]
    active = support.get(SERVICES, {"status": "active"}).context["services"]
    backups = support.get(SERVICES, {"plan": shop.plans["backup"].pk}).context["services"]
    daves = support.get(SERVICES, {"customer": dave_customer.pk}).context["services"]

    assert len(everything) == 5  # carol: hosting, backup, domain; dave: hosting, domain
    assert active == [hosting]
    assert [s.plan.code for s in backups] == ["backup"]
    assert {s.customer_id for s in daves} == {dave_customer.pk}


@pytest.mark.parametrize("count", [1, 4])
@pytest.mark.parametrize(
    ("query", "htmx", "expected"), [({}, False, 8), ({"status": "provisioning"}, True, 8)]
)
def test_the_list_runs_a_fixed_number_of_queries(
    support, carol, carol_customer, alice_admin, django_assert_num_queries, count, query, htmx, expected
):
    for n in range(count):
        paid_order(carol_customer, carol, alice_admin, domain=f"carol{n}.ro")
    # 1 session, 2 user, 3 authenticators, 4 user permissions, 5 group permissions,
    # 6 the plans to filter by, 7 count, 8 the page of services with their customers and plans
    with django_assert_num_queries(expected):
        response = support.get(SERVICES, query, **(HTMX if htmx else {}))
    # Without a status, both services of each order; provisioning: the domain (set up by hand),
    # not the hosting (no server to create it on, so still pending).
    assert len(response.context["services"]) == (count if query else 2 * count)


def test_the_service_page_shows_prices_package_and_order(support, carol, carol_customer, alice_admin):
    order = paid_order(carol_customer, carol, alice_admin, addons=["backup"])
    hosting = Service.objects.get(plan__code="web-start")
    backup = Service.objects.get(plan__code="backup")

    response = support.get(f"{SERVICES}{hosting.pk}/")
    child = support.get(f"{SERVICES}{backup.pk}/")

    page = response.content.decode()
    assert response.status_code == 200
    assert {s.plan.code for s in response.context["children"]} == {"backup", "domain-ro"}
    assert len(response.context["package"]) == 3
    assert f'href="/staff/orders/{order.pk}/"' in page
    assert "carol.ro" in page
    assert f'href="{SERVICES}{hosting.pk}/"' in child.content.decode()  # part of
    assert child.context["order"] == order


def test_an_unknown_service_is_a_404(support):
    assert support.get(f"{SERVICES}999999/").status_code == 404
