"""What usage a billing run bills (praho.recurring.services.usage.pending_usage): completed
periods only, quantities from the samples across month ends and leap years, late samples going
to the next charge, nothing billed twice, and a fixed number of queries for any number of
services."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from praho.provisioning.models import UsageSample
from praho.recurring.services.usage import pending_usage, record_usage
from praho.recurring.tests.usage_fixtures import (  # noqa: F401 (fixtures)
    GB,
    billing_ready,
    daily,
    metered,
    renewal_document,
    sample,
    service,
    shop,
    vps,
)

D = Decimal
pytestmark = pytest.mark.django_db


def _only(found, svc):
    assert list(found) == [svc.pk]
    return found[svc.pk]


def test_a_completed_period_is_billed_with_its_period_on_the_line(carol_customer, vps):
    item = metered(vps, included=D("100"), unit_price=D("0.50"))
    svc = service(carol_customer, vps, anchor=date(2027, 1, 15))
    daily(svc, date(2027, 1, 15), date(2027, 2, 14), bandwidth_per_day=10 * GB)
    # January: 17 days x 10 GB; February up to the 14th: 140 GB.
    [charge] = _only(pending_usage([svc], on=date(2027, 2, 20)), svc)
    assert (charge.item, charge.period.number) == (item, 0)
    assert (charge.period.start, charge.period.end) == (date(2027, 1, 15), date(2027, 2, 14))
    assert charge.quantity == D("310.00")
    assert (charge.billed_quantity, charge.net) == (D("210.00"), D("105.00"))
    assert len(charge.sample_ids) == 31
    assert charge.lines() == [
        {
            "description": "Bandwidth over 100 GB included: 15.01.2027 \u2013 14.02.2027",
            "quantity": D("210.00"),
            "unit_code": "E34",
            "unit_price": D("0.5000"),
            "net": D("105.00"),
        }
    ]


def test_nothing_is_billed_for_the_period_the_service_is_in_or_before_its_first(carol_customer, vps):
    metered(vps, unit_price=D("1"))
    svc = service(carol_customer, vps, anchor=date(2027, 1, 15))
    daily(svc, date(2027, 1, 15), date(2027, 2, 14), bandwidth_per_day=GB)
    assert pending_usage([svc], on=date(2027, 2, 14)) == {}  # the last day of period 0: not complete
    assert pending_usage([svc], on=date(2027, 1, 10)) == {}
    assert [c.period.number for c in _only(pending_usage([svc], on=date(2027, 2, 15)), svc)] == [0]


def test_bandwidth_of_a_month_split_between_periods_is_billed_once(carol_customer, vps, renewal_document):
    metered(vps, unit_price=D("1"))
    svc = service(carol_customer, vps, anchor=date(2027, 1, 15))
    daily(svc, date(2027, 1, 1), date(2027, 3, 14), bandwidth_per_day=GB)  # the panel counted from 1 Jan
    [first] = _only(pending_usage([svc], on=date(2027, 2, 15)), svc)
    # January's 31 GB less the 14 GB of the 14th (before the service's first period), February's 14.
    assert first.quantity == D("31.00")
    record_usage(pending=[first], document=renewal_document)
    [second] = _only(pending_usage([svc], on=date(2027, 3, 15)), svc)
    # February 28 GB less the 14 billed; March's 14.
    assert (second.period.start, second.period.end, second.quantity) == (
        date(2027, 2, 15),
        date(2027, 3, 14),
        D("28.00"),
    )


def test_leap_february_is_its_own_period_of_a_month_end_service(carol_customer, vps):
    metered(vps, "vm_hours", unit_price=D("0.01"))
    metered(vps, "disk_gb", included=D("10"), unit_price=D("2"))
    svc = service(carol_customer, vps, anchor=date(2028, 1, 31))
    daily(svc, date(2028, 1, 31), date(2028, 3, 30), disk=5 * GB)
    sample(svc, date(2028, 2, 29), disk=int(12.5 * GB))  # the peak, on the leap day
    charges = _only(pending_usage([svc], on=date(2028, 3, 31)), svc)
    assert [(c.item.measure, c.period.start, c.period.end, c.quantity) for c in charges] == [
        ("disk_gb", date(2028, 1, 31), date(2028, 2, 28), D("5.00")),
        ("vm_hours", date(2028, 1, 31), date(2028, 2, 28), D("696")),  # 29 days
        ("disk_gb", date(2028, 2, 29), date(2028, 3, 30), D("12.50")),
        ("vm_hours", date(2028, 2, 29), date(2028, 3, 30), D("744")),  # 31 days
    ]
    assert [c.net for c in charges] == [D("0"), D("6.96"), D("5.00"), D("7.44")]
    assert charges[0].lines() == []


def test_missing_days_bill_no_hours_and_cost_no_bandwidth(carol_customer, vps):
    metered(vps, "vm_hours", unit_price=D("0.05"))
    metered(vps, unit_price=D("1"))
    svc = service(carol_customer, vps, anchor=date(2027, 3, 1))
    sample(svc, date(2027, 3, 1), bandwidth=GB)
    sample(svc, date(2027, 3, 20), bandwidth=int(7.3 * GB))  # nothing collected between
    bandwidth, hours = _only(pending_usage([svc], on=date(2027, 4, 1)), svc)
    assert (hours.quantity, hours.net) == (D("48"), D("2.40"))
    assert bandwidth.quantity == D("7.30")


def test_gigabytes_are_rounded_up_to_the_hundredth(carol_customer, vps):
    metered(vps, "disk_gb", unit_price=D("1"))
    svc = service(carol_customer, vps, anchor=date(2027, 3, 1))
    sample(svc, date(2027, 3, 5), disk=1025)  # 1.000976… GB
    [charge] = _only(pending_usage([svc], on=date(2027, 4, 1)), svc)
    assert charge.quantity == D("1.01")


def test_a_late_sample_goes_to_the_next_charge_and_nothing_is_billed_twice(
    carol_customer, vps, renewal_document
):
    metered(vps, "vm_hours", unit_price=D("1"))
    metered(vps, unit_price=D("1"))
    svc = service(carol_customer, vps, anchor=date(2027, 1, 1))
    daily(svc, date(2027, 1, 1), date(2027, 1, 30), bandwidth_per_day=GB)  # the 31st not collected yet
    january = _only(pending_usage([svc], on=date(2027, 2, 1)), svc)
    assert [c.quantity for c in january] == [D("30.00"), D("720")]
    record_usage(pending=january, document=renewal_document)
    assert pending_usage([svc], on=date(2027, 2, 1)) == {}  # January is done
    late = sample(svc, date(2027, 1, 31), bandwidth=31 * GB)  # collected after January was billed
    daily(svc, date(2027, 2, 1), date(2027, 2, 28), bandwidth_per_day=2 * GB)
    february = _only(pending_usage([svc], on=date(2027, 3, 1)), svc)
    assert [c.period.number for c in february] == [1, 1]
    bandwidth, hours = february
    assert hours.quantity == D(24 * 29)  # February's 28 days and the late 31 January
    assert late.pk in hours.sample_ids
    assert late.pk in bandwidth.sample_ids
    assert bandwidth.quantity == D("57.00")  # the 31st's 1 GB and February's 56
    billed = set(january[0].sample_ids)
    assert billed.isdisjoint(hours.sample_ids)
    assert billed.isdisjoint(bandwidth.sample_ids)


def test_a_sample_updated_in_place_after_it_was_billed_is_not_billed_again(
    carol_customer, vps, renewal_document
):
    metered(vps, unit_price=D("1"))
    metered(vps, "disk_gb", unit_price=D("1"))
    svc = service(carol_customer, vps, anchor=date(2027, 1, 15))
    daily(svc, date(2027, 1, 15), date(2027, 2, 14), disk=GB, bandwidth_per_day=GB)
    record_usage(pending=_only(pending_usage([svc], on=date(2027, 2, 15)), svc), document=renewal_document)
    sample(svc, date(2027, 2, 14), disk=50 * GB, bandwidth=20 * GB)  # the 14th's last reading came later
    sample(svc, date(2027, 2, 20), disk=2 * GB, bandwidth=25 * GB)
    bandwidth, disk = _only(pending_usage([svc], on=date(2027, 3, 15)), svc)
    assert (bandwidth.period.number, bandwidth.quantity) == (1, D("5.00"))  # 25 less the 20 accounted
    assert disk.quantity == D("2.00")  # the 50 GB of a billed sample is not this period's


def test_a_run_that_did_not_come_for_a_while_bills_every_period(carol_customer, vps):
    metered(vps, "vm_hours", unit_price=D("1"))
    svc = service(carol_customer, vps, anchor=date(2027, 1, 31))
    daily(svc, date(2027, 1, 31), date(2027, 5, 10))
    charges = _only(pending_usage([svc], on=date(2027, 5, 10)), svc)
    assert [(c.period.start, c.quantity) for c in charges] == [
        (date(2027, 1, 31), D(24 * 28)),
        (date(2027, 2, 28), D(24 * 31)),
        (date(2027, 3, 31), D(24 * 30)),
    ]


def test_an_item_bills_from_its_day_and_not_after_the_service_ends(carol_customer, vps):
    metered(vps, "vm_hours", unit_price=D("1"), billed_from=date(2027, 2, 20))
    svc = service(carol_customer, vps, anchor=date(2027, 1, 1), cancel_at=date(2027, 3, 31))
    daily(svc, date(2027, 1, 1), date(2027, 5, 31))
    charges = _only(pending_usage([svc], on=date(2027, 6, 15)), svc)
    assert [(c.period.start, c.quantity) for c in charges] == [
        (date(2027, 2, 1), D(24 * 9)),  # from the 20th
        (date(2027, 3, 1), D(24 * 31)),
    ]


def test_only_items_in_the_service_currency_of_services_with_periods(carol_customer, vps, shop):
    metered(vps, unit_price=D("1"), currency="EUR")
    metered(shop.plans["web-start"], unit_price=D("1"))
    euro = service(carol_customer, vps, anchor=date(2027, 1, 1), currency="EUR")
    ron = service(carol_customer, vps, anchor=date(2027, 1, 1))
    once = service(carol_customer, shop.plans["web-start"], anchor=date(2027, 1, 1), cycle="one_time")
    for svc in (euro, ron, once):
        sample(svc, date(2027, 1, 5), bandwidth=GB)
    assert list(pending_usage([euro, ron, once], on=date(2027, 2, 1))) == [euro.pk]


def test_graduated_usage_is_one_line_per_tier_and_billing_agrees_with_the_amounts(
    carol_customer, vps, bill_billing
):
    from praho.billing.services.drafts import create_document

    tiers = [{"up_to": "50", "unit_price": "0.3333"}, {"up_to": None, "unit_price": "0.1"}]
    metered(vps, included=D("10"), tier_mode="graduated", tiers=tiers)
    svc = service(carol_customer, vps, anchor=date(2027, 1, 1))
    sample(svc, date(2027, 1, 31), bandwidth=int(100.5 * GB))
    [charge] = _only(pending_usage([svc], on=date(2027, 2, 1)), svc)
    lines = charge.lines()
    assert [(line["description"], line["quantity"], line["net"]) for line in lines] == [
        ("Bandwidth, 10\u201360 GB: 01.01.2027 \u2013 31.01.2027", D("50"), D("16.67")),
        ("Bandwidth over 60 GB: 01.01.2027 \u2013 31.01.2027", D("40.50"), D("4.05")),
    ]
    document = create_document(
        actor=bill_billing, document_type="proforma", customer=carol_customer, lines=lines
    )
    assert document.net_total == charge.net == D("20.72")


def test_the_queries_are_the_same_for_one_service_and_fifty(carol_customer, vps, django_assert_num_queries):
    metered(vps, unit_price=D("1"))
    metered(vps, "vm_hours", unit_price=D("1"))
    services = [service(carol_customer, vps, anchor=date(2027, 1, n % 28 + 1)) for n in range(50)]
    services.append(service(carol_customer, vps, anchor=date(2026, 1, 1), cycle="annual"))
    UsageSample.objects.bulk_create(
        UsageSample(
            service=svc, day=date(2027, 2, day), bandwidth_mb=GB * day, collected_at="2027-02-01T00:00Z"
        )
        for svc in services
        for day in range(1, 28)
    )
    with django_assert_num_queries(4):  # the items, the last periods billed, the samples, billed ones
        one = pending_usage(services[:1], on=date(2027, 3, 15))
    with django_assert_num_queries(4):
        many = pending_usage(services, on=date(2027, 3, 15))
    assert len(one) == 1
    assert len(many) == 51
    with django_assert_num_queries(2):  # no period complete: no samples read
        assert pending_usage(services, on=date(2026, 12, 1)) == {}


def test_a_service_that_changed_plans_goes_on_where_its_old_plan_stopped(
    carol_customer, vps, shop, renewal_document
):
    metered(vps, unit_price=D("1"))
    bigger = shop.plans["vps-m"]
    metered(bigger, unit_price=D("0.5"))
    svc = service(carol_customer, vps, anchor=date(2027, 1, 15))
    daily(svc, date(2027, 1, 15), date(2027, 3, 14), bandwidth_per_day=GB)
    record_usage(pending=_only(pending_usage([svc], on=date(2027, 2, 15)), svc), document=renewal_document)
    svc.plan = bigger
    svc.save(update_fields=["plan"])
    [charge] = _only(pending_usage([svc], on=date(2027, 3, 15)), svc)
    assert (charge.item.plan, charge.period.number) == (bigger, 1)
    assert charge.quantity == D("28.00")  # February less the 14 GB its old plan billed, March's 14
