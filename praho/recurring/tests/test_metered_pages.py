"""The staff metered items pages (/staff/recurring/metered/): who may use them, the list's exact
query count, creating, changing and deleting items with their tiers, and bad input shown next to
the field it concerns with nothing saved."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from praho.audit.models import AuditEvent
from praho.recurring.models import MeteredItem
from praho.recurring.services.usage import pending_usage, record_usage
from praho.recurring.tests.usage_fixtures import (  # noqa: F401 (fixtures)
    billing_ready,
    daily,
    metered,
    renewal_document,
    service,
    shop,
    vps,
)

D = Decimal
BASE = "/staff/recurring/metered/"
pytestmark = pytest.mark.django_db


def _post(client, vps, path="new/", **values):
    data = {
        "plan": vps.pk,
        "measure": "bandwidth_gb",
        "currency": "RON",
        "included": "100",
        "tier_mode": "flat",
        "unit_price": "0,50",
        "tiers": "",
        "billed_from": "2027-01-01",
        **values,
    }
    return client.post(BASE + path, data)


@pytest.mark.parametrize("role", ["alice_admin", "mike_manager"])
def test_staff_who_edit_plans_manage_metered_items(request, staff_client, vps, role):
    client = staff_client(request.getfixturevalue(role))
    item = metered(vps, unit_price=D("1"))
    for path in ("", "new/", f"{item.pk}/edit/"):
        assert client.get(BASE + path).status_code == 200


@pytest.mark.parametrize("role", ["sam_sales", "bill_billing", "sue_support"])
def test_other_staff_may_not(request, staff_client, vps, role):
    client = staff_client(request.getfixturevalue(role))
    item = metered(vps, unit_price=D("1"))
    for path in ("", "new/", f"{item.pk}/edit/"):
        assert client.get(BASE + path).status_code == 403
    assert _post(client, vps).status_code == 403
    assert client.post(BASE + f"{item.pk}/delete/").status_code == 403
    assert MeteredItem.objects.count() == 1


def test_customers_users_do_not_see_the_staff_pages(client, carol, vps):
    client.force_login(carol)
    assert client.get(BASE).status_code == 404


def test_the_list_runs_a_fixed_number_of_queries(staff_client, alice_admin, shop, django_assert_num_queries):
    client = staff_client(alice_admin)
    metered(shop.plans["vps-s"], unit_price=D("0.5"))
    # Session, user, second factor, permissions (two), the count, the page.
    with django_assert_num_queries(7):
        assert client.get(BASE).status_code == 200
    tiers = [{"up_to": "100", "unit_price": "0.5"}, {"up_to": None, "unit_price": "0.25"}]
    for code in ("vps-m", "web-start", "backup", "extra-ip"):
        for measure in ("bandwidth_gb", "disk_gb", "vm_hours"):
            metered(shop.plans[code], measure, tier_mode="volume", tiers=tiers, currency="EUR")
    with django_assert_num_queries(7):
        page = client.get(BASE).content.decode()
    assert page.count("/edit/") == 13
    assert "100: 0.5; *: 0.25" in page
    assert "0.5 RON per GB" in page
    with django_assert_num_queries(7):
        one_plan = client.get(BASE, {"plan": shop.plans["vps-m"].pk}).content.decode()
    assert one_plan.count("/edit/") == 3
    assert client.get(BASE, {"plan": "nope"}).status_code == 200


def test_a_flat_item_is_created_and_audited(staff_client, alice_admin, vps):
    response = _post(staff_client(alice_admin), vps)
    assert response.status_code == 302
    item = MeteredItem.objects.get()
    assert (item.plan, item.measure, item.currency) == (vps, "bandwidth_gb", "RON")
    assert (item.included, item.unit_price, item.tiers, item.billed_from) == (
        D("100"),
        D("0.5"),
        [],
        date(2027, 1, 1),
    )
    event = AuditEvent.objects.get(action="recurring.metered_item_saved")
    assert event.data["created"] is True
    assert event.data["unit_price"] == "0.50"


def test_tiers_are_typed_one_per_line_and_shown_back(staff_client, alice_admin, vps):
    client = staff_client(alice_admin)
    tiers = "100: 0,50\n\n500 : 0.40\n* : 0,2"
    assert _post(client, vps, tier_mode="graduated", unit_price="", tiers=tiers).status_code == 302
    item = MeteredItem.objects.get()
    assert item.tiers == [
        {"up_to": "100", "unit_price": "0.50"},
        {"up_to": "500", "unit_price": "0.40"},
        {"up_to": None, "unit_price": "0.2"},
    ]
    assert item.unit_price == 0
    form = client.get(BASE + f"{item.pk}/edit/").content.decode()
    assert "100: 0.5\n500: 0.4\n*: 0.2" in form


def test_an_item_is_changed(staff_client, alice_admin, vps):
    item = metered(vps, unit_price=D("1"))
    client = staff_client(alice_admin)
    response = _post(
        client, vps, f"{item.pk}/edit/", tier_mode="volume", tiers="10: 1\n*: 0.5", unit_price=""
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.tier_mode, item.tiers[1]) == ("volume", {"up_to": None, "unit_price": "0.5"})
    assert AuditEvent.objects.get(action="recurring.metered_item_saved").data["created"] is False


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        (
            {"tier_mode": "graduated", "tiers": "100: 0.5\n50: 0.4\n*: 0.1"},
            "tiers",
            "Tier 2: the limit must be",
        ),
        (
            {"tier_mode": "volume", "tiers": "100: 0.5\n*: -1"},
            "tiers",
            "Tier 2: the unit price cannot be negative",
        ),
        (
            {"tier_mode": "volume", "tiers": "100: 0.5\n200: 0.4"},
            "tiers",
            "Tier 2: the last tier has no upper",
        ),
        ({"tier_mode": "volume", "tiers": "100 0.5\n*: 0.4"}, "tiers", "Line 1: write"),
        ({"tier_mode": "graduated", "tiers": ""}, "tiers", "Give at least one tier."),
        ({"tier_mode": "volume", "tiers": "\n".join(f"{n}: 1" for n in range(1, 12))}, "tiers", "at most 10"),
        ({"tiers": "*: 0.5"}, "tiers", "Tiers are for graduated or volume pricing"),
        ({"included": "-5"}, "included", "cannot be negative"),
        ({"unit_price": "0.123456"}, "unit_price", "at most 4 decimals"),
        ({"unit_price": "abc"}, "unit_price", "Enter a number, such as 0.50"),
        ({"measure": "cpu"}, "measure", "Select a valid choice"),
        ({"billed_from": "1999-12-31"}, "billed_from", "Enter a date between"),
    ],
)
def test_bad_input_is_refused_next_to_its_field(staff_client, alice_admin, vps, values, field, message):
    response = _post(staff_client(alice_admin), vps, **values)
    assert response.status_code == 200
    errors = " ".join(str(error) for error in response.context["form"].errors.get(field, []))
    assert message in errors
    assert not MeteredItem.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="recurring.metered").exists()


def test_a_plan_bills_a_measure_once_per_currency(staff_client, alice_admin, vps):
    metered(vps, unit_price=D("1"))
    response = _post(staff_client(alice_admin), vps)
    assert "already bills this measure" in str(response.context["form"].errors["measure"])
    assert _post(staff_client(alice_admin), vps, currency="EUR").status_code == 302


def test_an_item_is_deleted_until_it_has_billed(
    staff_client, alice_admin, vps, carol_customer, renewal_document
):
    client = staff_client(alice_admin)
    unused = metered(vps, "disk_gb", unit_price=D("1"))
    assert client.get(BASE + f"{unused.pk}/delete/").status_code == 405
    assert client.post(BASE + f"{unused.pk}/delete/").status_code == 302
    assert not MeteredItem.objects.filter(pk=unused.pk).exists()
    assert AuditEvent.objects.get(action="recurring.metered_item_deleted").data["measure"] == "disk_gb"

    billed = metered(vps, "vm_hours", unit_price=D("1"))
    svc = service(carol_customer, vps, anchor=date(2027, 1, 1))
    daily(svc, date(2027, 1, 1), date(2027, 1, 31))
    record_usage(pending=pending_usage([svc], on=date(2027, 2, 1))[svc.pk], document=renewal_document)
    response = client.post(BASE + f"{billed.pk}/delete/", follow=True)
    assert "has billed usage" in response.content.decode()
    assert MeteredItem.objects.filter(pk=billed.pk).exists()
    # Its prices may change, its measure may not.
    assert _post(client, vps, f"{billed.pk}/edit/", measure="vm_hours", unit_price="2").status_code == 302
    response = _post(client, vps, f"{billed.pk}/edit/", measure="disk_gb")
    assert "has billed usage" in str(response.context["form"].errors["measure"])
