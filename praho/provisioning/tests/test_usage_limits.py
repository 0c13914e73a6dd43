"""Usage samples and limits: one sample per service and day (the last reading wins), over-limit
flags in the feature's unit (GB limits, MB samples) times the quantity, and staff told once when a
service goes over a limit. Readings here are what a driver returned (base.Usage); collection
against a fake panel is in test_usage_collect.py."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from praho.audit.models import AuditEvent
from praho.catalog.models import Feature, PlanFeature
from praho.orders.models import ServiceStatus
from praho.provisioning import metering
from praho.provisioning.gateways.base import Usage
from praho.provisioning.models import UsageSample
from praho.provisioning.services.usage import Reading, store_samples
from praho.testing.provisioning import make_service

pytestmark = pytest.mark.django_db

DAY = date(2026, 11, 20)
GB = 1024
OVER = "provisioning.usage_over_limit"


@pytest.fixture
def hosting(shop, carol_customer):
    """web-start: 10 GB of disk, unlimited bandwidth."""
    return make_service(
        shop.plans["web-start"], carol_customer, domain="carol.ro", status=ServiceStatus.ACTIVE
    )


def store(service, day=DAY, *, disk=0, bandwidth=0, **more):
    return store_samples(
        day=day, readings=[Reading(service, Usage(disk_mb=disk, bandwidth_mb=bandwidth, **more))]
    )


def events(service):
    return list(AuditEvent.objects.filter(action=OVER, object_id=str(service.pk)).order_by("pk"))


def test_two_readings_on_one_day_keep_one_sample_with_the_last(hosting):
    assert store(hosting, disk=100, bandwidth=5) == 1
    assert store(hosting, disk=300, bandwidth=9, cpu_percent=Decimal("12.5"), memory_mb=512) == 1

    sample = UsageSample.objects.get(service=hosting)
    assert (sample.day, sample.disk_mb, sample.bandwidth_mb) == (DAY, 300, 9)
    assert (sample.cpu_percent, sample.memory_mb) == (Decimal("12.50"), 512)
    store(hosting, DAY + timedelta(days=1), disk=301)
    assert UsageSample.objects.filter(service=hosting).count() == 2


def test_a_gb_limit_is_compared_in_mb(hosting):
    store(hosting, disk=10 * GB)  # exactly the 10 GB: not over
    assert UsageSample.objects.get(service=hosting).over_limit == []

    store(hosting, disk=10 * GB + 1)
    assert UsageSample.objects.get(service=hosting).over_limit == ["disk"]


def test_the_limit_grows_with_the_quantity(shop, carol_customer):
    double = make_service(shop.plans["web-start"], carol_customer, status=ServiceStatus.ACTIVE, quantity=2)
    store(double, disk=15 * GB)
    assert UsageSample.objects.get(service=double).over_limit == []
    store(double, disk=20 * GB + 1)
    assert UsageSample.objects.get(service=double).over_limit == ["disk"]


def test_unlimited_bandwidth_is_never_over_and_a_limited_one_is(shop, hosting):
    store(hosting, bandwidth=10**9)
    assert UsageSample.objects.get(service=hosting).over_limit == []

    PlanFeature.objects.filter(plan=shop.plans["web-start"], feature__code="bandwidth").update(
        limit=Decimal("0.5")
    )
    store(hosting, disk=11 * GB, bandwidth=513)
    assert UsageSample.objects.get(service=hosting).over_limit == ["disk", "bandwidth"]


def test_a_limit_in_mb_or_tb_is_converted_and_one_without_a_size_unit_is_not_compared(shop, hosting):
    Feature.objects.filter(code="disk").update(unit="MB")
    store(hosting, disk=11)
    assert UsageSample.objects.get(service=hosting).over_limit == ["disk"]

    Feature.objects.filter(code="disk").update(unit="TB")
    store(hosting, disk=11 * GB)
    assert UsageSample.objects.get(service=hosting).over_limit == []

    Feature.objects.filter(code="disk").update(unit="")
    store(hosting, disk=10**9)
    assert UsageSample.objects.get(service=hosting).over_limit == []


def test_staff_hear_once_when_a_service_goes_over_and_again_after_it_came_back(hosting):
    store(hosting, disk=5 * GB)
    assert events(hosting) == []

    store(hosting, disk=11 * GB)  # over: told
    store(hosting, disk=12 * GB)  # the next hour, still over: not again
    store(hosting, DAY + timedelta(days=1), disk=12 * GB)  # the next day, still over
    [event] = events(hosting)
    assert event.data == {
        "day": DAY.isoformat(),
        "over": ["disk"],
        "used_mb": {"disk": 11 * GB},
        "limit_mb": {"disk": "10240.00"},
    }
    assert event.actor is None

    store(hosting, DAY + timedelta(days=2), disk=9 * GB)  # back under
    store(hosting, DAY + timedelta(days=3), disk=11 * GB)  # over again: told again
    assert len(events(hosting)) == 2


def test_over_on_the_first_reading_ever_is_told(hosting):
    store(hosting, disk=11 * GB)
    assert len(events(hosting)) == 1


def test_many_services_are_stored_in_a_fixed_number_of_queries(
    shop, carol_customer, django_assert_num_queries
):
    services = [
        make_service(shop.plans["web-start"], carol_customer, status=ServiceStatus.ACTIVE, domain=f"s{i}.ro")
        for i in range(6)
    ]
    readings = [
        Reading(service, Usage(disk_mb=11 * GB * (i % 2), bandwidth_mb=i))
        for i, service in enumerate(services)
    ]
    with django_assert_num_queries(len(_queries_for(readings))):
        assert store_samples(day=DAY, readings=readings) == 6
    assert UsageSample.objects.filter(day=DAY).count() == 6
    told = AuditEvent.objects.filter(action=OVER, object_id__in=[str(s.pk) for s in services])
    assert told.count() == 3


def _queries_for(readings):
    """Limits, previous readings, the upsert, the events (insert, then the chain's link): the same
    whatever the number of readings. Measured on 1 reading, asserted on 6."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    one = make_service(readings[0].service.plan, readings[0].service.customer, status=ServiceStatus.ACTIVE)
    with CaptureQueriesContext(connection) as captured:
        store_samples(
            day=DAY - timedelta(days=9), readings=[Reading(one, Usage(disk_mb=11 * GB, bandwidth_mb=0))]
        )
    return captured.captured_queries


@pytest.mark.parametrize(
    ("unit", "limit", "quantity", "expected"),
    [
        ("GB", "10", 1, Decimal(10240)),
        ("gib", "1", 3, Decimal(3072)),
        ("MB", "5", 1, Decimal(5)),
        ("TB", "1", 1, Decimal(1048576)),
    ],
)
def test_limits_in_mb(unit, limit, quantity, expected):
    assert metering.limit_of("disk", unit, Decimal(limit), quantity).mb == expected


def test_not_metered_features_and_units_give_no_limit():
    assert metering.limit_of("mailboxes", "", Decimal(5), 1) is None
    assert metering.limit_of("disk", "pcs", Decimal(5), 1) is None
    assert metering.limit_of("bandwidth", "GB", None, 1).mb is None
