"""The catalog's write services: every rule refused with a field-keyed error and nothing saved,
audit events, keyword-only arguments in a service transaction, and prices never rewritten."""

from __future__ import annotations

import inspect
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from praho.audit.models import AuditEvent
from praho.catalog.models import Plan, PlanFeature, PlanRelation, Price, ProductGroup
from praho.catalog.services import offer, pricing, promotions
from praho.core.transactions import service_transaction
from praho.core.validation import fiscal_today

SERVICES = [
    offer.save_group,
    offer.save_feature,
    offer.save_plan,
    offer.set_plan_features,
    pricing.plan_price,
    pricing.remove_planned_price,
    pricing.save_relation,
    pricing.remove_relation,
    promotions.save_coupon,
]


def _fields(error: ValidationError) -> dict[str, list[str]]:
    return {field: [e.code for e in errors] for field, errors in error.error_dict.items()}


def refused(call, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        call(**kwargs)
    return _fields(caught.value)


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.__name__)
def test_services_take_keyword_arguments_only_in_a_service_transaction(service):
    parameters = inspect.signature(service).parameters.values()
    assert all(p.kind in (p.KEYWORD_ONLY, p.VAR_KEYWORD) for p in parameters)
    assert service.__qualname__ == service.__wrapped__.__qualname__
    assert getattr(service, "__wrapped__", None) is not None
    assert service_transaction  # the decorator every one of them carries (wraps)


def test_a_group_is_created_changed_and_audited(db, alice_admin):
    group = offer.save_group(
        actor=alice_admin, code="vps", kind="vps", name_en="VPS", name_ro="Servere virtuale", position=2
    )
    assert (group.code, group.name_ro, group.position) == ("vps", "Servere virtuale", 2)
    offer.save_group(actor=alice_admin, group=group, code="vps", kind="vps", name_en="Virtual servers")
    events = AuditEvent.objects.filter(action="catalog.group_saved").order_by("pk")
    assert [e.data for e in events] == [
        {"created": True},
        {
            "changes": {
                "name_en": ["VPS", "Virtual servers"],
                "name_ro": ["Servere virtuale", ""],
                "position": [2, 0],
            }
        },
    ]
    # Saving the same values again records nothing.
    offer.save_group(actor=alice_admin, group=group, code="vps", kind="vps", name_en="Virtual servers")
    assert events.count() == 2


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"code": "VPS"}, {"code": ["invalid_code"]}),
        ({"code": "a--b"}, {"code": ["invalid_code"]}),
        ({"code": ""}, {"code": ["required"]}),
        ({"code": "x" * 41}, {"code": ["max_length"]}),
        ({"name_en": ""}, {"name_en": ["required"]}),
        ({"name_en": "A\x07B"}, {"name_en": ["control_characters"]}),
        ({"name_ro": "two\nlines"}, {"name_ro": ["control_characters"]}),
        ({"description_bg": "x" * 2001}, {"description_bg": ["max_length"]}),
        ({"kind": "cars"}, {"kind": ["invalid_choice"]}),
        ({"position": -1}, {"position": ["invalid"]}),
        ({"name_fr": "Hébergement"}, {"name_fr": ["unknown_field"]}),
    ],
)
def test_a_bad_group_is_refused_by_field(db, alice_admin, values, expected):
    arguments = {"code": "hosting", "kind": "hosting", "name_en": "Hosting", **values}
    assert refused(offer.save_group, actor=alice_admin, **arguments) == expected
    assert not ProductGroup.objects.exists()


def test_codes_are_unique(shop, alice_admin):
    assert refused(offer.save_group, actor=alice_admin, code="vps", kind="vps", name_en="X") == {
        "code": ["unique"]
    }
    assert refused(
        offer.save_plan, actor=alice_admin, group=shop.groups["vps"], code="vps-s", name_en="X"
    ) == {"code": ["unique"]}


@pytest.mark.parametrize(
    ("module", "params", "expected"),
    [
        ("virtualmin", {"package": "start"}, None),
        ("hestiacp", {"package": "default"}, None),
        ("proxmox", {"template": 9000, "cores": 2, "memory_mb": 2048, "disk_gb": 40}, None),
        ("", {}, None),
        ("", {"package": "x"}, {"module_params": ["invalid"]}),
        ("virtualmin", {}, {"module_params.package": ["required"]}),
        ("virtualmin", {"package": "a\x00"}, {"module_params.package": ["control_characters"]}),
        ("virtualmin", {"package": "p" * 65}, {"module_params.package": ["max_length"]}),
        ("virtualmin", {"package": 5}, {"module_params.package": ["invalid"]}),
        ("virtualmin", {"package": "x", "cores": 1}, {"module_params.cores": ["unknown_field"]}),
        (
            "proxmox",
            {"template": 9000, "cores": 0, "memory_mb": True, "disk_gb": 40},
            {"module_params.cores": ["invalid"], "module_params.memory_mb": ["invalid"]},
        ),
        (
            "proxmox",
            {"template": 9000},
            {
                "module_params.cores": ["required"],
                "module_params.memory_mb": ["required"],
                "module_params.disk_gb": ["required"],
            },
        ),
        ("plesk", {}, {"module": ["invalid_choice"]}),
        ("virtualmin", ["start"], {"module_params": ["invalid"]}),
        ("virtualmin", {"package": "x", **{f"k{i}": "v" * 50 for i in range(50)}}, None),
    ],
)
def test_module_parameters_are_checked_per_module(shop, alice_admin, module, params, expected):
    call = {"actor": alice_admin, "group": shop.groups["vps"], "code": "new-plan", "name_en": "New"}
    if expected is None and len(params) > 5:
        fields = refused(offer.save_plan, module=module, module_params=params, **call)
        assert fields["module_params"] == ["max_length"]
        return
    if expected is None:
        plan = offer.save_plan(module=module, module_params=params, **call)
        assert plan.module_params == params
    else:
        assert refused(offer.save_plan, module=module, module_params=params, **call) == expected
        assert not Plan.objects.filter(code="new-plan").exists()


