"""Exchange rates: BNR's files read from a local copy of its feed, stored idempotently,
manual rates for days BNR has not published, and conversion to RON.

The saved feeds (tests/data/) end on Friday 2026-11-27. Monday 30 November (St
Andrew) and Tuesday 1 December (National Day) are public holidays, when BNR
publishes nothing. The daily file declares BNR's newer https namespace, the
ten-day file the older http one, so both are read.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from celery.result import EagerResult
from django.conf import settings
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from praho.audit.models import AuditEvent
from praho.billing.gateways import bnr
from praho.billing.models import ExchangeRate, RateSource
from praho.billing.services import fx
from praho.billing.tasks import fetch_bnr_rates as fetch_bnr_rates_task
from praho.billing.tests.fakes.bnr import DAILY_PATH, DATA, TEN_DAYS_PATH
from praho.celery import app
from praho.testing.fakes import ERROR, GARBAGE, HANG_UP, SLOW

BUCHAREST = ZoneInfo("Europe/Bucharest")
FRIDAY = dt.date(2026, 11, 27)
THURSDAY = dt.date(2026, 11, 26)
SATURDAY, SUNDAY = dt.date(2026, 11, 28), dt.date(2026, 11, 29)
ST_ANDREW, NATIONAL_DAY = dt.date(2026, 11, 30), dt.date(2026, 12, 1)
WEDNESDAY = dt.date(2026, 12, 2)
TEN_BANKING_DAYS = [dt.date(2026, 11, day) for day in (16, 17, 18, 19, 20, 23, 24, 25, 26, 27)]
BNR_DOWN = "BNR's exchange rates could not be fetched; try again later or enter the rate by hand."


@pytest.fixture(autouse=True)
def _national_day_morning():
    """Tuesday 1 December 2026, 10:00 in Bucharest: BNR's last publication was on Friday."""
    with time_machine.travel(dt.datetime(2026, 12, 1, 10, 0, tzinfo=BUCHAREST), tick=True):
        yield


def _rows() -> list[tuple[str, dt.date, Decimal, str]]:
    return [
        (row.currency, row.date, row.rate, row.source)
        for row in ExchangeRate.objects.order_by("date", "currency")
    ]


def _feed(*, namespace: str = "http://www.bnr.ro/xsd", header: str = "", body: str = "") -> bytes:
    header = header or (
        "<Publisher>National Bank of Romania</Publisher>"
        "<PublishingDate>2026-11-27</PublishingDate><MessageType>DR</MessageType>"
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<DataSet xmlns="{namespace}"><Header>{header}</Header>'
        f"<Body><Subject>Reference rates</Subject><OrigCurrency>RON</OrigCurrency>{body}</Body></DataSet>"
    ).encode()


def _errors(caught: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[tuple[str | None, str]]]:
    return {
        field: [
            (error.code, message)
            for error, message in zip(errors, ValidationError(errors).messages, strict=True)
        ]
        for field, errors in caught.value.error_dict.items()
    }


# --- the gateway ------------------------------------------------------------


def test_the_daily_file_is_read_with_its_day_and_every_currency():
    feed = bnr.parse((DATA / "nbrfxrates.xml").read_bytes())

    assert feed.publishing_date == FRIDAY
    assert feed.days == [FRIDAY]
    assert len(feed.rates) == 37
    assert feed.rate("EUR", FRIDAY) == bnr.BnrRate("EUR", FRIDAY, Decimal("5.0915"), 1)
    assert feed.rate("USD", FRIDAY) == bnr.BnrRate("USD", FRIDAY, Decimal("4.3968"), 1)


def test_a_rate_quoted_per_100_units_is_divided_down_to_one_unit():
    feed = bnr.parse((DATA / "nbrfxrates.xml").read_bytes())

    huf, jpy = feed.rate("HUF", FRIDAY), feed.rate("JPY", FRIDAY)

    assert huf == bnr.BnrRate("HUF", FRIDAY, Decimal("1.3187"), 100)
    assert (huf.per_unit, jpy.per_unit) == (Decimal("0.013187"), Decimal("0.028360"))


