"""/api/v1/exchange-rates/: the rates every signed-in user may read (public data), filtered by
currency and by the day they apply on as billing uses them; a manual rate entered by staff who
may, through the staff page's service, rules and audit event."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from rest_framework.test import APIClient

from praho.audit.models import AuditEvent
from praho.billing.gateways.bnr import BnrRate
from praho.billing.models import ExchangeRate
from praho.billing.models.fx import rate_text
from praho.billing.services import fx
from praho.testing.api import DENIED, bearer, error_of, invalid, refused

pytestmark = pytest.mark.django_db

D = Decimal
URL = "/api/v1/exchange-rates/"
BUCHAREST = ZoneInfo("Europe/Bucharest")
THURSDAY, FRIDAY = dt.date(2026, 11, 26), dt.date(2026, 11, 27)
ST_ANDREW, NATIONAL_DAY = dt.date(2026, 11, 30), dt.date(2026, 12, 1)  # BNR publishes nothing


@pytest.fixture(autouse=True)
def _national_day_morning():
    """Tuesday 1 December 2026, 10:00 in Bucharest: BNR's last publication was on Friday."""
    with time_machine.travel(dt.datetime(2026, 12, 1, 10, 0, tzinfo=BUCHAREST), tick=False):
        yield


@pytest.fixture
def rates(bill_billing):
    """BNR's EUR and USD of Thursday and Friday, and EUR entered by hand for the National Day."""
    fx.store_bnr_rates(
        [
            BnrRate("EUR", THURSDAY, D("5.0913"), 1),
            BnrRate("USD", THURSDAY, D("4.4012"), 1),
            BnrRate("EUR", FRIDAY, D("5.0915"), 1),
            BnrRate("USD", FRIDAY, D("4.3968"), 1),
        ]
    )
    fx.set_manual_rate(actor=bill_billing, currency="EUR", on=NATIONAL_DAY, rate="5.1000")


def row(currency: str, day: dt.date, rate: str, source: str = "bnr") -> dict[str, str]:
    return {"currency": currency, "date": day.isoformat(), "rate": rate, "source": source}


def listed(user, **query: str) -> list[dict[str, str]]:
    response = bearer(user).get(URL, query)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def stored() -> tuple[list[tuple[str, dt.date, Decimal, str]], int]:
    rows = ExchangeRate.objects.order_by("date", "currency").values_list("currency", "date", "rate", "source")
    return list(rows), AuditEvent.objects.count()


# --- reading ----------------------------------------------------------------------------------


@pytest.mark.parametrize("reader", ["carol", "dave", "sue_support", "sam_sales"])
def test_every_signed_in_user_reads_the_rates_newest_day_first(request, rates, reader):
    response = bearer(request.getfixturevalue(reader)).get(URL)

    assert response.status_code == 200
    assert response.json() == {
        "count": 5,
        "next": None,
        "previous": None,
        "results": [
            row("EUR", NATIONAL_DAY, "5.1000", "manual"),
            row("EUR", FRIDAY, "5.0915"),
            row("USD", FRIDAY, "4.3968"),
            row("EUR", THURSDAY, "5.0913"),
            row("USD", THURSDAY, "4.4012"),
        ],
    }


def test_the_currency_filter_keeps_one_currency(carol, rates):
    assert listed(carol, currency="USD") == [row("USD", FRIDAY, "4.3968"), row("USD", THURSDAY, "4.4012")]


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (FRIDAY, [row("EUR", FRIDAY, "5.0915"), row("USD", FRIDAY, "4.3968")]),
        # St Andrew: no rate that day, Friday's apply.
        (ST_ANDREW, [row("EUR", FRIDAY, "5.0915"), row("USD", FRIDAY, "4.3968")]),
        # The National Day: EUR was entered by hand, USD is still Friday's.
        (NATIONAL_DAY, [row("EUR", NATIONAL_DAY, "5.1000", "manual"), row("USD", FRIDAY, "4.3968")]),
        (THURSDAY, [row("EUR", THURSDAY, "5.0913"), row("USD", THURSDAY, "4.4012")]),
        (dt.date(2026, 11, 25), []),  # before any rate: billing has none either
    ],
)
def test_with_a_date_each_currency_has_the_rate_billing_uses_on_that_day(carol, rates, day, expected):
    assert listed(carol, date=day.isoformat()) == expected
    for shown in expected:
        used = fx.rate_for(shown["currency"], day)
        assert (used.date.isoformat(), rate_text(used.rate)) == (shown["date"], shown["rate"])


def test_the_date_and_currency_filters_combine(carol, rates):
    assert listed(carol, date=ST_ANDREW.isoformat(), currency="EUR") == [row("EUR", FRIDAY, "5.0915")]


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ({"currency": "RON"}, {"currency": ['"RON" is not a valid choice.']}),
        ({"date": "1999-12-31"}, {"date": ["Enter a date between 2000-01-01 and 2099-12-31."]}),
        (
            {"date": "30.11.2026"},
            {"date": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]},
        ),
    ],
)
def test_a_bad_filter_is_refused_naming_the_field(carol, rates, query, fields):
    response = bearer(carol).get(URL, query)

    assert response.status_code == 400
    assert error_of(response) == invalid(fields)