def test_a_plan_is_saved_and_audited(shop, alice_admin):
    plan = offer.save_plan(
        actor=alice_admin,
        plan=shop.plans["vps-s"],
        group=shop.groups["vps"],
        code="vps-s",
        name_en="VPS S",
        visibility="retired",
        module="proxmox",
        module_params={"template": "9000", "cores": 1, "memory_mb": 1024, "disk_gb": 20},
        max_quantity=1,
    )
    assert plan.visibility == "retired"
    assert plan.module_params["template"] == 9000
    event = AuditEvent.objects.get(action="catalog.plan_saved")
    assert event.data["changes"]["visibility"] == ["public", "retired"]


@pytest.mark.parametrize("value", [0, 101, True, "2"])
def test_max_quantity_is_bounded(shop, alice_admin, value):
    fields = refused(
        offer.save_plan,
        actor=alice_admin,
        group=shop.groups["vps"],
        code="p",
        name_en="P",
        max_quantity=value,
    )
    assert fields == {"max_quantity": ["invalid"]}


def test_plan_features_with_limits_and_unlimited(shop, alice_admin):
    plan = shop.plans["vps-s"]
    rows = offer.set_plan_features(
        actor=alice_admin, plan=plan, limits={"disk": Decimal("25"), "bandwidth": None}
    )
    assert {(row.feature.code, row.limit) for row in rows} == {
        ("disk", Decimal("25.00")),
        ("bandwidth", None),
    }
    assert not PlanFeature.objects.filter(plan=plan, feature__code="vcpu").exists()  # left out: removed
    event = AuditEvent.objects.get(action="catalog.plan_features_set")
    assert event.data["after"] == {"disk": "25.00", "bandwidth": None}


@pytest.mark.parametrize(
    ("limits", "expected"),
    [
        ({"nothing": 1}, {"features.nothing": ["unknown_feature"]}),
        ({"disk": "-1"}, {"features.disk": ["min_value"]}),
        ({"disk": "1.234"}, {"features.disk": ["decimal_places"]}),
        ({"disk": "1e12"}, {"features.disk": ["max_value"]}),
        ({"disk": "ten"}, {"features.disk": ["invalid"]}),
        ({"disk": "NaN"}, {"features.disk": ["invalid"]}),
    ],
)
def test_bad_feature_limits_are_refused(shop, alice_admin, limits, expected):
    before = list(PlanFeature.objects.values_list("pk", "limit"))
    assert (
        refused(offer.set_plan_features, actor=alice_admin, plan=shop.plans["vps-s"], limits=limits)
        == expected
    )
    assert list(PlanFeature.objects.values_list("pk", "limit")) == before


# --- prices ----------------------------------------------------------------------------------


def test_a_price_change_is_a_new_row_and_history_stays(shop, alice_admin):
    plan = shop.plans["vps-s"]
    tomorrow = fiscal_today() + timedelta(days=1)
    planned = pricing.plan_price(
        actor=alice_admin,
        plan=plan,
        cycle="monthly",
        currency="EUR",
        amount="22.50",
        setup_fee="5",
        valid_from=tomorrow,
    )
    assert (planned.amount, planned.setup_fee) == (Decimal("22.50"), Decimal("5.00"))
    # Replanned for the same day: the planned row changes, no new row.
    again = pricing.plan_price(
        actor=alice_admin, plan=plan, cycle="monthly", currency="EUR", amount="21", valid_from=tomorrow
    )
    assert again.pk == planned.pk
    assert again.amount == Decimal("21.00")
    assert Price.objects.filter(plan=plan, currency="EUR").count() == 2
    events = AuditEvent.objects.filter(action="catalog.price_planned").order_by("pk")
    assert events.count() == 2
    assert events.last().data["replaced"]["amount"] == "22.50"
    # And it may be removed before it starts.
    pricing.remove_planned_price(actor=alice_admin, price=again)
    assert not Price.objects.filter(pk=planned.pk).exists()
    assert AuditEvent.objects.filter(action="catalog.price_removed").count() == 1


