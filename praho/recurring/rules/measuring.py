"""How much of a metered measure a service used in each period, from provisioning's usage
samples: pure rules, no queries (praho.recurring.services.usage reads the samples).

A sample (provisioning.UsageSample) is one row per service and day, updated in place during its
day (the last reading wins): `disk_mb` in use and `bandwidth_mb`, the calendar month's transfer
so far as panels count it (the counter starts again on the 1st). 1 GB = 1024 MB.

Which samples a charge counts. Every sample is counted at most once per measure (a BilledSample
of any item of that measure; the database refuses a second one per sample and item). The
charges of a service's periods p1..pn billed together count the samples not yet billed for the
measure whose day lies in the *window* from `lower` to the end of pn, each in the charge of the
period holding its day. `lower` is the start of the period billed last for the measure, so a
sample that came late (after its period was billed) goes to the first charge after it; when the
measure has billed nothing for the service yet, `lower` is the later of the service's billing
anchor and the day the item bills usage from (MeteredItem.billed_from). A sample later than one
whole period is not billed, nor is one before the day the item bills from: both only count as
readings already accounted for (below).

What a charge's samples measure:

- bandwidth_gb: per calendar month, the largest month-to-date reading among the charge's
  samples minus the largest reading of that month already accounted for (by samples billed
  for the measure, by samples before the window, or by the charge of an earlier period in the
  same batch), never below 0; summed over the months. So a period from the 15th to the 14th bills
  15 Jan - 31 Jan as January's total less the reading of the 14th (billed with the previous
  period), plus February's reading of the 14th; a sample updated in place after it was billed
  is not billed again (its new reading only raises what the next charge subtracts).
- disk_gb: the period's peak, the largest disk_mb among the charge's samples.
- vm_hours: 24 for every day of the charge with a sample (a machine reported that day).

GB are MB / 1024 rounded up to 2 decimals (0.01 GB, about 10 MB: the most rounding adds to a
charge's quantity); hours are whole. Days without a sample count nothing (no reading: no use to
bill); a day missing inside a month loses no bandwidth: the next month-to-date reading holds it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, Decimal

from praho.catalog.cycles import Period
from praho.recurring.models.usage import Measure

GB_STEP = Decimal("0.01")
MB_PER_GB = 1024
HOURS_PER_DAY = 24
ZERO = Decimal("0")


@dataclass(frozen=True)
class Reading:
    """One usage sample, as far as billing reads it."""

    sample_id: int
    day: date
    disk_mb: int
    bandwidth_mb: int


def gigabytes(mb: int) -> Decimal:
    """MB as GB, rounded up to 0.01 GB."""
    return (Decimal(mb) / MB_PER_GB).quantize(GB_STEP, rounding=ROUND_CEILING)


def assign(periods: Sequence[Period], unbilled: Iterable[Reading], *, lower: date) -> list[list[Reading]]:
    """The unbilled readings each period's charge counts (periods consecutive, in order): those
    from `lower` to the last period's end, each to the period holding its day, one before the
    first period (a late one) to the first."""
    assigned: list[list[Reading]] = [[] for _period in periods]
    if not periods:
        return assigned
    end = periods[-1].end
    for reading in sorted(unbilled, key=lambda reading: reading.day):
        if not lower <= reading.day <= end:
            continue
        index = next(i for i, period in enumerate(periods) if reading.day <= period.end)
        assigned[index].append(reading)
    return assigned


def _month(day: date) -> tuple[int, int]:
    return (day.year, day.month)


def measured(
    measure: str, assigned: Sequence[Sequence[Reading]], *, accounted: Iterable[Reading]
) -> list[Decimal]:
    """What each period's charge measures (GB or hours) from the readings `assign` gave it.
    `accounted`: readings already accounted for, the bandwidth each month starts from (the
    samples billed for this item and those before the window)."""
    if measure == Measure.DISK_GB:
        return [gigabytes(max((r.disk_mb for r in readings), default=0)) for readings in assigned]
    if measure == Measure.VM_HOURS:
        return [Decimal(HOURS_PER_DAY * len({r.day for r in readings})) for readings in assigned]
    if measure != Measure.BANDWIDTH_GB:
        raise ValueError(f"Unknown measure {measure!r}")
    seen: dict[tuple[int, int], int] = {}
    for reading in accounted:
        month = _month(reading.day)
        seen[month] = max(seen.get(month, 0), reading.bandwidth_mb)
    result = []
    for readings in assigned:
        peaks: dict[tuple[int, int], int] = {}
        for reading in readings:
            month = _month(reading.day)
            peaks[month] = max(peaks.get(month, 0), reading.bandwidth_mb)
        used = 0
        for month, peak in peaks.items():
            used += max(peak - seen.get(month, 0), 0)
            seen[month] = max(seen.get(month, 0), peak)
        result.append(gigabytes(used))
    return result