def test_the_ten_day_file_holds_the_last_ten_banking_days():
    feed = bnr.parse((DATA / "nbrfxrates10days.xml").read_bytes())

    assert feed.publishing_date == FRIDAY
    assert feed.days == TEN_BANKING_DAYS
    assert len(feed.rates) == 370
    assert [feed.rate("EUR", day).value for day in (dt.date(2026, 11, 16), THURSDAY, FRIDAY)] == [
        Decimal("5.0871"),
        Decimal("5.0913"),
        Decimal("5.0915"),
    ]


def test_a_currency_not_quoted_that_day_is_skipped():
    feed = bnr.parse(
        _feed(body='<Cube date="2026-11-27"><Rate currency="EUR">5.0915</Rate><Rate currency="XDR"/></Cube>')
    )

    assert feed.rates == (bnr.BnrRate("EUR", FRIDAY, Decimal("5.0915"), 1),)


def test_the_feed_is_asked_for_with_a_get_to_its_url(fake_bnr):
    feed = bnr.fetch_daily()

    assert feed.days == [FRIDAY]
    [received] = fake_bnr.received
    assert (received.method, received.path) == ("GET", DAILY_PATH)
    assert received.headers["user-agent"] == "PRAHO (hosting billing platform)"


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"<html><body>Mentenanta</body></html>", id="an HTML page"),
        pytest.param(b"", id="nothing"),
        pytest.param(b'<DataSet xmlns="http://example.com/xsd"><Body/></DataSet>', id="another namespace"),
        pytest.param(_feed(), id="no rates"),
        pytest.param(
            _feed(header="<Publisher>National Bank of Romania</Publisher>"),
            id="no publishing date",
        ),
        pytest.param(
            _feed(body='<Cube date="27.11.2026"><Rate currency="EUR">5.0915</Rate></Cube>'),
            id="a day that is not a date",
        ),
        pytest.param(
            _feed(body='<Cube date="2026-11-27"><Rate currency="EUR">5,0915</Rate></Cube>'),
            id="a rate that is not a number",
        ),
        pytest.param(
            _feed(body='<Cube date="2026-11-27"><Rate currency="EUR">-5.0915</Rate></Cube>'),
            id="a negative rate",
        ),
        pytest.param(
            _feed(body='<Cube date="2026-11-27"><Rate currency="HUF" multiplier="0">1.3</Rate></Cube>'),
            id="a zero multiplier",
        ),
        pytest.param(
            b'<?xml version="1.0"?>\n<!DOCTYPE DataSet [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n'
            b'<DataSet xmlns="http://www.bnr.ro/xsd"><Header><PublishingDate>2026-11-27</PublishingDate>'
            b'</Header><Body><Cube date="2026-11-27"><Rate currency="EUR">&secret;</Rate></Cube></Body>'
            b"</DataSet>",
            id="a document type with an external entity",
        ),
    ],
)
def test_a_document_that_is_not_bnrs_feed_is_refused_as_unavailable(content):
    with pytest.raises(bnr.UnavailableError) as caught:
        bnr.parse(content)

    assert str(caught.value) == BNR_DOWN


# --- storing BNR's rates ----------------------------------------------------


@pytest.mark.django_db
def test_fetching_stores_ten_banking_days_of_eur_and_usd(fake_bnr):
    assert fx.fetch_bnr_rates() == 20

    assert ExchangeRate.objects.count() == 20
    assert sorted({row.date for row in ExchangeRate.objects.all()}) == TEN_BANKING_DAYS
    assert _rows()[-2:] == [
        ("EUR", FRIDAY, Decimal("5.0915"), RateSource.BNR),
        ("USD", FRIDAY, Decimal("4.3968"), RateSource.BNR),
    ]
    assert ExchangeRate.objects.filter(entered_by__isnull=False).count() == 0
    assert [received.path for received in fake_bnr.received] == [TEN_DAYS_PATH]


