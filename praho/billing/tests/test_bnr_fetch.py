"""manage.py bnr_fetch: BNR's rates fetched on demand through the gateway, from the local BNR
(praho/billing/tests/fakes/bnr.py; its saved files end on Friday 2026-11-27, the ten-day file
starts on Monday 2026-11-16). BNR's yearly archives are published to it by each test."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from praho.audit.models import AuditEvent
from praho.billing.models import ExchangeRate, RateSource
from praho.billing.services import fx
from praho.testing.fakes import ERROR

pytestmark = pytest.mark.django_db

D = Decimal
BUCHAREST = ZoneInfo("Europe/Bucharest")
FRIDAY = dt.date(2026, 11, 27)
TEN_BANKING_DAYS = [dt.date(2026, 11, day) for day in (16, 17, 18, 19, 20, 23, 24, 25, 26, 27)]
BNR_DOWN = "BNR's exchange rates could not be fetched; try again later or enter the rate by hand."


@pytest.fixture(autouse=True)
def _national_day_morning():
    """Tuesday 1 December 2026, 10:00 in Bucharest: BNR's last publication was on Friday."""
    with time_machine.travel(dt.datetime(2026, 12, 1, 10, 0, tzinfo=BUCHAREST), tick=True):
        yield


def year_file(*days: tuple[str, str, str]) -> bytes:
    """BNR's yearly archive: a Cube per banking day (date, EUR, USD), as in its daily files."""
    cubes = "".join(
        f'<Cube date="{day}"><Rate currency="EUR">{eur}</Rate><Rate currency="HUF" multiplier="100">'
        f'1.3000</Rate><Rate currency="USD">{usd}</Rate></Cube>'
        for day, eur, usd in days
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<DataSet xmlns="http://www.bnr.ro/xsd"><Header>'
        "<Publisher>National Bank of Romania</Publisher><PublishingDate>2026-11-27</PublishingDate>"
        "<MessageType>DR</MessageType></Header><Body><Subject>Reference rates</Subject>"
        f"<OrigCurrency>RON</OrigCurrency>{cubes}</Body></DataSet>"
    ).encode()


def bnr_fetch(*args: str) -> str:
    output = StringIO()
    call_command("bnr_fetch", *args, stdout=output)
    return output.getvalue().strip()


def rows() -> list[tuple[str, dt.date, Decimal, str]]:
    return [(r.currency, r.date, r.rate, r.source) for r in ExchangeRate.objects.order_by("date", "currency")]


def test_without_options_the_last_banking_day_is_fetched_once(fake_bnr):
    assert bnr_fetch() == "BNR's EUR, USD rates of 2026-11-27: 2 added or changed."
    assert bnr_fetch() == "BNR's EUR, USD rates of 2026-11-27: 0 added or changed."

    assert rows() == [
        ("EUR", FRIDAY, D("5.0915"), RateSource.BNR),
        ("USD", FRIDAY, D("4.3968"), RateSource.BNR),
    ]
    assert [request.path for request in fake_bnr.received] == ["/nbrfxrates.xml"] * 2


def test_days_fetches_the_last_banking_days_from_the_ten_day_file(fake_bnr):
    output = bnr_fetch("--days", "10")

    days = ", ".join(day.isoformat() for day in TEN_BANKING_DAYS)
    assert output == f"BNR's EUR, USD rates of {days}: 20 added or changed."
    assert sorted({row[1] for row in rows()}) == TEN_BANKING_DAYS
    assert bnr_fetch("--days", "3") == (
        "BNR's EUR, USD rates of 2026-11-25, 2026-11-26, 2026-11-27: 0 added or changed."
    )


def test_a_date_fetches_the_rates_that_apply_on_it_as_billing_uses_them(fake_bnr):
    # Monday 30 November (St Andrew): BNR published nothing; Friday's rates apply.
    assert bnr_fetch("--date", "2026-11-30") == "BNR's EUR, USD rates of 2026-11-27: 2 added or changed."

    assert rows() == [
        ("EUR", FRIDAY, D("5.0915"), RateSource.BNR),
        ("USD", FRIDAY, D("4.3968"), RateSource.BNR),
    ]
    assert fx.rate_for("EUR", dt.date(2026, 11, 30)).rate == D("5.0915")


