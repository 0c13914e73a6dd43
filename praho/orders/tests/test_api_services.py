"""GET /api/v1/services/ and /services/{id}/ (isolation, filters, a fixed number of queries) and
GET /api/v1/customers/{id}/entitlements/."""

from __future__ import annotations

import pytest

from praho.orders.models import Order, Service, ServiceStatus
from praho.orders.tests.test_api_orders import HOSTING, grant, pay, place
from praho.testing.actors import member_of
from praho.testing.api import NOT_FOUND, bearer, error_of

pytestmark = pytest.mark.django_db

SERVICES = "/api/v1/services/"
ORDERS_FIELDS = (
    *("id", "customer", "status", "plan", "plan_code", "cycle", "quantity", "domain"),
    *("next_due_date", "price", "currency", "parent", "group", "order", "created_at"),
)


def bought(staff, user, customer, *items, **extra) -> Order:
    """An order placed through the API and paid: its services exist; provisioning has started
    those without a panel module (set up by hand) and left the panel ones pending (no server)."""
    order = Order.objects.get(pk=place(user, customer, *items, **extra).json()["id"])
    pay(staff, order)
    return order


@pytest.fixture
def carols_services(shop, alice_admin, carol, carol_customer):
    order = bought(alice_admin, carol, carol_customer, {**HOSTING, "addons": ["backup"]})
    return order, list(Service.objects.filter(customer=carol_customer).order_by("pk"))


def test_a_service_shows_what_was_bought(shop, carols_services, carol):
    order, (hosting, backup, domain) = carols_services
    body = bearer(carol).get(f"{SERVICES}{backup.pk}/").json()
    # What orders knows of it (provisioning adds the server, panel id and operations).
    assert {key: body[key] for key in ORDERS_FIELDS} == {
        "id": backup.pk,
        "customer": order.customer_id,
        "status": "provisioning",
        "plan": shop.plans["backup"].pk,
        "plan_code": "backup",
        "cycle": "annual",
        "quantity": 1,
        "domain": "",
        "next_due_date": backup.next_due_date.isoformat(),
        "price": "50.00",
        "currency": "RON",
        "parent": hosting.pk,
        "group": hosting.group_id,
        "order": order.pk,
        "created_at": body["created_at"],
    }
    assert bearer(carol).get(f"{SERVICES}{domain.pk}/").json()["domain"] == "carol.ro"


def test_services_are_seen_by_their_customers_members_only(
    shop, carols_services, carol, dave, carol_customer
):
    _order, services = carols_services
    technical = member_of(carol_customer, role="technical", email="tech@customer.test")
    for service in services:
        url = f"{SERVICES}{service.pk}/"
        assert bearer(technical).get(url).status_code == 200
        response = bearer(dave).get(url)
        assert response.status_code == 404
        assert error_of(response) == NOT_FOUND
    assert bearer(dave).get(SERVICES).json()["count"] == 0
    assert bearer(carol).get(SERVICES).json()["count"] == 3
    assert error_of(bearer(carol).get(f"{SERVICES}999999/")) == NOT_FOUND


def test_staff_see_services_with_the_view_permission(shop, carols_services, clerk):
    _order, services = carols_services
    assert bearer(clerk).get(f"{SERVICES}{services[0].pk}/").status_code == 404
    grant(clerk, "orders.view_service")
    assert bearer(clerk).get(f"{SERVICES}{services[0].pk}/").status_code == 200
    assert bearer(clerk).get(SERVICES).json()["count"] == 3


def test_services_are_filtered_by_customer_status_and_plan(
    shop, carols_services, alice_admin, dave, dave_customer, clerk
):
    _order, (hosting, backup, domain) = carols_services
    bought(alice_admin, dave, dave_customer, {"plan": "vps-s", "cycle": "monthly"})
    vps = Service.objects.get(customer=dave_customer)
    Service.objects.filter(pk=hosting.pk).update(status=ServiceStatus.ACTIVE)
    staff = bearer(grant(clerk, "orders.view_service"))

    def ids(**query):
        response = staff.get(SERVICES, query)
        assert response.status_code == 200, response.json()
        return [service["id"] for service in response.json()["results"]]

    assert ids() == [vps.pk, domain.pk, backup.pk, hosting.pk]
    assert ids(customer=dave_customer.pk) == [vps.pk]
    assert ids(status="active") == [hosting.pk]
    assert ids(status="provisioning", customer=hosting.customer_id) == [domain.pk, backup.pk]
    assert ids(plan="backup") == [backup.pk]
    assert ids(plan="BACKUP") == [backup.pk]
    assert ids(plan=str(shop.plans["vps-s"].pk)) == [vps.pk]
    assert ids(plan="9" * 30) == []
    assert ids(plan="nothing") == []
    assert set(error_of(staff.get(SERVICES, {"status": "gone"}))["fields"]) == {"status"}
    assert set(error_of(staff.get(SERVICES, {"customer": "x"}))["fields"]) == {"customer"}
    assert set(error_of(staff.get(SERVICES, {"plan": "p" * 41}))["fields"]) == {"plan"}


def test_the_service_list_runs_a_fixed_number_of_queries(
    shop, carols_services, alice_admin, carol, carol_customer, django_assert_num_queries
):
    client = bearer(carol)
    # user (token), count, page with plans and order lines
    with django_assert_num_queries(3):
        assert len(client.get(SERVICES).json()["results"]) == 3
    bought(
        alice_admin,
        carol,
        carol_customer,
        {**HOSTING, "domain": "carol2.ro", "addons": ["backup", "ssl-basic"]},
    )
    with django_assert_num_queries(3):
        assert len(client.get(SERVICES).json()["results"]) == 7


# --- Entitlements --------------------------------------------------------------------


def test_entitlements_sum_the_active_services(shop, carols_services, carol, erin_viewer, carol_customer):
    _order, services = carols_services
    url = f"/api/v1/customers/{carol_customer.pk}/entitlements/"
    assert bearer(carol).get(url).json() == {"customer": carol_customer.pk, "features": []}  # pending
    Service.objects.filter(pk__in=[s.pk for s in services]).update(status=ServiceStatus.ACTIVE)
    body = bearer(erin_viewer).get(url).json()
    assert body == {
        "customer": carol_customer.pk,
        "features": [
            {"code": "disk", "name": "Disk", "unit": "GB", "limit": "10.00"},
            {"code": "bandwidth", "name": "Bandwidth", "unit": "GB", "limit": None},
            {"code": "mailboxes", "name": "Mailboxes", "unit": "", "limit": "5.00"},
            {"code": "backups", "name": "Backups", "unit": "", "limit": "7.00"},
        ],
    }


def test_entitlements_are_for_members_and_staff_who_see_customers(
    shop, carol_customer, dave, sam_sales, sue_support
):
    url = f"/api/v1/customers/{carol_customer.pk}/entitlements/"
    response = bearer(dave).get(url)
    assert response.status_code == 404
    assert error_of(response) == NOT_FOUND
    assert error_of(bearer(dave).get("/api/v1/customers/999999/entitlements/")) == NOT_FOUND
    for staff in (sam_sales, sue_support):  # their roles have customers.view_customer
        assert bearer(staff).get(url).status_code == 200