@pytest.mark.django_db
def test_fetching_again_changes_nothing(fake_bnr):
    fx.fetch_bnr_rates()
    before = list(ExchangeRate.objects.order_by("pk").values())

    assert fx.fetch_bnr_rates() == 0
    assert fx.fetch_bnr_rates(ten_days=False) == 0

    assert list(ExchangeRate.objects.order_by("pk").values()) == before
    assert AuditEvent.objects.count() == 0


@pytest.mark.django_db
def test_fetching_only_the_last_banking_day_reads_the_daily_file(fake_bnr):
    assert fx.fetch_bnr_rates(ten_days=False) == 2

    assert _rows() == [
        ("EUR", FRIDAY, Decimal("5.0915"), RateSource.BNR),
        ("USD", FRIDAY, Decimal("4.3968"), RateSource.BNR),
    ]
    assert [received.path for received in fake_bnr.received] == [DAILY_PATH]


@pytest.mark.django_db
@pytest.mark.parametrize("mode", [HANG_UP, SLOW, ERROR, GARBAGE])
def test_an_unreachable_feed_leaves_the_stored_rates_and_raises(fake_bnr, mode):
    fx.fetch_bnr_rates()
    before = list(ExchangeRate.objects.order_by("pk").values())
    fake_bnr.go_down(mode)

    with pytest.raises(bnr.UnavailableError) as caught:
        fx.fetch_bnr_rates()

    assert str(caught.value) == BNR_DOWN
    assert list(ExchangeRate.objects.order_by("pk").values()) == before


@pytest.mark.django_db
def test_a_feed_that_was_never_configured_to_a_fake_is_refused_at_once():
    # settings.test points BNR at port 9: nothing listens there, so no test reaches BNR.
    with pytest.raises(bnr.UnavailableError):
        fx.fetch_bnr_rates()

    assert ExchangeRate.objects.count() == 0


@pytest.mark.django_db
def test_bnr_correcting_a_rate_it_published_updates_it_and_is_audited(fake_bnr):
    fx.fetch_bnr_rates()
    corrected = fake_bnr.files[TEN_DAYS_PATH].replace(
        b'<Rate currency="EUR">5.0915</Rate>', b'<Rate currency="EUR">5.0917</Rate>'
    )
    fake_bnr.publish(TEN_DAYS_PATH, corrected)

    assert fx.fetch_bnr_rates() == 1

    assert fx.rate_for("EUR", FRIDAY).rate == Decimal("5.0917")
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.object_type) == (
        "billing.exchange_rate_replaced",
        None,
        "billing.exchangerate",
    )
    assert event.data == {
        "currency": "EUR",
        "date": "2026-11-27",
        "before": {"rate": "5.0915", "source": "bnr"},
        "after": {"rate": "5.0917", "source": "bnr"},
    }


# --- the rate of a day ------------------------------------------------------


@pytest.mark.django_db
def test_a_banking_day_uses_its_own_rate(fake_bnr):
    fx.fetch_bnr_rates()

    rate = fx.rate_for("EUR", THURSDAY)

    assert (rate.date, rate.rate, rate.source) == (THURSDAY, Decimal("5.0913"), RateSource.BNR)


@pytest.mark.django_db
@pytest.mark.parametrize("day", [SATURDAY, SUNDAY, ST_ANDREW, NATIONAL_DAY])
def test_a_weekend_and_the_holidays_after_it_use_fridays_rate(fake_bnr, day):
    fx.fetch_bnr_rates()

    eur, usd = fx.rate_for("EUR", day), fx.rate_for("USD", day)

    assert (eur.date, eur.rate) == (FRIDAY, Decimal("5.0915"))
    assert (usd.date, usd.rate) == (FRIDAY, Decimal("4.3968"))


