"""The demo catalog: a Romanian hosting offer built through the services, idempotent."""

from __future__ import annotations

from decimal import Decimal

import pytest

from praho.accounts import demo as accounts_demo
from praho.audit.models import AuditEvent
from praho.catalog import demo
from praho.catalog.models import Coupon, Plan, PlanRelation, Price
from praho.catalog.tree import catalog_tree
from praho.core.validation import fiscal_today

pytestmark = pytest.mark.django_db


def test_the_demo_catalog_is_built_once():
    accounts_demo.load(with_passwords=False)
    lines = demo.load(with_passwords=False)
    assert "17 plans added now" in lines[-1]
    assert "BUNVENIT10, VPS50" in lines[-1]
    counts = (
        Plan.objects.count(),
        Price.objects.count(),
        PlanRelation.objects.count(),
        Coupon.objects.count(),
        AuditEvent.objects.count(),
    )
    again = demo.load(with_passwords=False)
    assert "0 plans added now" in again[-1]
    assert "coupons added: none" in again[-1]
    assert counts == (
        Plan.objects.count(),
        Price.objects.count(),
        PlanRelation.objects.count(),
        Coupon.objects.count(),
        AuditEvent.objects.count(),
    )


def test_the_demo_catalog_reads_as_an_offer():
    accounts_demo.load(with_passwords=False)
    demo.load(with_passwords=False)
    tree = {group.code: group for group in catalog_tree(on=fiscal_today())}
    assert list(tree) == ["hosting", "vps", "dedicated", "domains", "ssl", "email", "addons"]
    start = next(plan for plan in tree["hosting"].plans if plan.code == "web-start")
    assert start.module == "virtualmin"
    assert {(p.cycle, p.currency) for p in start.prices} >= {("monthly", "RON"), ("annual", "EUR")}
    assert start.name("ro") == "Hosting Start"
    assert tree["vps"].name("bg") == "Виртуални сървъри (VPS)"
    pro = next(plan for plan in tree["hosting"].plans if plan.code == "web-pro")
    assert {f.code: f.limit for f in pro.features}["bandwidth"] is None
    dedicated = tree["dedicated"].plans[0]
    assert {(p.cycle, p.currency): p.setup_fee for p in dedicated.prices}[("monthly", "RON")] == Decimal(
        "500.00"
    )
    assert Price.objects.filter(plan__code="vps-s", valid_from__gt=fiscal_today()).count() == 1
    includes = PlanRelation.objects.get(plan__code="web-start", other__code="domain-ro", kind="includes")
    assert includes.cycles == ["annual", "biennial"]
    vps50 = Coupon.objects.get(code="VPS50")
    assert (vps50.amounts, vps50.periods) == ({"RON": "50.00", "EUR": "10.00"}, 3)