def test_a_price_in_force_is_never_changed_nor_removed(shop, alice_admin):
    plan = shop.plans["vps-s"]
    today = fiscal_today()
    in_force = Price.objects.get(plan=plan, cycle="monthly", currency="EUR")
    assert refused(pricing.remove_planned_price, actor=alice_admin, price=in_force) == {
        "valid_from": ["price_in_force"]
    }
    pricing.plan_price(actor=alice_admin, plan=plan, cycle="monthly", currency="EUR", amount="19")
    fields = refused(
        pricing.plan_price,
        actor=alice_admin,
        plan=plan,
        cycle="monthly",
        currency="EUR",
        amount="18",
        valid_from=today,
    )
    assert fields == {"valid_from": ["price_in_force"]}
    fields = refused(
        pricing.plan_price,
        actor=alice_admin,
        plan=plan,
        cycle="monthly",
        currency="EUR",
        amount="18",
        valid_from=today - timedelta(days=1),
    )
    assert fields == {"valid_from": ["price_in_past"]}
    assert Price.objects.get(plan=plan, currency="EUR", valid_from=today).amount == Decimal("19.00")
    assert Price.objects.filter(pk=in_force.pk, amount=Decimal("20.00")).exists()


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"amount": "-1"}, {"amount": ["min_value"]}),
        ({"amount": "1.001"}, {"amount": ["decimal_places"]}),
        ({"amount": "10000000000"}, {"amount": ["max_value"]}),
        ({"amount": "Infinity"}, {"amount": ["invalid"]}),
        ({"setup_fee": "-0.01"}, {"setup_fee": ["min_value"]}),
        ({"cycle": "weekly"}, {"cycle": ["invalid_choice"]}),
        ({"currency": "GBP"}, {"currency": ["invalid_choice"]}),
        ({"valid_from": "2030-01-01"}, {"valid_from": ["invalid"]}),
    ],
)
def test_bad_prices_are_refused(shop, alice_admin, values, expected):
    count = Price.objects.count()
    arguments = {"cycle": "monthly", "currency": "RON", "amount": "10", **values}
    assert refused(pricing.plan_price, actor=alice_admin, plan=shop.plans["vps-s"], **arguments) == expected
    assert Price.objects.count() == count


def test_a_far_date_is_refused(shop, alice_admin):
    from datetime import date

    fields = refused(
        pricing.plan_price,
        actor=alice_admin,
        plan=shop.plans["vps-s"],
        cycle="monthly",
        currency="RON",
        amount="1",
        valid_from=date(2150, 1, 1),
    )
    assert fields == {"valid_from": ["date_range"]}


# --- relationships ---------------------------------------------------------------------------


def test_relationships_are_saved_checked_and_removed(shop, alice_admin):
    vps_m, extra = shop.plans["vps-m"], shop.plans["backup"]
    relation = pricing.save_relation(
        actor=alice_admin,
        plan=vps_m,
        other=extra,
        kind="addon",
        billing="discounted",
        discount_percent="25",
        cycles=["annual", "monthly", "monthly"],
    )
    assert relation.cycles == ["monthly", "annual"]
    assert relation.discount_percent == Decimal("25.00")
    assert refused(pricing.save_relation, actor=alice_admin, plan=vps_m, other=extra, kind="addon") == {
        "other": ["relation_exists"]
    }
    pricing.remove_relation(actor=alice_admin, relation=relation)
    assert not PlanRelation.objects.filter(pk=relation.pk).exists()
    assert AuditEvent.objects.filter(action__startswith="catalog.relation_").count() == 2


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"other": "self"}, {"other": ["relation_self"]}),
        ({"kind": "requires", "billing": "included"}, {"billing": ["relation_billing"]}),
        ({"kind": "includes", "billing": "separate"}, {"billing": ["relation_billing"]}),
        ({"billing": "discounted", "discount_percent": "0"}, {"discount_percent": ["percent_range"]}),
        ({"billing": "discounted", "discount_percent": "100"}, {"discount_percent": ["percent_range"]}),
        ({"billing": "discounted", "discount_percent": "101"}, {"discount_percent": ["percent_range"]}),
        ({"billing": "discounted", "discount_percent": "1.555"}, {"discount_percent": ["decimal_places"]}),
        ({"discount_percent": "10"}, {"discount_percent": ["percent_unused"]}),
        ({"cycles": ["weekly"]}, {"cycles": ["invalid_choice"]}),
        ({"cycles": "monthly"}, {"cycles": ["invalid"]}),
        ({"kind": "sells"}, {"kind": ["invalid_choice"]}),
    ],
)
def test_bad_relationships_are_refused(shop, alice_admin, values, expected):
    count = PlanRelation.objects.count()
    plan = shop.plans["vps-m"]
    other = plan if values.pop("other", None) == "self" else shop.plans["backup"]
    arguments = {"kind": "addon", **values}
    assert refused(pricing.save_relation, actor=alice_admin, plan=plan, other=other, **arguments) == expected
    assert PlanRelation.objects.count() == count
