"""Gap-free document numbers.

Romanian law wants the numbers of a series to be unique and without gaps. Both hold
because a number is taken by locking the series' counter row for the current year in
the caller's transaction: a concurrent writer waits on that row until the caller
commits (and then sees the new last number) or rolls back (and the number is taken
again by the next caller). Taking numbers from two series in one transaction locks two
rows; callers that do so take them in a fixed order (by series code) to avoid deadlocks.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, router, transaction
from django.db.models import Q
from django.db.transaction import TransactionManagementError
from django.utils.translation import gettext_lazy as _

from praho.billing.locks import counters_for_update
from praho.billing.models.documents import DocumentType
from praho.billing.models.numbering import DEFAULT_NUMBER_FORMAT, DocumentSeries, SeriesCounter

# The first number of a year creates its counter row; a concurrent creator wins the unique
# constraint and we lock its row instead. Two rounds always suffice; the third is slack.
_COUNTER_ATTEMPTS = 3

DEFAULT_SERIES = (
    # (code, document type); all restart every year and print "{code}-{year}-{number:06d}".
    ("PRH", DocumentType.INVOICE),
    ("PRF", DocumentType.PROFORMA),
    ("PRC", DocumentType.CREDIT_NOTE),
)


@dataclass(frozen=True)
class IssuedNumber:
    series_code: str
    # The counter's year: the fiscal year for a series that restarts yearly, 0 otherwise.
    # (series, year, sequence) is unique.
    year: int
    sequence: int
    formatted: str


def next_number(*, series: DocumentSeries, on: datetime.date) -> IssuedNumber:
    """Take the next number of `series` for a document dated `on` (its fiscal date).

    Must run inside the caller's `transaction.atomic()`, the one that also stores the
    document: the counter row stays locked until it ends, and a rollback returns the
    number, so the series never has a gap.
    """
    _check_date(on)
    if series.pk is None:
        raise ValueError("Save the series before taking numbers from it.")
    alias = _transaction_alias()
    year = on.year if series.yearly_restart else 0
    counter = _locked_counter(series_id=series.pk, year=year, alias=alias)
    locked_series = counter.series  # read with the lock, so a concurrent edit is seen
    if not locked_series.active:
        raise ValidationError(
            {
                "series": ValidationError(
                    _("The series %(code)s is not active."),
                    code="inactive_series",
                    params={"code": locked_series.code},
                )
            }
        )
    if locked_series.yearly_restart != series.yearly_restart:
        # Only possible before the first number is committed; the caller retries with fresh data.
        raise ValidationError(
            {"series": ValidationError(_("The series changed meanwhile; try again."), code="series_changed")}
        )
    return _advance(counter, year=year, on=on, alias=alias)


def next_default_number(*, document_type: str, on: datetime.date) -> tuple[DocumentSeries, IssuedNumber]:
    """The default series of `document_type` and its next number for a document dated `on`.

    The same as `next_number(series=default_series(document_type), on=on)`, in the same
    transaction and with the same lock, but in two queries instead of three once the
    series has its counter for the year (every number but a year's first): the counter
    is found by its series' type and locked in one statement. Issuing takes this path.
    """
    _check_date(on)
    alias = _transaction_alias()
    # One default series per type (a constraint), and it is active (another); its counter
    # for the year is the one of `on`'s year, or year 0 if it never restarts: one row at most.
    found = counters_for_update(alias).filter(
        Q(series__yearly_restart=True, year=on.year) | Q(series__yearly_restart=False, year=0),
        series__document_type=document_type,
        series__is_default=True,
        series__active=True,
    )[:1]
    counter = next(iter(found), None)
    if counter is None:
        # No default series (default_series says so) or the year's first number.
        series = default_series(document_type)
        return series, next_number(series=series, on=on)
    return counter.series, _advance(counter, year=counter.year, on=on, alias=alias)


def take_default_numbers(
    *, document_type: str, on: datetime.date, count: int, last_on: datetime.date | None = None
) -> tuple[DocumentSeries, list[IssuedNumber]]:
    """`count` consecutive numbers of `document_type`'s default series for documents dated in `on`'s year.

    For a batch of documents issued together (a billing run): one counter lock and one
    counter update for the whole batch instead of one each. The same rules as
    next_default_number hold: run inside the caller's transaction.atomic(), which keeps
    the counter row locked until it ends, so a rollback returns all the numbers and the
    series stays gap-free. The numbers are in ascending order; the caller gives them to
    its documents in date order: `on` is the first document's date, `last_on` (default `on`)
    the last one's, which the counter keeps as its last date.
    """
    if count < 1:
        raise ValueError("Take at least one number.")
    last_on = last_on or on
    if last_on < on or last_on.year != on.year:
        raise ValueError("A batch's last date is on or after its first, in the same year.")
    series, first = next_default_number(document_type=document_type, on=on)
    if count == 1 and last_on == on:
        return series, [first]
    alias = _transaction_alias()
    # The counter row is locked by this transaction already and holds `first` as its last number.
    taken = (
        SeriesCounter.objects.using(alias)
        .filter(series_id=series.pk, year=first.year, last_number=first.sequence)
        .update(last_number=first.sequence + count - 1, last_date=last_on)
    )
    if taken != 1:  # impossible under the row lock; never hand out numbers twice
        raise RuntimeError(f"The counter of series {series.code} changed while numbers were taken.")
    return series, [first] + [
        IssuedNumber(
            series_code=series.code,
            year=first.year,
            sequence=sequence,
            formatted=series.format_number(year=on.year, sequence=sequence),
        )
        for sequence in range(first.sequence + 1, first.sequence + count)
    ]


def expected_number(*, series: DocumentSeries, on: datetime.date) -> str:
    """The number a document of `series` dated `on` would take now, for the issue confirmation.

    A preview only: nothing is locked, so a document issued meanwhile takes it first."""
    year = on.year if series.yearly_restart else 0
    counter = SeriesCounter.objects.filter(series=series, year=year).values_list("last_number", flat=True)
    return series.format_number(year=on.year, sequence=(counter.first() or 0) + 1)


def _check_date(on: datetime.date) -> None:
    if isinstance(on, datetime.datetime) or not isinstance(on, datetime.date):
        raise TypeError("A document number follows the fiscal date (a date in Europe/Bucharest), not a time.")


def _transaction_alias() -> str:
    """The database alias of the counters, once the caller's transaction is open."""
    alias = router.db_for_write(SeriesCounter)
    if not transaction.get_connection(alias).in_atomic_block:
        raise TransactionManagementError(
            "next_number() must run inside the transaction that stores the document "
            "(transaction.atomic()), or a failure after it would leave a gap."
        )
    return alias


def _advance(counter: SeriesCounter, *, year: int, on: datetime.date, alias: str) -> IssuedNumber:
    """Take the number after the locked counter's last one, for a document dated no earlier than
    the one that took that number."""
    _refuse_earlier_than_last(counter, on)
    sequence = counter.last_number + 1
    SeriesCounter.objects.using(alias).filter(pk=counter.pk).update(last_number=sequence, last_date=on)
    return IssuedNumber(
        series_code=counter.series.code,
        year=year,
        sequence=sequence,
        formatted=counter.series.format_number(year=on.year, sequence=sequence),
    )


def _refuse_earlier_than_last(counter: SeriesCounter, on: datetime.date) -> None:
    if counter.last_date is None or on >= counter.last_date:
        return
    raise ValidationError(
        {
            "issue_date": ValidationError(
                _(
                    "Number %(number)s of series %(code)s was given to a document dated %(last)s; the next "
                    "number cannot go to an earlier date (%(date)s). Date the document %(last)s or later."
                ),
                code="before_last_issued",
                params={
                    "number": counter.series.format_number(
                        year=counter.last_date.year, sequence=counter.last_number
                    ),
                    "code": counter.series.code,
                    "last": counter.last_date.isoformat(),
                    "date": on.isoformat(),
                },
            )
        }
    )


def _locked_counter(*, series_id: int, year: int, alias: str) -> SeriesCounter:
    """The counter row of (series, year), locked until the caller's transaction ends."""
    locked = counters_for_update(alias)
    for _attempt in range(_COUNTER_ATTEMPTS):
        try:
            return locked.get(series_id=series_id, year=year)
        except SeriesCounter.DoesNotExist:
            pass
        try:
            # A savepoint: losing the race must not break the caller's transaction.
            with transaction.atomic(using=alias):
                SeriesCounter.objects.using(alias).create(series_id=series_id, year=year, last_number=0)
        except IntegrityError:
            # Another transaction created the row and committed; the next lookup waits for it.
            continue
    raise RuntimeError(f"Could not create or lock the counter of series {series_id} for {year}.")


def default_series(document_type: str) -> DocumentSeries:
    """The active default series of a document type (invoice, proforma or credit note)."""
    series = DocumentSeries.objects.filter(document_type=document_type, is_default=True, active=True).first()
    if series is None:
        raise ValidationError(
            {
                "series": ValidationError(
                    _("No default series is configured for %(type)s documents."),
                    code="no_default_series",
                    params={"type": document_type},
                )
            }
        )
    return series


def seed_default_series(apps: Any = None, schema_editor: Any = None) -> list[str]:
    """Create the PRH (invoices), PRF (proformas) and PRC (credit notes) series if missing.

    Idempotent. A seeded series becomes its type's default only when the type has none.
    Usable as it is in a migration: `migrations.RunPython(seed_default_series, RunPython.noop)`.
    Returns the codes it created.
    """
    model = apps.get_model("billing", "DocumentSeries") if apps is not None else DocumentSeries
    created: list[str] = []
    for code, document_type in DEFAULT_SERIES:
        if model.objects.filter(code=code).exists():
            continue
        has_default = model.objects.filter(document_type=document_type, is_default=True).exists()
        model.objects.create(
            code=code,
            document_type=document_type,
            format=DEFAULT_NUMBER_FORMAT,
            yearly_restart=True,
            is_default=not has_default,
            active=True,
        )
        created.append(code)
    return created