@pytest.mark.django_db
def test_a_day_before_any_rate_is_refused_naming_the_currency(fake_bnr):
    fx.fetch_bnr_rates()

    with pytest.raises(ValidationError) as caught:
        fx.rate_for("EUR", dt.date(2026, 11, 13))

    assert _errors(caught) == {
        "currency": [
            (
                "no_exchange_rate",
                "There is no BNR exchange rate for EUR on or before 13 Nov 2026; "
                "fetch BNR's rates or enter the rate by hand.",
            )
        ]
    }


@pytest.mark.django_db
def test_ron_has_no_exchange_rate():
    with pytest.raises(ValidationError) as caught:
        fx.rate_for("RON", FRIDAY)

    assert _errors(caught) == {
        "currency": [("invalid_choice", "There is no exchange rate for RON; choose one of EUR, USD.")]
    }


# --- manual rates -----------------------------------------------------------


@pytest.mark.django_db
def test_a_manual_rate_for_a_holiday_counts_that_day_and_until_bnr_publishes_again(fake_bnr, bill_billing):
    fx.fetch_bnr_rates()

    entered = fx.set_manual_rate(actor=bill_billing, currency="EUR", on=NATIONAL_DAY, rate=Decimal("5.0950"))

    assert (entered.currency, entered.date, entered.rate, entered.source, entered.entered_by) == (
        "EUR",
        NATIONAL_DAY,
        Decimal("5.0950"),
        RateSource.MANUAL,
        bill_billing,
    )
    assert fx.rate_for("EUR", NATIONAL_DAY) == entered
    assert fx.rate_for("EUR", ST_ANDREW).rate == Decimal("5.0915")  # the day before: still Friday's
    assert fx.rate_for("USD", NATIONAL_DAY).rate == Decimal("4.3968")  # another currency: Friday's
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.object_id) == (
        "billing.exchange_rate_set",
        bill_billing,
        str(entered.pk),
    )
    assert event.data == {"currency": "EUR", "date": "2026-12-01", "rate": "5.0950"}


@pytest.mark.django_db
def test_staff_may_correct_a_manual_rate_and_the_correction_is_audited(bill_billing, alice_admin):
    first = fx.set_manual_rate(actor=bill_billing, currency="USD", on=NATIONAL_DAY, rate="4.4000")

    corrected = fx.set_manual_rate(actor=alice_admin, currency="USD", on=NATIONAL_DAY, rate="4.4010")
    fx.set_manual_rate(actor=alice_admin, currency="USD", on=NATIONAL_DAY, rate="4.401")  # the same again

    assert corrected.pk == first.pk
    assert _rows() == [("USD", NATIONAL_DAY, Decimal("4.4010"), RateSource.MANUAL)]
    assert ExchangeRate.objects.get().entered_by == alice_admin
    assert list(AuditEvent.objects.order_by("id").values_list("action", "actor__email", "data")) == [
        (
            "billing.exchange_rate_set",
            "bill@staff.test",
            {"currency": "USD", "date": "2026-12-01", "rate": "4.4000"},
        ),
        (
            "billing.exchange_rate_changed",
            "alice@staff.test",
            {
                "currency": "USD",
                "date": "2026-12-01",
                "before": {"rate": "4.4000"},
                "after": {"rate": "4.4010"},
            },
        ),
    ]


@pytest.mark.django_db
def test_a_rate_bnr_published_cannot_be_replaced_by_hand(fake_bnr, bill_billing):
    fx.fetch_bnr_rates()

    with pytest.raises(ValidationError) as caught:
        fx.set_manual_rate(actor=bill_billing, currency="EUR", on=FRIDAY, rate="5.1000")

    assert _errors(caught) == {
        "on": [
            (
                "bnr_published",
                "BNR has published the EUR rate for 27 Nov 2026 (5.0915 RON); "
                "a rate BNR published cannot be replaced by hand.",
            )
        ]
    }
    assert fx.rate_for("EUR", FRIDAY).rate == Decimal("5.0915")
    assert AuditEvent.objects.count() == 0