def test_the_list_runs_a_fixed_number_of_queries(carol, bill_billing, django_assert_num_queries):
    fx.store_bnr_rates(
        BnrRate(currency, FRIDAY - dt.timedelta(days=offset), D("5.0000") + offset, 1)
        for offset in range(80)
        for currency in ("EUR", "USD")
    )
    client = bearer(carol)

    # The user (JWT), the page's count, the page's rows.
    with django_assert_num_queries(3):
        response = client.get(URL)
    # The same three with a date: the rate in force per currency is a subquery of the page's query.
    with django_assert_num_queries(3):
        in_force = client.get(URL, {"date": ST_ANDREW.isoformat()})

    assert (response.json()["count"], len(response.json()["results"])) == (160, 50)
    assert [item["date"] for item in in_force.json()["results"]] == [FRIDAY.isoformat()] * 2


def test_reading_needs_a_signed_in_user(rates):
    response = APIClient().get(URL)

    assert response.status_code == 401
    assert error_of(response)["code"] == "not_authenticated"


# --- entering a rate by hand -----------------------------------------------------------------


def test_billing_staff_enter_a_rate_by_hand_and_it_is_audited(bill_billing):
    response = bearer(bill_billing).post(URL, {"currency": "USD", "date": "2026-11-30", "rate": "4.3975"})

    assert response.status_code == 201
    assert response.json() == row("USD", ST_ANDREW, "4.3975", "manual")
    assert list(ExchangeRate.objects.values_list("currency", "date", "rate", "source", "entered_by")) == [
        ("USD", ST_ANDREW, D("4.397500"), "manual", bill_billing.pk)
    ]
    event = AuditEvent.objects.get(action="billing.exchange_rate_set")
    assert (event.actor, event.request_id) == (bill_billing, response["X-Request-ID"])
    assert event.data == {"currency": "USD", "date": "2026-11-30", "rate": "4.3975"}


def test_a_manual_rate_is_corrected_by_entering_it_again(bill_billing, rates):
    response = bearer(bill_billing).post(URL, {"currency": "EUR", "date": "2026-12-01", "rate": 5.0995})

    assert response.status_code == 201
    assert response.json() == row("EUR", NATIONAL_DAY, "5.0995", "manual")
    changed = AuditEvent.objects.get(action="billing.exchange_rate_changed")
    assert (changed.data["before"], changed.data["after"]) == ({"rate": "5.1000"}, {"rate": "5.0995"})


def test_a_rate_bnr_published_is_not_replaced(bill_billing, rates):
    before = stored()

    response = bearer(bill_billing).post(URL, {"currency": "EUR", "date": "2026-11-27", "rate": "5.2000"})

    assert response.status_code == 400
    assert error_of(response) == refused(
        "bnr_published",
        {
            "date": [
                "BNR has published the EUR rate for 27 Nov 2026 (5.0915 RON); "
                "a rate BNR published cannot be replaced by hand."
            ]
        },
    )
    assert stored() == before


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({"date": "2026-12-02"}, {"date": ["A rate cannot be entered for a day in the future."]}),
        ({"date": "1999-12-31"}, {"date": ["Enter a date between 2000-01-01 and 2099-12-31."]}),
        ({"rate": "5.09151"}, {"rate": ["Enter at most 4 decimals, as BNR publishes."]}),
        ({"rate": "-5"}, {"rate": ["The rate must be greater than zero."]}),
        ({"rate": "abc"}, {"rate": ["Enter a number, such as 5.0915."]}),
        ({"rate": "1000000"}, {"rate": ["The rate can be at most 999999.9999 RON."]}),
        ({"currency": "RON"}, {"currency": ['"RON" is not a valid choice.']}),
        (
            {"currency": None, "date": None, "rate": None},
            {
                "currency": ["This field may not be null."],
                "date": ["This field may not be null."],
                "rate": ["This field may not be null."],
            },
        ),
    ],
)
def test_a_bad_manual_rate_is_refused_naming_the_field_and_nothing_is_saved(
    bill_billing, rates, data, fields
):
    before = stored()

    response = bearer(bill_billing).post(
        URL, {"currency": "USD", "date": "2026-11-30", "rate": "4.3975"} | data, format="json"
    )

    assert response.status_code == 400
    assert error_of(response) == invalid(fields)
    assert stored() == before


@pytest.mark.parametrize("writer", ["carol", "sue_support"])
def test_those_who_may_only_read_cannot_enter_a_rate(request, rates, writer):
    before = stored()

    response = bearer(request.getfixturevalue(writer)).post(
        URL, {"currency": "USD", "date": "2026-11-30", "rate": "4.3975"}
    )

    assert response.status_code == 403
    assert error_of(response) == DENIED
    assert stored() == before


# --- the schema -------------------------------------------------------------------------------


def test_the_schema_documents_reading_filtering_and_entering_rates(client):
    schema = client.get("/api/v1/schema/?format=json").json()

    path = schema["paths"]["/api/v1/exchange-rates/"]
    assert set(path) == {"get", "post"}
    assert {parameter["name"] for parameter in path["get"]["parameters"]} == {
        "currency",
        "date",
        "page",
        "page_size",
    }
    assert set(path["get"]["responses"]) == {"200", "400", "401"}
    assert set(path["post"]["responses"]) == {"201", "400", "401", "403"}
    assert path["post"]["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ManualRateRequest"
    }
    error = path["post"]["responses"]["403"]["content"]["application/json"]["schema"]
    assert error == {"$ref": "#/components/schemas/ErrorResponse"}
