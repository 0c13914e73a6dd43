"""GET /api/v1/catalog/ and /api/v1/catalog/plans/{id or code}/: shape, current prices only,
hidden, retired and flagged plans left out, languages, query counts (and none when cached),
bad inputs."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from praho.catalog.models import Price, ProductGroup, Visibility
from praho.catalog.services.pricing import plan_price
from praho.core.validation import fiscal_today
from praho.testing.api import NOT_FOUND, bearer, error_of

URL = "/api/v1/catalog/"


def _get(url: str = URL, **headers: str):
    return APIClient().get(url, **headers)


def _plans(body) -> dict:
    return {plan["code"]: plan for group in body["groups"] for plan in group["plans"]}


def test_the_url_is_named():
    assert reverse("api-catalog") == URL


def test_anyone_reads_the_catalog_in_its_shape(shop):
    response = _get()
    assert response.status_code == 200
    body = response.json()
    assert body["date"] == fiscal_today().isoformat()
    assert [group["code"] for group in body["groups"]] == ["hosting", "domains", "addons", "vps"]
    hosting = body["groups"][0]
    assert set(hosting) == {"id", "code", "kind", "name", "description", "plans"}
    web = _plans(body)["web-start"]
    assert web == {
        "id": shop.plans["web-start"].pk,
        "code": "web-start",
        "name": "Web Start",
        "description": "",
        "group": "hosting",
        "module": "virtualmin",
        "requires_domain": True,
        "max_quantity": 1,
        "features": [
            {"code": "disk", "name": "Disk", "unit": "GB", "limit": "10.00"},
            {"code": "bandwidth", "name": "Bandwidth", "unit": "GB", "limit": None},
            {"code": "mailboxes", "name": "Mailboxes", "unit": "", "limit": "5.00"},
        ],
        "prices": [
            {"cycle": "monthly", "currency": "EUR", "price": "4.00", "setup_fee": "0.00"},
            {"cycle": "monthly", "currency": "RON", "price": "20.00", "setup_fee": "0.00"},
            {"cycle": "annual", "currency": "EUR", "price": "40.00", "setup_fee": "0.00"},
            {"cycle": "annual", "currency": "RON", "price": "200.00", "setup_fee": "0.00"},
        ],
    }
    assert _plans(body)["domain-ro"]["module"] is None
    assert _plans(body)["vps-m"]["prices"][1] == {
        "cycle": "monthly",
        "currency": "RON",
        "price": "200.00",
        "setup_fee": "50.00",
    }


def test_signed_in_users_read_it_too(shop, carol):
    assert bearer(carol).get(URL).status_code == 200


def test_retired_hidden_flagged_plans_and_hidden_groups_are_left_out(shop):
    vps_s = shop.plans["vps-s"]
    vps_s.visibility = Visibility.HIDDEN
    vps_s.save()
    ProductGroup.objects.filter(code="domains").update(visible=False)
    plans = _plans(_get().json())
    assert "old-start" not in plans  # retired
    assert "beta-box" not in plans  # behind the "beta" flag
    assert "vps-s" not in plans
    assert "domain-ro" not in plans
    assert "vps-m" in plans


def test_only_the_prices_in_force_today(shop, alice_admin):
    # vps-s RON monthly: 100.00 from 2026-01-01, 120.00 planned from 2099-01-01.
    prices = _plans(_get().json())["vps-s"]["prices"]
    assert {"cycle": "monthly", "currency": "RON", "price": "100.00", "setup_fee": "0.00"} in prices
    assert len(prices) == 2
    # A price from today replaces the older one at once (the service makes a new version).
    plan_price(
        actor=alice_admin, plan=shop.plans["vps-s"], cycle="monthly", currency="RON", amount=Decimal("110")
    )
    prices = _plans(_get().json())["vps-s"]["prices"]
    assert {"cycle": "monthly", "currency": "RON", "price": "110.00", "setup_fee": "0.00"} in prices
    # One planned for tomorrow is not shown today.
    plan_price(
        actor=alice_admin,
        plan=shop.plans["vps-s"],
        cycle="monthly",
        currency="EUR",
        amount=Decimal("25"),
        valid_from=fiscal_today() + timedelta(days=1),
    )
    prices = _plans(_get().json())["vps-s"]["prices"]
    assert {"cycle": "monthly", "currency": "EUR", "price": "20.00", "setup_fee": "0.00"} in prices


def test_names_follow_the_request_language(shop):
    ro = _plans(_get(HTTP_ACCEPT_LANGUAGE="ro").json())
    assert ro["web-start"]["name"] == "Web Start RO"
    bg = _get(HTTP_ACCEPT_LANGUAGE="bg")
    # No Bulgarian name: English stands in.
    assert _plans(bg.json())["web-start"]["name"] == "Web Start"
    assert "Accept-Language" in bg["Vary"]
    en = _plans(_get(HTTP_ACCEPT_LANGUAGE="en").json())
    assert en["web-start"]["name"] == "Web Start"


def test_filters_by_currency_and_group(shop):
    body = _get(URL + "?currency=EUR&group=vps").json()
    assert [group["code"] for group in body["groups"]] == ["vps"]
    for plan in body["groups"][0]["plans"]:
        assert {price["currency"] for price in plan["prices"]} == {"EUR"}


@pytest.mark.parametrize(
    ("query", "field"),
    [("currency=XYZ", "currency"), ("group=Not%20a%20code", "group"), ("currency=" + "E" * 300, "currency")],
)
def test_bad_filters_are_refused_naming_the_parameter(shop, query, field):
    response = _get(f"{URL}?{query}")
    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {field}


def test_a_fixed_number_of_queries_then_none_from_the_cache(shop, django_assert_num_queries):
    with django_assert_num_queries(4):
        assert _get().status_code == 200
    with django_assert_num_queries(0):
        assert _get(HTTP_ACCEPT_LANGUAGE="ro").status_code == 200
    with django_assert_num_queries(0):
        assert _get().status_code == 200


def test_the_query_count_does_not_grow_with_the_catalog(shop, django_assert_num_queries):
    group = ProductGroup.objects.create(code="more", kind="vps", name_en="More")
    for index in range(15):
        plan = group.plans.create(code=f"more-{index}", name_en=f"More {index}")
        for cycle in ("monthly", "annual"):
            Price.objects.create(
                plan=plan, cycle=cycle, currency="RON", amount=Decimal(index), valid_from=fiscal_today()
            )
    with django_assert_num_queries(4):
        body = _get().json()
    assert len(_plans(body)) == 7 + 15


def test_a_change_by_any_means_is_seen_at_once(shop):
    assert _plans(_get().json())["vps-m"]["name"] == "VPS M"
    plan = shop.plans["vps-m"]
    plan.name_en = "VPS Medium"
    plan.save()
    assert _plans(_get().json())["vps-m"]["name"] == "VPS Medium"


def test_one_plan_by_id_or_code(shop):
    plan = shop.plans["vps-m"]
    by_id = _get(f"{URL}plans/{plan.pk}/")
    by_code = _get(f"{URL}plans/VPS-M/")
    assert by_id.status_code == by_code.status_code == 200
    assert by_id.json() == by_code.json()
    assert by_id.json()["group"] == "vps"
    assert reverse("api-catalog-plan", args=["vps-m"]) == f"{URL}plans/vps-m/"


@pytest.mark.parametrize("reference", ["old-start", "beta-box", "nothing", "999999", "x" * 200])
def test_a_plan_outside_the_public_catalog_is_not_found(shop, reference):
    response = _get(f"{URL}plans/{reference}/")
    assert response.status_code == 404
    assert error_of(response) == NOT_FOUND


def test_the_schema_documents_the_catalog(db):
    response = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/catalog/" in paths
    assert "/api/v1/catalog/plans/{plan}/" in paths