@pytest.mark.django_db
def test_bnr_publishing_a_day_that_has_a_manual_rate_replaces_it_and_is_audited(fake_bnr, bill_billing):
    # BNR's feed could not be reached on Friday afternoon, so billing entered its rate by hand.
    manual = fx.set_manual_rate(actor=bill_billing, currency="EUR", on=FRIDAY, rate="5.0900")

    assert fx.fetch_bnr_rates() == 20

    replaced = ExchangeRate.objects.get(currency="EUR", date=FRIDAY)
    assert (replaced.pk, replaced.rate, replaced.source, replaced.entered_by) == (
        manual.pk,
        Decimal("5.0915"),
        RateSource.BNR,
        None,
    )
    event = AuditEvent.objects.get(action="billing.exchange_rate_replaced")
    assert (event.actor, event.object_id) == (None, str(manual.pk))
    assert event.data == {
        "currency": "EUR",
        "date": "2026-11-27",
        "before": {"rate": "5.0900", "source": "manual", "entered_by": "bill@staff.test"},
        "after": {"rate": "5.0915", "source": "bnr"},
    }
    assert fx.fetch_bnr_rates() == 0
    assert AuditEvent.objects.count() == 2  # set by hand, replaced by BNR


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field", "code", "message"),
    [
        ({"currency": "RON"}, "currency", "invalid_choice", "Choose one of EUR, USD."),
        ({"currency": "GBP"}, "currency", "invalid_choice", "Choose one of EUR, USD."),
        ({"rate": "0"}, "rate", "min_value", "The rate must be greater than zero."),
        ({"rate": Decimal("-5.0915")}, "rate", "min_value", "The rate must be greater than zero."),
        ({"rate": "5.09155"}, "rate", "max_decimal_places", "Enter at most 4 decimals, as BNR publishes."),
        ({"rate": "abc"}, "rate", "invalid", "Enter a number, such as 5.0915."),
        ({"rate": ""}, "rate", "invalid", "Enter a number, such as 5.0915."),
        ({"rate": Decimal("Infinity")}, "rate", "invalid", "Enter a number, such as 5.0915."),
        ({"rate": "1000000"}, "rate", "max_value", "The rate can be at most 999999.9999 RON."),
        ({"on": WEDNESDAY}, "on", "future", "A rate cannot be entered for a day in the future."),
    ],
)
def test_bad_manual_input_is_refused_naming_the_field(bill_billing, changes, field, code, message):
    arguments = {"currency": "EUR", "on": NATIONAL_DAY, "rate": "5.0950"} | changes

    with pytest.raises(ValidationError) as caught:
        fx.set_manual_rate(actor=bill_billing, **arguments)

    assert _errors(caught) == {field: [(code, message)]}
    assert ExchangeRate.objects.count() == 0
    assert AuditEvent.objects.count() == 0


@pytest.mark.django_db
def test_every_bad_field_is_named_at_once(bill_billing):
    with pytest.raises(ValidationError) as caught:
        fx.set_manual_rate(actor=bill_billing, currency="GBP", on=WEDNESDAY, rate="-1")

    assert sorted(_errors(caught)) == ["currency", "on", "rate"]


@pytest.mark.django_db
def test_a_trailing_zero_is_not_a_fifth_decimal(bill_billing):
    entered = fx.set_manual_rate(actor=bill_billing, currency="EUR", on=NATIONAL_DAY, rate="5.09150")

    entered.refresh_from_db()
    assert entered.rate == Decimal("5.0915")


# --- conversion to RON ------------------------------------------------------


