"""Document series and gap-free numbering (issue 4, item 3 and "Reliability")."""

from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.transaction import TransactionManagementError
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from praho.billing.models import Document, DocumentSeries, DocumentType, SeriesCounter
from praho.billing.models.numbering import NUMBER_MAX_LENGTH
from praho.billing.services.numbering import IssuedNumber, default_series, next_number, seed_default_series
from praho.core.tests.processes import run_together

NEW_YEARS_EVE = date(2025, 12, 31)
NEW_YEARS_DAY = date(2026, 1, 1)


class Rollback(Exception):  # noqa: N818 (not an error: the test's way to roll back)
    """Raised inside a transaction to roll it back, as any failure after taking a number would."""


@pytest.fixture(autouse=True)
def _no_seeded_series(request):
    """The migration seeds PRH, PRF and PRC; these tests start from an empty table."""
    if (
        "db" in request.fixturenames
        or "transactional_db" in request.fixturenames
        or request.node.get_closest_marker("django_db")
    ):
        request.getfixturevalue("transactional_db" if _transactional(request) else "db")
        SeriesCounter.objects.all().delete()
        DocumentSeries.objects.all().delete()


def _transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return bool(marker and marker.kwargs.get("transaction"))


@pytest.fixture
def prh(db) -> DocumentSeries:
    seed_default_series()
    return DocumentSeries.objects.get(code="PRH")


@pytest.fixture
def continuous(db) -> DocumentSeries:
    """A proforma series that never restarts."""
    return DocumentSeries.objects.create(
        code="PFX", document_type=DocumentType.PROFORMA, format="{code}{year}/{number:05d}"
    )


def take(series: DocumentSeries, on: date) -> IssuedNumber:
    with transaction.atomic():
        return next_number(series=series, on=on)


def counters() -> dict[tuple[str, int], int]:
    return {
        (code, year): last
        for code, year, last in SeriesCounter.objects.values_list("series__code", "year", "last_number")
    }


def format_errors(**fields) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as refusal:
        DocumentSeries(**{"code": "ZZZ", "document_type": DocumentType.INVOICE, **fields}).save()
    return {name: [error.code for error in errors] for name, errors in refusal.value.error_dict.items()}


# Formats


def test_an_invoice_number_reads_code_year_and_six_digits(prh):
    assert take(prh, date(2026, 3, 2)) == IssuedNumber("PRH", 2026, 1, "PRH-2026-000001")
    assert take(prh, date(2026, 3, 2)) == IssuedNumber("PRH", 2026, 2, "PRH-2026-000002")


@pytest.mark.parametrize(
    ("number_format", "formatted"),
    [
        ("{code}-{year}-{number:06d}", "NUM-2026-000123"),
        ("{code}{number}", "NUM123"),
        ("{year}/{number:04d}", "2026/0123"),
        ("F {number:d}", "F 123"),
        ("{code}-{number:2}", "NUM-123"),
        ("{{{code}}}-{number}", "{NUM}-123"),
    ],
)
def test_a_series_prints_numbers_in_its_format(db, number_format, formatted):
    series = DocumentSeries.objects.create(
        code="NUM", document_type=DocumentType.INVOICE, format=number_format
    )

    assert series.format_number(year=2026, sequence=123) == formatted


def test_the_seeded_series_are_the_defaults_and_restart_every_year(db):
    assert seed_default_series() == ["PRH", "PRF", "PRC"]

    assert list(
        DocumentSeries.objects.order_by("code").values_list(
            "code", "document_type", "format", "yearly_restart", "is_default", "active"
        )
    ) == [
        ("PRC", "credit_note", "{code}-{year}-{number:06d}", True, True, True),
        ("PRF", "proforma", "{code}-{year}-{number:06d}", True, True, True),
        ("PRH", "invoice", "{code}-{year}-{number:06d}", True, True, True),
    ]
    assert [default_series(kind).code for kind in ("invoice", "proforma", "credit_note")] == [
        "PRH",
        "PRF",
        "PRC",
    ]


def test_seeding_twice_changes_nothing(db):
    seed_default_series()
    before = list(DocumentSeries.objects.order_by("pk").values())

    assert seed_default_series() == []
    assert list(DocumentSeries.objects.order_by("pk").values()) == before