def test_a_date_older_than_ten_banking_days_is_read_from_bnrs_yearly_archive(fake_bnr):
    fake_bnr.publish(
        "/files/xml/years/nbrfxrates2026.xml",
        year_file(("2026-05-29", "5.0510", "4.4020"), ("2026-06-02", "5.0530", "4.4050")),
    )

    # Monday 1 June 2026 is Whit Monday and Children's Day: Friday 29 May's rates apply.
    assert bnr_fetch("--date", "2026-06-01") == "BNR's EUR, USD rates of 2026-05-29: 2 added or changed."

    assert rows() == [
        ("EUR", dt.date(2026, 5, 29), D("5.0510"), RateSource.BNR),
        ("USD", dt.date(2026, 5, 29), D("4.4020"), RateSource.BNR),
    ]


def test_the_first_days_of_january_take_the_last_rates_of_the_year_before(fake_bnr):
    fake_bnr.publish("/files/xml/years/nbrfxrates2026.xml", year_file(("2026-01-05", "5.0800", "4.3500")))
    fake_bnr.publish("/files/xml/years/nbrfxrates2025.xml", year_file(("2025-12-31", "5.0900", "4.3300")))

    assert bnr_fetch("--date", "2026-01-02") == "BNR's EUR, USD rates of 2025-12-31: 2 added or changed."


def test_a_bnr_rate_replaces_a_manual_one_of_that_day_with_an_audit_event(fake_bnr, bill_billing):
    fx.set_manual_rate(actor=bill_billing, currency="EUR", on=FRIDAY, rate="5.1000")

    bnr_fetch()

    assert rows()[0] == ("EUR", FRIDAY, D("5.0915"), RateSource.BNR)
    replaced = AuditEvent.objects.get(action="billing.exchange_rate_replaced")
    assert replaced.data["before"] == {"rate": "5.1000", "source": "manual", "entered_by": str(bill_billing)}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--date", "2026-12-02"), "BNR publishes no rates for a day in the future."),
        (("--date", "1999-12-31"), "Enter a date between 2000-01-01 and 2099-12-31."),
        (("--days", "11"), "Enter a number of banking days from 1 to 10."),
        (("--days", "0"), "Enter a number of banking days from 1 to 10."),
    ],
)
def test_a_day_or_a_number_of_days_out_of_range_is_refused_saying_why(fake_bnr, args, message):
    with pytest.raises(CommandError) as refused:
        bnr_fetch(*args)

    assert str(refused.value) == message
    assert fake_bnr.received == []
    assert rows() == []


def test_a_day_bnr_published_nothing_before_is_refused(fake_bnr):
    fake_bnr.publish("/files/xml/years/nbrfxrates2000.xml", year_file(("2000-01-04", "1.8000", "1.8000")))

    with pytest.raises(CommandError) as refused:
        bnr_fetch("--date", "2000-01-03")  # the earliest year PRAHO takes: no year before to look in

    assert str(refused.value) == "BNR published no exchange rates on or before 3 Jan 2000."
    assert rows() == []


@pytest.mark.parametrize("args", [(), ("--days", "10"), ("--date", "2026-06-01")])
def test_when_bnr_cannot_be_read_nothing_is_stored_and_the_command_says_so(fake_bnr, args):
    fake_bnr.go_down(ERROR)

    with pytest.raises(CommandError) as failed:
        bnr_fetch(*args)

    assert str(failed.value) == BNR_DOWN
    assert rows() == []


def test_both_a_date_and_days_are_refused():
    with pytest.raises(CommandError) as refused:
        bnr_fetch("--date", "2026-11-27", "--days", "2")

    assert "not allowed with argument" in str(refused.value)


def test_a_date_that_is_not_one_is_refused():
    with pytest.raises(CommandError) as refused:
        bnr_fetch("--date", "27.11.2026")

    assert str(refused.value) == "Error: argument --date: not a date (YYYY-MM-DD): '27.11.2026'"
