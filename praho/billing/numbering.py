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
from django.db.transaction import TransactionManagementError
from django.utils.translation import gettext_lazy as _

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
    if isinstance(on, datetime.datetime) or not isinstance(on, datetime.date):
        raise TypeError("A document number follows the fiscal date (a date in Europe/Bucharest), not a time.")
    if series.pk is None:
        raise ValueError("Save the series before taking numbers from it.")
    alias = router.db_for_write(SeriesCounter)
    if not transaction.get_connection(alias).in_atomic_block:
        raise TransactionManagementError(
            "next_number() must run inside the transaction that stores the document "
            "(transaction.atomic()), or a failure after it would leave a gap."
        )
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
    sequence = counter.last_number + 1
    SeriesCounter.objects.using(alias).filter(pk=counter.pk).update(last_number=sequence)
    return IssuedNumber(
        series_code=locked_series.code,
        year=year,
        sequence=sequence,
        formatted=locked_series.format_number(year=on.year, sequence=sequence),
    )


def _locked_counter(*, series_id: int, year: int, alias: str) -> SeriesCounter:
    """The counter row of (series, year), locked until the caller's transaction ends."""
    locked = SeriesCounter.objects.using(alias).select_for_update(of=("self",)).select_related("series")
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
