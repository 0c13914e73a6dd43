"""collect_usage against FakeVirtualmin (a real HTTP server speaking Virtualmin's remote API): the
day's samples of every active or suspended service, upserted; an account the panel cannot report
skipped, a panel down skipped without stopping the other servers; over-limit flags and staff told
once; the hourly Celery task; a fixed number of queries per server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from praho.audit.models import AuditEvent
from praho.orders.models import ServiceStatus
from praho.provisioning import tasks
from praho.provisioning.gateways import driver_for
from praho.provisioning.gateways.base import AccountRef, AccountSpec, MemorySteps
from praho.provisioning.models import Account, UsageSample
from praho.provisioning.secrets import connection_of
from praho.provisioning.services.usage import CONSECUTIVE_FAILURES, collect_usage
from praho.testing.fakes import HANG_UP, SERVER_ERROR, SLOW, UNAVAILABLE
from praho.testing.fakes.virtualmin import FakeVirtualmin
from praho.testing.provisioning import make_server, make_service

pytestmark = pytest.mark.django_db

SECRET = "virtualmin-secret"
DAY = date(2026, 11, 20)
GB = 1024


@pytest.fixture
def panel_a() -> Iterator[FakeVirtualmin]:
    with FakeVirtualmin() as fake:
        yield fake


@pytest.fixture
def panel_b() -> Iterator[FakeVirtualmin]:
    with FakeVirtualmin() as fake:
        yield fake


@pytest.fixture
def servers(db, panel_a, panel_b):
    return (
        make_server("virtualmin", panel_a.url, username="root", secret=SECRET, name="vm-a"),
        make_server("virtualmin", panel_b.url, username="root", secret=SECRET, name="vm-b"),
    )


@pytest.fixture
def hosted(shop, carol_customer, servers):
    """Services on the panels, made there through the driver: name -> service."""

    def host(domain, server, status=ServiceStatus.ACTIVE, **fields):
        service = make_service(
            shop.plans["web-start"], carol_customer, domain=domain, status=status, **fields
        )
        name = domain.split(".")[0]
        spec = AccountSpec(name, domain, "Acct-pass-42.x", "carol@customer.test", {"package": "start"})
        created = driver_for(connection_of(server)).create(spec, MemorySteps())
        Account.objects.create(service=service, server=server, username=name, external_id=created.external_id)
        return service

    return host


def sample_of(service):
    return UsageSample.objects.get(service=service, day=DAY)


def test_every_live_service_gets_the_days_sample_from_its_panel(panel_a, panel_b, servers, hosted):
    one, two = hosted("one.ro", servers[0]), hosted("two.ro", servers[0])
    three = hosted("three.ro", servers[1], status=ServiceStatus.SUSPENDED)
    gone = hosted("gone.ro", servers[1], status=ServiceStatus.TERMINATED)
    panel_a.set_usage("one.ro", disk_mb=300, bandwidth_mb=1200)
    panel_a.set_usage("two.ro", disk_mb=5)
    panel_b.set_usage("three.ro", disk_mb=7 * GB, bandwidth_mb=9)

    assert collect_usage(day=DAY) == 3

    assert (sample_of(one).disk_mb, sample_of(one).bandwidth_mb) == (300, 1200)
    assert (sample_of(two).disk_mb, sample_of(two).bandwidth_mb) == (5, 0)
    assert (sample_of(three).disk_mb, sample_of(three).over_limit) == (7 * GB, [])
    assert not UsageSample.objects.filter(service=gone).exists()


def test_collecting_twice_a_day_keeps_one_sample_with_the_last_reading(panel_a, servers, hosted):
    one = hosted("one.ro", servers[0])
    panel_a.set_usage("one.ro", disk_mb=100)
    collect_usage(day=DAY)
    panel_a.set_usage("one.ro", disk_mb=150, bandwidth_mb=3)

    collect_usage(day=DAY)

    assert UsageSample.objects.filter(service=one).count() == 1
    assert (sample_of(one).disk_mb, sample_of(one).bandwidth_mb) == (150, 3)


def test_a_panel_down_is_skipped_and_the_other_servers_are_collected(panel_a, panel_b, servers, hosted):
    one = hosted("one.ro", servers[0])
    three = hosted("three.ro", servers[1])
    panel_a.go_down(HANG_UP)
    panel_b.set_usage("three.ro", disk_mb=42)

    assert collect_usage(day=DAY) == 1

    assert not UsageSample.objects.filter(service=one).exists()
    assert sample_of(three).disk_mb == 42


def test_a_slow_panel_times_out_and_is_skipped(panel_a, panel_b, servers, hosted, settings):
    settings.PROVISIONING_HTTP_TIMEOUT = 1.5  # the slow fake answers after 5 s; the other in time
    hosted("one.ro", servers[0])
    three = hosted("three.ro", servers[1])
    panel_a.go_down(SLOW)

    assert collect_usage(day=DAY) == 1
    assert UsageSample.objects.filter(service=three).exists()


def test_an_account_the_panel_does_not_know_is_skipped_and_its_neighbours_collected(panel_a, servers, hosted):
    lost, kept = hosted("lost.ro", servers[0]), hosted("kept.ro", servers[0])
    account = Account.objects.get(service=lost)
    driver_for(connection_of(servers[0])).terminate(
        AccountRef(account.username, account.external_id, "lost.ro")
    )
    panel_a.set_usage("kept.ro", disk_mb=8)

    assert collect_usage(day=DAY) == 1
    assert sample_of(kept).disk_mb == 8
    assert not UsageSample.objects.filter(service=lost).exists()


def test_one_failed_answer_skips_only_that_account(panel_a, servers, hosted):
    first, second = hosted("first.ro", servers[0]), hosted("second.ro", servers[0])
    panel_a.fail_next("list-domains", SERVER_ERROR)

    assert collect_usage(day=DAY) == 1
    assert not UsageSample.objects.filter(service=first).exists()
    assert UsageSample.objects.filter(service=second).exists()


def test_a_panel_failing_again_and_again_is_left_after_a_few_accounts(panel_a, servers, hosted):
    for index in range(CONSECUTIVE_FAILURES + 3):
        hosted(f"s{index}.ro", servers[0])
    panel_a.fail_next("remote.cgi", UNAVAILABLE, times=100)
    before = panel_a.request_count

    assert collect_usage(day=DAY) == 0
    asked = panel_a.request_count - before
    assert 0 < asked <= CONSECUTIVE_FAILURES * 3  # a few tries per account at most, not every account


def test_over_the_disk_limit_is_flagged_and_told_once(panel_a, servers, hosted):
    one = hosted("one.ro", servers[0])  # web-start: 10 GB of disk
    panel_a.set_usage("one.ro", disk_mb=10 * GB + 1)

    collect_usage(day=DAY)
    collect_usage(day=DAY)
    collect_usage(day=DAY + timedelta(days=1))

    assert sample_of(one).over_limit == ["disk"]
    told = AuditEvent.objects.filter(action="provisioning.usage_over_limit", object_id=str(one.pk))
    assert told.count() == 1


def test_the_hourly_task_collects_today(panel_a, servers, hosted):
    one = hosted("one.ro", servers[0])
    panel_a.set_usage("one.ro", disk_mb=77)

    tasks.collect_usage.delay()

    assert UsageSample.objects.get(service=one).disk_mb == 77


def test_the_task_is_scheduled_hourly(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["provisioning.collect_usage"]
    assert entry["task"] == tasks.collect_usage.name == "provisioning.collect_usage"
    assert entry["schedule"].hour == set(range(24))
    assert len(entry["schedule"].minute) == 1


@pytest.mark.parametrize("count", [1, 5])
def test_a_server_costs_a_fixed_number_of_queries(panel_a, servers, hosted, django_assert_num_queries, count):
    for index in range(count):
        hosted(f"s{index}.ro", servers[0])
    # the servers, the server's accounts, then the samples' four (limits, previous readings, the
    # upsert, the audit events: none here) in their transaction (a savepoint in a test: two more)
    with django_assert_num_queries(7):
        assert collect_usage(day=DAY) == count
