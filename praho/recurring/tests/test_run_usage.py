"""The billing run bills the usage of each service's completed periods on its renewal document,
once: a second run bills nothing more, and a late sample goes to the next renewal."""
# ruff: noqa: RUF001 (the en dash of the periods on the lines)

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from praho.recurring.models import Renewal, UsageCharge
from praho.recurring.services.runs import dry_run, run_billing
from praho.recurring.tests.test_runs import at, pay
from praho.recurring.tests.usage_fixtures import GB, daily, metered, sample, service, vps  # noqa: F401

pytestmark = pytest.mark.django_db


def test_the_renewal_carries_the_last_completed_periods_usage_once(shop, vps, carol_customer):
    metered(vps, included=Decimal("100"), unit_price=Decimal("0.50"))
    vm = service(carol_customer, vps, anchor=date(2026, 11, 1), next_due_date=date(2027, 1, 1))
    daily(vm, date(2026, 11, 1), date(2026, 11, 30), bandwidth_per_day=5 * GB)  # 150 GB in November
    with at("2026-12-20"):
        assert [line.description for line in dry_run(on=date(2026, 12, 20))][1].endswith(
            "01.11.2026 – 30.11.2026"
        )
        run_billing(on=date(2026, 12, 20))
        again = run_billing(on=date(2026, 12, 20))
    document = Renewal.objects.get(service=vm).document
    renewal_line, usage_line = document.lines.order_by("position")
    assert renewal_line.net_amount == Decimal("100.00")
    assert usage_line.description.endswith("01.11.2026 – 30.11.2026")
    assert (usage_line.quantity, usage_line.unit_price, usage_line.net_amount) == (
        Decimal("50"),
        Decimal("0.5"),
        Decimal("25.00"),
    )
    assert UsageCharge.objects.get().document == document
    assert again.documents == 0


def test_a_late_sample_of_a_billed_period_goes_to_the_next_renewal(shop, vps, carol_customer):
    metered(vps, measure="vm_hours", unit_price=Decimal("0.10"))
    vm = service(carol_customer, vps, anchor=date(2026, 11, 1), next_due_date=date(2027, 1, 1))
    daily(vm, date(2026, 11, 1), date(2026, 11, 29))  # 29 days: 696 hours
    with at("2026-12-20"):
        run_billing(on=date(2026, 12, 20))
        pay(Renewal.objects.get(service=vm).document)
    sample(vm, date(2026, 11, 30))  # came late
    daily(vm, date(2026, 12, 1), date(2026, 12, 31))
    with at("2027-01-20"):
        run_billing(on=date(2027, 1, 20))
    charges = list(UsageCharge.objects.order_by("period_number").values_list("period_number", "quantity"))
    assert charges == [(0, Decimal("696")), (1, Decimal("768"))]  # December's 744 and the late 24