@pytest.mark.django_db
def test_to_ron_uses_the_rate_of_the_day_or_the_last_before_it(fake_bnr):
    fx.fetch_bnr_rates()

    assert fx.to_ron(Decimal("121.00"), "EUR", FRIDAY) == Decimal("616.07")  # 616.0715
    assert fx.to_ron(Decimal("121.00"), "EUR", SUNDAY) == Decimal("616.07")
    assert fx.to_ron(Decimal("121.00"), "EUR", THURSDAY) == Decimal("616.05")  # 616.0473
    assert fx.to_ron(Decimal("19.00"), "USD", FRIDAY) == Decimal("83.54")  # 83.5392


@pytest.mark.django_db
def test_to_ron_rounds_half_up_once(bill_billing):
    fx.set_manual_rate(actor=bill_billing, currency="USD", on=NATIONAL_DAY, rate="4.5")

    assert fx.to_ron(Decimal("0.01"), "USD", NATIONAL_DAY) == Decimal("0.05")  # 0.045: half up, not to even
    assert fx.to_ron(Decimal("-0.01"), "USD", NATIONAL_DAY) == Decimal("-0.05")  # half away from zero
    assert fx.to_ron(Decimal("0.03"), "USD", NATIONAL_DAY) == Decimal("0.14")  # 0.135


@pytest.mark.django_db
def test_a_ron_amount_is_only_rounded():
    assert fx.to_ron(Decimal("10.005"), "RON", FRIDAY) == Decimal("10.01")


@given(
    amount=st.decimals(min_value=Decimal("-1000000"), max_value=Decimal("1000000"), places=2),
    rate=st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("1000"), places=4),
)
def test_a_ron_value_is_the_exact_product_rounded_to_the_nearest_cent(amount, rate):
    value = fx.ron_value(amount, rate)

    assert value.as_tuple().exponent == -2
    assert abs(value - amount * rate) <= Decimal("0.005")
    assert fx.ron_value(-amount, rate) == -value


# --- the Celery task --------------------------------------------------------


@pytest.mark.django_db
def test_the_task_runs_in_process_without_a_broker_and_is_idempotent(fake_bnr):
    result = fetch_bnr_rates_task.delay()

    assert isinstance(result, EagerResult)
    assert result.get(timeout=1) == 20
    assert fetch_bnr_rates_task.delay().get(timeout=1) == 0
    assert ExchangeRate.objects.count() == 20


@pytest.mark.django_db
def test_the_task_fails_and_stores_nothing_when_bnr_is_down(fake_bnr):
    fake_bnr.go_down(ERROR)

    with pytest.raises(bnr.UnavailableError):
        fetch_bnr_rates_task.delay()

    assert ExchangeRate.objects.count() == 0


def test_the_task_has_time_limits_and_a_stable_name():
    task = app.tasks["billing.fetch_bnr_rates"]

    assert (task.name, task.soft_time_limit, task.time_limit) == ("billing.fetch_bnr_rates", 60, 90)


@pytest.mark.parametrize("season", [dt.date(2026, 1, 14), dt.date(2026, 7, 15)], ids=["winter", "summer"])
def test_the_task_is_scheduled_on_weekdays_after_bnr_publishes(season):
    entry = settings.CELERY_BEAT_SCHEDULE["billing.fetch_bnr_rates"]
    schedule = entry["schedule"]

    assert entry["task"] == "billing.fetch_bnr_rates"
    assert settings.CELERY_TIMEZONE == "UTC"
    assert schedule.day_of_week == {1, 2, 3, 4, 5}
    local_times = [
        dt.datetime.combine(season, dt.time(hour, minute), tzinfo=dt.UTC).astimezone(BUCHAREST).time()
        for hour in sorted(schedule.hour)
        for minute in sorted(schedule.minute)
    ]
    expected = {"winter": ["13:30", "15:30"], "summer": ["14:30", "16:30"]}
    assert [time.strftime("%H:%M") for time in local_times] == expected[
        "winter" if season.month == 1 else "summer"
    ]
