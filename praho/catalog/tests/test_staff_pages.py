"""The staff catalog pages: who may see and change what, the lists' exact query counts, and
the plan and coupon pages showing what they hold."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from praho.accounts.tests.factories import UserFactory, add_totp
from praho.catalog.models import Coupon, Plan, Price, ProductGroup
from praho.catalog.services.promotions import save_coupon
from praho.core.validation import fiscal_today

BASE = "/staff/catalog/"
READ_PAGES = ["", "groups/", "features/", "coupons/", "plans/{plan}/", "coupons/{coupon}/"]
ADMIN_PAGES = [
    "plans/new/",
    "plans/{plan}/edit/",
    "plans/{plan}/features/",
    "groups/new/",
    "groups/{group}/edit/",
    "features/new/",
    "features/{feature}/edit/",
]


@pytest.fixture
def coupon(shop, alice_admin) -> Coupon:
    return save_coupon(actor=alice_admin, code="bunvenit10", kind="percent", percent=Decimal("10"))


def _url(path: str, shop, coupon) -> str:
    ids = {
        "plan": shop.plans["web-start"].pk,
        "group": shop.groups["hosting"].pk,
        "feature": shop.features["disk"].pk,
        "coupon": coupon.pk,
    }
    return BASE + path.format(**ids)


@pytest.mark.parametrize("path", READ_PAGES)
@pytest.mark.parametrize("role", ["alice_admin", "mike_manager", "sam_sales", "bill_billing", "sue_support"])
def test_every_staff_role_reads_the_catalog(request, staff_client, shop, coupon, path, role):
    client = staff_client(request.getfixturevalue(role))
    assert client.get(_url(path, shop, coupon)).status_code == 200


@pytest.mark.parametrize("path", [*ADMIN_PAGES, "coupons/new/", "coupons/{coupon}/edit/"])
@pytest.mark.parametrize("role", ["alice_admin", "mike_manager"])
def test_admins_and_managers_edit_everything(request, staff_client, shop, coupon, path, role):
    client = staff_client(request.getfixturevalue(role))
    assert client.get(_url(path, shop, coupon)).status_code == 200


@pytest.mark.parametrize("path", ADMIN_PAGES)
@pytest.mark.parametrize("role", ["sam_sales", "bill_billing", "sue_support"])
def test_other_roles_may_not_edit_the_offer(request, staff_client, shop, coupon, path, role):
    client = staff_client(request.getfixturevalue(role))
    assert client.get(_url(path, shop, coupon)).status_code == 403


def test_sales_edit_coupons_billing_and_support_do_not(staff_client, shop, coupon, sam_sales, bill_billing):
    assert staff_client(sam_sales).get(_url("coupons/{coupon}/edit/", shop, coupon)).status_code == 200
    assert staff_client(bill_billing).get(_url("coupons/new/", shop, coupon)).status_code == 403


@pytest.mark.parametrize(
    "path",
    [
        "plans/{plan}/prices/",
        "plans/{plan}/relations/",
        "plans/{plan}/prices/{price}/remove/",
        "plans/{plan}/relations/{relation}/remove/",
    ],
)
def test_support_cannot_post_price_or_relationship_changes(staff_client, shop, sue_support, path):
    plan = shop.plans["web-start"]
    price, relation = Price.objects.filter(plan=plan).first(), plan.relations.first()
    url = BASE + path.format(plan=plan.pk, price=price.pk, relation=relation.pk)
    before = (Price.objects.count(), plan.relations.count())
    assert staff_client(sue_support).post(url, {"amount": "1"}).status_code == 403
    assert (Price.objects.count(), plan.relations.count()) == before


def test_staff_without_a_role_are_refused(staff_client, shop, coupon):
    nobody = UserFactory(email="norole@staff.test", is_staff=True)
    add_totp(nobody)
    client = staff_client(nobody)
    for path in READ_PAGES:
        assert client.get(_url(path, shop, coupon)).status_code == 403


def test_a_customers_user_finds_no_staff_catalog(client, carol, shop, coupon):
    client.force_login(carol)
    for path in READ_PAGES:
        assert client.get(_url(path, shop, coupon)).status_code == 404


@pytest.mark.parametrize("path", ["plans/999999/", "coupons/999999/", "groups/999999/edit/"])
def test_unknown_ids_are_not_found(staff_client, alice_admin, shop, path):
    assert staff_client(alice_admin).get(BASE + path).status_code == 404


def test_the_price_of_another_plan_is_not_removed_through_this_one(staff_client, alice_admin, shop):
    other = Price.objects.create(
        plan=shop.plans["vps-m"],
        cycle="annual",
        currency="RON",
        amount=1,
        valid_from=fiscal_today() + timedelta(1),
    )
    url = f"{BASE}plans/{shop.plans['web-start'].pk}/prices/{other.pk}/remove/"
    assert staff_client(alice_admin).post(url).status_code == 404
    assert Price.objects.filter(pk=other.pk).exists()


def test_the_plan_list_filters_by_group_and_visibility(staff_client, mike_manager, shop):
    client = staff_client(mike_manager)
    hosting = client.get(BASE, {"group": shop.groups["hosting"].pk}).content.decode()
    assert "web-start" in hosting
    assert "vps-s" not in hosting
    retired = client.get(BASE, {"visibility": "retired"}).content.decode()
    assert "old-start" in retired
    assert "web-start" not in retired
    partial = client.get(BASE, {"visibility": "hidden"}, HTTP_HX_REQUEST="true")
    assert "<html" not in partial.content.decode()
    bad = client.get(BASE, {"group": "nope"})
    assert bad.status_code == 200
    assert "No plans match these filters." in bad.content.decode()


def _more_plans(count: int) -> None:
    group = ProductGroup.objects.create(code="bulk", kind="vps", name_en="Bulk")
    Plan.objects.bulk_create(Plan(group=group, code=f"bulk-{i}", name_en=f"Bulk {i}") for i in range(count))


def test_the_plan_list_runs_a_fixed_number_of_queries(
    staff_client, alice_admin, shop, django_assert_num_queries
):
    client = staff_client(alice_admin)
    # Session, user, second factor, permissions (two), count, the group filter's choices, the page.
    with django_assert_num_queries(8) as few:
        assert client.get(BASE).status_code == 200
    _more_plans(40)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(BASE, {"visibility": "public"})
    assert "bulk-39" in response.content.decode()


def test_the_coupon_and_group_lists_run_a_fixed_number_of_queries(
    staff_client, alice_admin, shop, coupon, django_assert_num_queries
):
    client = staff_client(alice_admin)
    # Session, user, second factor, permissions (two), then the page's own.
    with django_assert_num_queries(7):
        assert client.get(BASE + "coupons/").status_code == 200
    with django_assert_num_queries(6):
        assert client.get(BASE + "groups/").status_code == 200
    for index in range(10):
        save_coupon(actor=alice_admin, code=f"more-{index}", kind="fixed", amounts={"RON": "5"})
    _more_plans(5)
    with django_assert_num_queries(7):
        assert "MORE-9" in client.get(BASE + "coupons/").content.decode()
    with django_assert_num_queries(6):
        assert client.get(BASE + "groups/").status_code == 200


def test_the_plan_page_shows_prices_current_planned_and_past(staff_client, alice_admin, shop):
    plan = shop.plans["vps-s"]
    Price.objects.create(
        plan=plan, cycle="monthly", currency="EUR", amount=Decimal("18"), valid_from=fiscal_today()
    )
    page = staff_client(alice_admin).get(f"{BASE}plans/{plan.pk}/").content.decode()
    current, planned = page.split("In force today")[1].split("Planned")
    planned, history = planned.split("Earlier prices")
    assert "18.00" in current
    assert "100.00" in current
    assert "120.00" in planned
    assert "2099" in planned
    assert "20.00" in history
    assert "vps-m" in page  # its upgrade


def test_the_coupon_page_shows_its_uses(staff_client, sam_sales, coupon):
    Coupon.objects.filter(pk=coupon.pk).update(uses=3, max_uses=100)
    page = staff_client(sam_sales).get(f"{BASE}coupons/{coupon.pk}/").content.decode()
    assert "BUNVENIT10" in page
    assert "3 / 100" in page


def test_the_navigation_links_the_catalog_for_those_who_may_see_it(staff_client, sue_support, shop):
    page = staff_client(sue_support).get("/staff/").content.decode()
    assert f'href="{BASE}"' in page
    assert f'href="{BASE}coupons/"' in page
