"""Recurring billing's demo (`manage.py demo`): two dedicated servers renewed by a billing run,
a metered bandwidth item; running the demo again adds nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from praho.recurring.demo import DOMAINS
from praho.recurring.models import BillingRun, MeteredItem, Renewal

pytestmark = pytest.mark.django_db


def _demo(capture) -> str:
    out = StringIO()
    with capture(execute=True):
        call_command("demo", stdout=out)
    return out.getvalue()


def test_the_demo_renews_two_services_once(django_capture_on_commit_callbacks):
    text = _demo(django_capture_on_commit_callbacks)
    assert "Recurring billing: a billing run made 2 renewal documents for 2 services" in text  # two due days
    renewals = Renewal.objects.filter(service__domain__in=DOMAINS)
    assert renewals.count() == 2
    assert MeteredItem.objects.filter(plan__code="vps-s").exists()

    again = _demo(django_capture_on_commit_callbacks)
    assert "the demo renewals are there already" in again
    assert (Renewal.objects.filter(service__domain__in=DOMAINS).count(), BillingRun.objects.count()) == (2, 1)
