"""Fixtures and helpers of the usage billing tests: a plan with metered items, services on it
and their daily usage samples (praho.provisioning.models.UsageSample), and a renewal document."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from praho.billing.models import Document
from praho.billing.services.drafts import create_document
from praho.billing.tests.conftest import billing_ready  # noqa: F401 (a fixture)
from praho.catalog.models import Plan
from praho.customers.models import Customer
from praho.orders.models import Service, ServiceStatus
from praho.provisioning.models import UsageSample
from praho.recurring.models import MeteredItem
from praho.testing.shop import Shop, build_shop

GB = 1024  # MB


@pytest.fixture
def shop(db, billing_ready) -> Shop:
    return build_shop()


@pytest.fixture
def vps(shop) -> Plan:
    return shop.plans["vps-s"]


def metered(plan: Plan, measure: str = "bandwidth_gb", **values: Any) -> MeteredItem:
    values = {"currency": "RON", "billed_from": date(2000, 1, 1), **values}
    return MeteredItem.objects.create(plan=plan, measure=measure, **values)


def service(
    customer: Customer, plan: Plan, *, anchor: date, cycle: str = "monthly", **values: Any
) -> Service:
    values = {
        "status": ServiceStatus.ACTIVE,
        "price": Decimal("100.00"),
        "list_price": Decimal("100.00"),
        "currency": "RON",
        "next_due_date": anchor,
        **values,
    }
    return Service.objects.create(customer=customer, plan=plan, cycle=cycle, billing_anchor=anchor, **values)


def sample(service: Service, day: date, *, disk: int = 0, bandwidth: int = 0) -> UsageSample:
    """The day's sample (MB), created or updated in place as collection does."""
    found, _created = UsageSample.objects.update_or_create(
        service=service,
        day=day,
        defaults={"disk_mb": disk, "bandwidth_mb": bandwidth, "collected_at": timezone.now()},
    )
    return found


def daily(service: Service, first: date, last: date, *, disk: int = 0, bandwidth_per_day: int = 0) -> None:
    """A sample every day from `first` to `last`, bandwidth counted per calendar month."""
    rows, day, month_total = [], first, 0
    while day <= last:
        month_total = bandwidth_per_day if day.day == 1 or day == first else month_total + bandwidth_per_day
        rows.append(
            UsageSample(
                service=service, day=day, disk_mb=disk, bandwidth_mb=month_total, collected_at=timezone.now()
            )
        )
        day += timedelta(days=1)
    UsageSample.objects.bulk_create(rows)


@pytest.fixture
def renewal_document(bill_billing, carol_customer, billing_ready) -> Document:
    line = {
        "description": "VPS S: 15.02.2027 \u2013 14.03.2027",
        "quantity": "1",
        "unit_code": "MON",
        "unit_price": "100",
    }
    return create_document(
        actor=bill_billing, document_type="proforma", customer=carol_customer, lines=[line]
    )
