"""catalog_tree(): the public catalog for pages and other apps, cached per version and day."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from praho.catalog.models import Price
from praho.catalog.services.offer import save_group
from praho.catalog.tree import catalog_tree, catalog_version
from praho.core.validation import fiscal_today


def _plans(tree) -> dict:
    return {plan.code: plan for group in tree for plan in group.plans}


def test_flagged_plans_are_in_the_tree_with_their_flag_for_callers_to_filter(shop):
    plans = _plans(catalog_tree(on=fiscal_today()))
    assert plans["beta-box"].flag == "beta"
    assert plans["web-start"].flag == ""
    assert "old-start" not in plans


def test_prices_and_features_as_decimals(shop):
    plans = _plans(catalog_tree(on=fiscal_today()))
    vps_m = plans["vps-m"]
    monthly_ron = next(p for p in vps_m.prices if (p.cycle, p.currency) == ("monthly", "RON"))
    assert (monthly_ron.amount, monthly_ron.setup_fee) == (Decimal("200.00"), Decimal("50.00"))
    assert {f.code: f.limit for f in plans["web-start"].features} == {
        "disk": Decimal("10.00"),
        "bandwidth": None,
        "mailboxes": Decimal("5.00"),
    }
    assert [p.cycle for p in plans["web-start"].prices] == ["monthly", "monthly", "annual", "annual"]


def test_the_day_chooses_the_prices(shop):
    later = _plans(catalog_tree(on=date(2099, 1, 1)))["vps-s"]
    assert {(p.currency, p.amount) for p in later.prices} == {
        ("RON", Decimal("120.00")),
        ("EUR", Decimal("20.00")),
    }
    before = _plans(catalog_tree(on=date(2025, 12, 31)))
    assert before["vps-s"].prices == ()


def test_cached_until_the_catalog_changes(shop, alice_admin, django_assert_num_queries):
    today = fiscal_today()
    with django_assert_num_queries(4):
        catalog_tree(on=today)
    with django_assert_num_queries(0):
        catalog_tree(on=today)
    version = catalog_version()
    save_group(actor=alice_admin, code="new", kind="vps", name_en="New", position=9)
    assert catalog_version() != version
    with django_assert_num_queries(4):
        assert catalog_tree(on=today)[-1].code == "new"
    # bulk writes send no signal; the code doing them bumps the version (as bench/catalog.py does).
    Price.objects.bulk_create(
        [Price(plan=shop.plans["vps-m"], cycle="annual", currency="RON", amount=1, valid_from=today)]
    )
    assert "annual" not in {p.cycle for p in _plans(catalog_tree(on=today))["vps-m"].prices}
    tomorrow = today + timedelta(days=1)
    with django_assert_num_queries(4):
        assert "annual" in {p.cycle for p in _plans(catalog_tree(on=tomorrow))["vps-m"].prices}


def test_names_in_every_language(shop):
    web = _plans(catalog_tree(on=fiscal_today()))["web-start"]
    assert (web.name("en"), web.name("ro"), web.name("bg")) == ("Web Start", "Web Start RO", "Web Start")


def test_a_committed_change_builds_the_new_tree_for_the_next_reader(
    shop, alice_admin, django_capture_on_commit_callbacks, django_assert_num_queries
):
    # Celery runs eagerly in the tests: the task the commit enqueues builds the tree at once.
    with django_capture_on_commit_callbacks(execute=True):
        save_group(actor=alice_admin, code="warm", kind="vps", name_en="Warm", position=9)
    with django_assert_num_queries(0):
        assert catalog_tree(on=fiscal_today())[-1].code == "warm"