def test_seeding_keeps_a_default_chosen_by_an_admin(db):
    DocumentSeries.objects.create(code="INV", document_type=DocumentType.INVOICE, is_default=True)

    assert seed_default_series(django_apps, None) == ["PRH", "PRF", "PRC"]  # as a migration calls it
    assert default_series(DocumentType.INVOICE).code == "INV"
    assert DocumentSeries.objects.get(code="PRH").is_default is False


def test_without_a_default_series_a_document_type_has_none_to_offer(db):
    DocumentSeries.objects.create(code="OLD", document_type=DocumentType.CREDIT_NOTE)

    with pytest.raises(ValidationError) as refusal:
        default_series(DocumentType.CREDIT_NOTE)

    assert refusal.value.error_dict["series"][0].code == "no_default_series"


def test_a_document_type_has_one_default_series(prh):
    with pytest.raises(IntegrityError), transaction.atomic():
        DocumentSeries.objects.create(code="INV", document_type=DocumentType.INVOICE, is_default=True)

    DocumentSeries.objects.create(code="INV", document_type=DocumentType.INVOICE, is_default=False)
    assert DocumentSeries.objects.filter(document_type="invoice", is_default=True).count() == 1


def test_an_inactive_series_cannot_be_the_default(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        DocumentSeries.objects.create(
            code="INV", document_type=DocumentType.INVOICE, is_default=True, active=False
        )


# Bad formats are refused with a field error


@pytest.mark.parametrize(
    ("number_format", "error_code"),
    [
        ("{code}-{year}", "format_without_number"),
        ("PRH-2026", "format_without_number"),
        ("{code}-{customer}-{number}", "unknown_placeholder"),
        ("{code}-{}", "unknown_placeholder"),
        ("{code}-{number.real}", "unknown_placeholder"),
        ("{code}-{number", "malformed_format"),
        ("{code}-{number:.2f}", "bad_format_spec"),
        ("{code}-{number:x}", "bad_format_spec"),
        ("{code}-{number!r}", "bad_format_spec"),
        ("{code:>8}-{number}", "bad_format_spec"),
        ("{code}-{number:{year}}", "bad_format_spec"),
        ("{code}-{year}-{number:030d}", "format_too_long"),
    ],
)
def test_a_bad_number_format_is_refused_with_a_field_error(db, number_format, error_code):
    assert format_errors(format=number_format) == {"format": [error_code]}
    assert DocumentSeries.objects.count() == 0


def test_the_longest_number_a_format_allows_fits_a_document(db):
    assert Document._meta.get_field("number").max_length == NUMBER_MAX_LENGTH == 32
    DocumentSeries.objects.create(
        code="YYY", document_type=DocumentType.INVOICE, format="{code}-{year}-{number:023d}"
    )

    assert format_errors(format="{code}-{year}-{number:024d}") == {"format": ["format_too_long"]}


def test_a_yearly_series_needs_the_year_in_its_numbers(db):
    assert format_errors(format="{code}-{number:06d}", yearly_restart=True) == {
        "format": ["yearly_without_year"]
    }


def test_a_series_code_is_capital_letters_and_digits(db):
    assert format_errors(code="pr h") == {"code": ["invalid_code"]}


def test_a_form_sees_the_same_field_errors(db):
    series = DocumentSeries(
        code="ZZZ", document_type=DocumentType.INVOICE, format="{code}", yearly_restart=True
    )

    with pytest.raises(ValidationError) as refusal:
        series.full_clean()

    assert refusal.value.message_dict == {
        "format": ["The number format must contain {number}, e.g. {code}-{year}-{number:06d}."]
    }


def test_code_type_and_yearly_restart_are_frozen_once_a_number_was_issued(prh):
    unused = DocumentSeries.objects.get(code="PRF")
    unused.yearly_restart = False
    unused.save()  # nothing issued yet: allowed

    take(prh, date(2026, 3, 2))
    prh.code, prh.document_type, prh.yearly_restart = "PRX", DocumentType.PROFORMA, False
    with pytest.raises(ValidationError) as refusal:
        prh.save()

    assert {name: [e.code for e in errors] for name, errors in refusal.value.error_dict.items()} == {
        "code": ["series_in_use"],
        "document_type": ["series_in_use"],
        "yearly_restart": ["series_in_use"],
    }
    assert DocumentSeries.objects.filter(code="PRH", yearly_restart=True).count() == 1


def test_a_new_format_applies_to_the_next_numbers(prh):
    take(prh, date(2026, 3, 2))
    prh.format = "{code}/{year}/{number}"
    prh.save()

    assert take(prh, date(2026, 3, 2)).formatted == "PRH/2026/2"


# Counting


def test_a_yearly_series_starts_again_at_one_on_january_first(prh):
    taken = [take(prh, day) for day in (NEW_YEARS_EVE, NEW_YEARS_EVE, NEW_YEARS_DAY, NEW_YEARS_DAY)]

    assert [number.formatted for number in taken] == [
        "PRH-2025-000001",
        "PRH-2025-000002",
        "PRH-2026-000001",
        "PRH-2026-000002",
    ]
    assert counters() == {("PRH", 2025): 2, ("PRH", 2026): 2}


def test_the_year_is_the_fiscal_date_not_a_utc_time(prh):
    # 23:30 UTC on December 31 is already January 1 in Bucharest: callers pass that date.
    moment = datetime(2025, 12, 31, 23, 30, tzinfo=ZoneInfo("UTC"))
    fiscal_date = moment.astimezone(ZoneInfo("Europe/Bucharest")).date()

    assert take(prh, fiscal_date).formatted == "PRH-2026-000001"
    with pytest.raises(TypeError), transaction.atomic():
        next_number(series=prh, on=moment)


def test_a_series_without_yearly_restart_keeps_counting_across_years(continuous):
    taken = [take(continuous, day) for day in (NEW_YEARS_EVE, NEW_YEARS_DAY, NEW_YEARS_DAY)]

    assert taken == [
        IssuedNumber("PFX", 0, 1, "PFX2025/00001"),
        IssuedNumber("PFX", 0, 2, "PFX2026/00002"),
        IssuedNumber("PFX", 0, 3, "PFX2026/00003"),
    ]
    assert counters() == {("PFX", 0): 3}


def test_each_series_counts_on_its_own(prh, continuous):
    credit_notes = DocumentSeries.objects.get(code="PRC")
    day = date(2026, 5, 4)

    assert [take(series, day).sequence for series in (prh, prh, credit_notes, continuous, prh)] == [
        1,
        2,
        1,
        1,
        3,
    ]


def test_an_inactive_series_issues_no_number(prh):
    DocumentSeries.objects.filter(code="PRF").update(active=False, is_default=False)
    as_stored = DocumentSeries.objects.get(code="PRF")
    edited_in_memory = DocumentSeries.objects.get(code="PRF")
    edited_in_memory.active = True  # the locked row decides, not the caller's copy

    for series in (as_stored, edited_in_memory):
        with pytest.raises(ValidationError) as refusal, transaction.atomic():
            next_number(series=series, on=date(2026, 3, 2))
        assert refusal.value.message_dict == {"series": ["The series PRF is not active."]}


def test_a_series_changed_by_someone_else_is_not_numbered_with_stale_settings(prh):
    stale = DocumentSeries.objects.get(code="PRF")
    changed = DocumentSeries.objects.get(code="PRF")
    changed.yearly_restart = False
    changed.save()

    with pytest.raises(ValidationError) as refusal, transaction.atomic():
        next_number(series=stale, on=date(2026, 3, 2))

    assert refusal.value.error_dict["series"][0].code == "series_changed"
    assert take(changed, date(2026, 3, 2)) == IssuedNumber("PRF", 0, 1, "PRF-2026-000001")


def test_taking_a_number_runs_two_queries_once_the_year_has_begun(prh, django_assert_num_queries):
    take(prh, date(2026, 3, 2))

    with transaction.atomic(), django_assert_num_queries(2):
        # 1. SELECT the counter and its series FOR UPDATE OF the counter
        # 2. UPDATE the counter's last number
        next_number(series=prh, on=date(2026, 3, 2))


# Transactions


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_taking_a_number_outside_a_transaction_is_refused():
    seed_default_series()
    series = default_series(DocumentType.INVOICE)

    with pytest.raises(TransactionManagementError):
        next_number(series=series, on=date(2026, 3, 2))

    assert counters() == {}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_rolled_back_transaction_gives_its_number_back():
    seed_default_series()
    series = default_series(DocumentType.INVOICE)
    day = date(2026, 3, 2)
    taken = []

    for rolls_back in (True, False, True, True, False):
        try:
            with transaction.atomic():
                taken.append(next_number(series=series, on=day).sequence)
                if rolls_back:
                    raise Rollback
        except Rollback:
            pass

    # The first rollback also removes the counter row it had created.
    assert taken == [1, 1, 2, 2, 2]
    assert counters() == {("PRH", 2026): 2}


# Any sequence of takes, commits and rollbacks (savepoints inside transactions) leaves
# each counter at the number of takes that were committed, and every take gets the
# number after the last one still standing.
_where = st.tuples(st.sampled_from(["PRH", "PFX"]), st.sampled_from([NEW_YEARS_EVE, NEW_YEARS_DAY]))
_transaction = st.tuples(
    _where,
    st.integers(min_value=1, max_value=3),  # numbers taken
    st.one_of(
        st.none(), st.tuples(_where, st.integers(min_value=1, max_value=2), st.booleans())
    ),  # savepoint
    st.booleans(),  # commits
)


@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(transactions=st.lists(_transaction, max_size=8))
def test_counters_equal_the_committed_takes_whatever_the_interleaving(prh, continuous, transactions):
    series = {"PRH": prh, "PFX": continuous}

    def take_into(state, where, count):
        code, day = where
        key = (code, day.year if series[code].yearly_restart else 0)
        for _ in range(count):
            last_number, last_day = state.get(key, (0, day))
            if day < last_day:  # a series' numbers follow its documents' dates
                with pytest.raises(ValidationError):
                    next_number(series=series[code], on=day)
                raise Rollback
            state[key] = (last_number + 1, day)
            assert next_number(series=series[code], on=day).sequence == last_number + 1

    with transaction.atomic():  # undone after each example
        committed: dict[tuple[str, int], tuple[int, date]] = {}
        for where, count, savepoint, commits in transactions:
            state = dict(committed)
            try:
                with transaction.atomic():
                    take_into(state, where, count)
                    if savepoint is not None:
                        inner_where, inner_count, inner_commits = savepoint
                        before_savepoint = dict(state)
                        try:
                            with transaction.atomic():
                                take_into(state, inner_where, inner_count)
                                if not inner_commits:
                                    raise Rollback
                        except Rollback:
                            state = before_savepoint
                    if not commits:
                        raise Rollback
            except Rollback:
                continue
            committed = state

        assert counters() == {key: number for key, (number, _day) in committed.items()}
        transaction.set_rollback(True)


# Many processes at once, on PostgreSQL

# Run by each worker process: Django with the test settings on the test database, one
# connection of its own; after "go" it takes numbers, each in its own transaction, and
# rolls back some transactions after taking their number.
WORKER = """
import datetime, json, sys

import django
from django.conf import settings

database, worker, takes, rollback_every = sys.argv[1], *map(int, sys.argv[2:5])
settings.DATABASES["default"]["NAME"] = database
django.setup()

from django.db import connection, transaction

from praho.billing.models import DocumentSeries
from praho.billing.services.numbering import next_number


class Rollback(Exception):
    pass


series = DocumentSeries.objects.get(code="PRH")
connection.ensure_connection()
print("ready", flush=True)
sys.stdin.readline()
committed = []
for attempt in range(takes):
    try:
        with transaction.atomic():
            issued = next_number(series=series, on=datetime.date(2026, 3, 2))
            if (worker + attempt) % rollback_every == 0:
                raise Rollback
    except Rollback:
        continue
    committed.append([issued.sequence, issued.formatted])
print(json.dumps(committed), flush=True)
"""
WORKERS, TAKES, ROLLBACK_EVERY = 8, 25, 5


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Needs PostgreSQL: SQLite has no row locks and lets one writer at a time; "
    "set DATABASE_URL=postgres://... to run it.",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_processes_take_unique_consecutive_numbers_and_rollbacks_leave_no_gap():
    seed_default_series()  # committed: the workers see it
    arguments = [[worker, TAKES, ROLLBACK_EVERY] for worker in range(WORKERS)]
    outputs = run_together(WORKER, arguments, timeout=30)
    committed = sorted(tuple(pair) for out in outputs for pair in json.loads(out))
    # Each worker rolls back one transaction in every ROLLBACK_EVERY, after taking its number.
    expected = WORKERS * TAKES * (ROLLBACK_EVERY - 1) // ROLLBACK_EVERY
    assert expected == 160
    assert committed == [(n, f"PRH-2026-{n:06d}") for n in range(1, expected + 1)]
    assert counters() == {("PRH", 2026): expected}
