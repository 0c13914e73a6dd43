"""The staff catalog forms post to the services: saved with a message, or the service's errors
next to the fields they name and nothing saved."""

from __future__ import annotations

from datetime import timedelta

from praho.catalog.models import Coupon, Feature, Plan, PlanRelation, Price, ProductGroup
from praho.core.validation import fiscal_today

BASE = "/staff/catalog/"


def test_a_group_and_a_feature_are_created_from_their_pages(staff_client, alice_admin, db):
    client = staff_client(alice_admin)
    response = client.post(
        BASE + "groups/new/",
        {"code": "vps", "kind": "vps", "position": "1", "visible": "on", "name_en": "VPS"},
    )
    assert response.status_code == 302
    assert ProductGroup.objects.get(code="vps").visible
    response = client.post(
        BASE + "features/new/", {"code": "disk", "unit": "GB", "position": "0", "name_en": "Disk"}
    )
    assert response.status_code == 302
    assert Feature.objects.get(code="disk").unit == "GB"
    bad = client.post(
        BASE + "groups/new/", {"code": "Bad Code", "kind": "vps", "position": "1", "name_en": "X"}
    )
    assert bad.status_code == 200
    assert "Use lower-case letters" in bad.content.decode()


def _plan_post(shop, **values):
    return {
        "group": shop.groups["vps"].pk,
        "code": "vps-l",
        "visibility": "public",
        "module": "proxmox",
        "template": "9000",
        "cores": "4",
        "memory_mb": "8192",
        "disk_gb": "80",
        "package": "ignored",
        "position": "3",
        "max_quantity": "1",
        "name_en": "VPS L",
        "name_ro": "VPS L",
        **values,
    }


def test_a_plan_is_created_with_its_module_parameters(staff_client, mike_manager, shop):
    response = staff_client(mike_manager).post(BASE + "plans/new/", _plan_post(shop))
    plan = Plan.objects.get(code="vps-l")
    assert response.status_code == 302
    assert response["Location"] == f"{BASE}plans/{plan.pk}/"
    assert plan.module_params == {"template": 9000, "cores": 4, "memory_mb": 8192, "disk_gb": 80}


def test_a_module_parameter_error_is_shown_next_to_its_field(staff_client, mike_manager, shop):
    response = staff_client(mike_manager).post(BASE + "plans/new/", _plan_post(shop, cores="0", disk_gb=""))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_cores_error"' in page
    assert 'id="id_disk_gb_error"' in page
    assert not Plan.objects.filter(code="vps-l").exists()


def test_a_plan_is_edited(staff_client, mike_manager, shop):
    plan = shop.plans["web-start"]
    client = staff_client(mike_manager)
    form = client.get(f"{BASE}plans/{plan.pk}/edit/").content.decode()
    assert 'value="start"' in form  # the package, from the module parameters
    values = {
        "group": shop.groups["hosting"].pk,
        "code": "web-start",
        "visibility": "hidden",
        "module": "virtualmin",
        "package": "start-2",
        "position": "0",
        "max_quantity": "1",
        "name_en": "Web Start",
        "requires_domain": "on",
    }
    response = client.post(f"{BASE}plans/{plan.pk}/edit/", values)
    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.visibility, plan.module_params) == ("hidden", {"package": "start-2"})


def test_plan_features_are_set_from_the_page(staff_client, alice_admin, shop):
    plan = shop.plans["vps-s"]
    client = staff_client(alice_admin)
    data = {"has_disk": "on", "limit_disk": "30", "has_bandwidth": "on", "limit_bandwidth": ""}
    assert client.post(f"{BASE}plans/{plan.pk}/features/", data).status_code == 302
    assert dict(plan.features.values_list("feature__code", "limit")) == {"disk": 30, "bandwidth": None}
    bad = client.post(f"{BASE}plans/{plan.pk}/features/", {"has_disk": "on", "limit_disk": "1,234"})
    assert bad.status_code == 200
    assert "at most two decimals" in bad.content.decode()


def test_a_price_is_planned_and_removed_from_the_plan_page(staff_client, alice_admin, shop):
    plan = shop.plans["vps-s"]
    client = staff_client(alice_admin)
    tomorrow = (fiscal_today() + timedelta(days=1)).isoformat()
    data = {
        "cycle": "annual",
        "currency": "RON",
        "amount": "1.000,50",
        "setup_fee": "",
        "valid_from": tomorrow,
    }
    assert client.post(f"{BASE}plans/{plan.pk}/prices/", data).status_code == 302
    price = Price.objects.get(plan=plan, cycle="annual")
    assert str(price.amount) == "1000.50"
    assert client.post(f"{BASE}plans/{plan.pk}/prices/{price.pk}/remove/").status_code == 302
    assert not Price.objects.filter(pk=price.pk).exists()
    past = {**data, "valid_from": (fiscal_today() - timedelta(days=1)).isoformat()}
    refused = client.post(f"{BASE}plans/{plan.pk}/prices/", past)
    assert refused.status_code == 400
    assert "A price starts today or later" in refused.content.decode()
    in_force = Price.objects.filter(plan=plan).first()
    kept = client.post(f"{BASE}plans/{plan.pk}/prices/{in_force.pk}/remove/", follow=True)
    assert "This price is in force or was" in kept.content.decode()
    assert Price.objects.filter(pk=in_force.pk).exists()


def test_a_relationship_is_added_and_removed_from_the_plan_page(staff_client, alice_admin, shop):
    plan, other = shop.plans["vps-m"], shop.plans["backup"]
    client = staff_client(alice_admin)
    data = {
        "kind": "addon",
        "other": other.pk,
        "billing": "discounted",
        "discount_percent": "20",
        "cycles": ["monthly"],
    }
    assert client.post(f"{BASE}plans/{plan.pk}/relations/", data).status_code == 302
    relation = PlanRelation.objects.get(plan=plan, other=other)
    assert relation.cycles == ["monthly"]
    again = client.post(f"{BASE}plans/{plan.pk}/relations/", data)
    assert again.status_code == 400
    assert "already have this relationship" in again.content.decode()
    assert client.post(f"{BASE}plans/{plan.pk}/relations/{relation.pk}/remove/").status_code == 302
    assert not PlanRelation.objects.filter(pk=relation.pk).exists()


def test_a_coupon_is_created_and_edited_by_sales(staff_client, sam_sales, shop):
    client = staff_client(sam_sales)
    data = {
        "code": "vps50",
        "kind": "fixed",
        "amount_RON": "50",
        "amount_EUR": "10",
        "periods": "3",
        "groups": [shop.groups["vps"].pk],
        "minimum_RON": "100",
        "active": "on",
    }
    response = client.post(BASE + "coupons/new/", data)
    coupon = Coupon.objects.get(code="VPS50")
    assert response.status_code == 302
    assert (coupon.amounts, coupon.minimum_order, coupon.periods) == (
        {"RON": "50.00", "EUR": "10.00"},
        {"RON": "100.00"},
        3,
    )
    form = client.get(f"{BASE}coupons/{coupon.pk}/edit/").content.decode()
    assert 'value="VPS50"' in form
    bad = client.post(f"{BASE}coupons/{coupon.pk}/edit/", {**data, "amount_RON": "-5"})
    assert bad.status_code == 200
    assert 'id="id_amount_RON_error"' in bad.content.decode()
    coupon.refresh_from_db()
    assert coupon.amounts["RON"] == "50.00"
