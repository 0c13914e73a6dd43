"""The VAT rates table as seeded: Romania's rates and those of the other 26 EU member states.

Sources: the European Commission's VAT rates (Taxes in Europe Database, TEDB,
as published in 2025-2026) and the national laws behind each change noted below.

What the table holds, and why:
- Standard rates and reduced rates only. Super-reduced rates (below 5%, e.g.
  FR 2.1, IT 4, ES 4, LU 3, IE 4.8, CY 3, and AT 4.9 on basic foods from
  2026-07-01), parking rates, zero rates and regional rates (Azores and Madeira,
  Corsica and the French overseas departments, the Greek islands, Jungholz and
  Mittelberg, Heligoland, ...) are left out: a hosting provider sells none of it.
- Reduced rates are numbered from the highest rate in force: name "1", "2", ...
  A change of a reduced rate closes the old period and opens a new one under the
  same name. The standard rate has the name "".
- The table starts on TABLE_START (2024-01-01): a rate already in force then has
  that day as valid_from even if it is older. PRAHO issues no document dated
  earlier. Periods are inclusive: valid_to is the last day in force.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import pairwise
from typing import TYPE_CHECKING, Any, NamedTuple

from django.db import transaction

from praho.billing.locks import locked_vat_rates

if TYPE_CHECKING:
    from django.apps.registry import Apps

TABLE_START = date(2024, 1, 1)
STANDARD, REDUCED = "standard", "reduced"


@dataclass(frozen=True)
class SeedRate:
    country: str
    kind: str
    name: str
    rate: Decimal
    valid_from: date
    valid_to: date | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.country, self.kind, self.name)


def _rate(
    country: str, kind: str, name: str, rate: str, valid_from: date, valid_to: date | None = None
) -> SeedRate:
    return SeedRate(country, kind, name, Decimal(rate), valid_from, valid_to)


# Countries whose standard and reduced rates did not change from TABLE_START to the
# end of 2026 (changes of which goods fall under which rate are not rate changes).
_UNCHANGED: dict[str, tuple[str, tuple[str, ...]]] = {
    "AT": ("20", ("13", "10")),
    "BE": ("21", ("12", "6")),
    "BG": ("20", ("9",)),
    "CY": ("19", ("9", "5")),
    "CZ": ("21", ("12",)),  # 10% and 15% merged into 12% on 2024-01-01
    "DE": ("19", ("7",)),
    "DK": ("25", ()),
    "ES": ("21", ("10",)),
    "FR": ("20", ("10", "5.5")),
    "GR": ("24", ("13", "6")),  # VAT numbers use the prefix EL
    "HR": ("25", ("13", "5")),
    "HU": ("27", ("18", "5")),
    "IE": ("23", ("13.5", "9")),
    "IT": ("22", ("10", "5")),
    "LU": ("17", ("14", "8")),  # back from the temporary 16/13/7 of 2023 on 2024-01-01
    "LV": ("21", ("12", "5")),
    "MT": ("18", ("7", "5")),
    "NL": ("21", ("9",)),
    "PL": ("23", ("8", "5")),
    "PT": ("23", ("13", "6")),  # mainland
    "SE": ("25", ("12", "6")),
    "SI": ("22", ("9.5", "5")),
}

_CHANGED: tuple[SeedRate, ...] = (
    # Estonia: 22% from 2024-01-01, 24% from 2025-07-01; on 2025-01-01 accommodation
    # went from 9% to 13% and press publications from 5% to 9%.
    _rate("EE", STANDARD, "", "22", TABLE_START, date(2025, 6, 30)),
    _rate("EE", STANDARD, "", "24", date(2025, 7, 1)),
    _rate("EE", REDUCED, "1", "9", TABLE_START, date(2024, 12, 31)),
    _rate("EE", REDUCED, "1", "13", date(2025, 1, 1)),
    _rate("EE", REDUCED, "2", "5", TABLE_START, date(2024, 12, 31)),
    _rate("EE", REDUCED, "2", "9", date(2025, 1, 1)),
    # Finland: 25.5% from 2024-09-01; the 14% rate became 13.5% on 2026-01-01.
    _rate("FI", STANDARD, "", "24", TABLE_START, date(2024, 8, 31)),
    _rate("FI", STANDARD, "", "25.5", date(2024, 9, 1)),
    _rate("FI", REDUCED, "1", "14", TABLE_START, date(2025, 12, 31)),
    _rate("FI", REDUCED, "1", "13.5", date(2026, 1, 1)),
    _rate("FI", REDUCED, "2", "10", TABLE_START),
    # Lithuania: the 9% rate became 12% on 2026-01-01 (Law XV-287; books moved to 5%).
    _rate("LT", STANDARD, "", "21", TABLE_START),
    _rate("LT", REDUCED, "1", "9", TABLE_START, date(2025, 12, 31)),
    _rate("LT", REDUCED, "1", "12", date(2026, 1, 1)),
    _rate("LT", REDUCED, "2", "5", TABLE_START),
    # Romania (Law 141/2025): 19% until 2025-07-31, 21% from 2025-08-01; the reduced
    # rates of 9% and 5% both became 11%.
    _rate("RO", STANDARD, "", "19", TABLE_START, date(2025, 7, 31)),
    _rate("RO", STANDARD, "", "21", date(2025, 8, 1)),
    _rate("RO", REDUCED, "1", "9", TABLE_START, date(2025, 7, 31)),
    _rate("RO", REDUCED, "1", "11", date(2025, 8, 1)),
    _rate("RO", REDUCED, "2", "5", TABLE_START, date(2025, 7, 31)),
    # Slovakia: 23% from 2025-01-01; the 10% rate was replaced by 19%, 5% stayed.
    _rate("SK", STANDARD, "", "20", TABLE_START, date(2024, 12, 31)),
    _rate("SK", STANDARD, "", "23", date(2025, 1, 1)),
    _rate("SK", REDUCED, "1", "10", TABLE_START, date(2024, 12, 31)),
    _rate("SK", REDUCED, "1", "19", date(2025, 1, 1)),
    _rate("SK", REDUCED, "2", "5", TABLE_START),
)


def _unchanged_rows() -> list[SeedRate]:
    rows = []
    for country, (standard, reduced) in _UNCHANGED.items():
        rows.append(_rate(country, STANDARD, "", standard, TABLE_START))
        rows.extend(
            _rate(country, REDUCED, str(number), rate, TABLE_START)
            for number, rate in enumerate(reduced, start=1)
        )
    return rows


DATA: tuple[SeedRate, ...] = tuple(
    sorted([*_unchanged_rows(), *_CHANGED], key=lambda row: (*row.key, row.valid_from))
)


def overlaps(rows: Iterable[SeedRate]) -> list[tuple[SeedRate, SeedRate]]:
    """Pairs of periods of the same country, kind and name that share at least one day."""
    groups: defaultdict[tuple[str, str, str], list[SeedRate]] = defaultdict(list)
    for row in rows:
        groups[row.key].append(row)
    found = []
    for periods in groups.values():
        periods.sort(key=lambda row: row.valid_from)
        for earlier, later in pairwise(periods):
            if earlier.valid_to is None or earlier.valid_to >= later.valid_from:
                found.append((earlier, later))
    return found


def check_periods(rows: Iterable[SeedRate]) -> None:
    """ValueError naming every overlap; a rate must be unambiguous on every day."""
    found = overlaps(rows)
    if found:
        described = "; ".join(
            f"{a.country} {a.kind} {a.name!r}: {a.valid_from}..{a.valid_to} and {b.valid_from}..{b.valid_to}"
            for a, b in found
        )
        raise ValueError(f"Overlapping VAT rate periods: {described}")


class SeedResult(NamedTuple):
    created: int
    closed: int


def seed_vat_rates(apps_or_none: Apps | None = None) -> SeedResult:
    """Add the rows of DATA that are missing; safe to run any number of times.

    A data migration calls it with its `apps` (historical models); tests call it
    without. Existing rows are never rewritten, so a rate corrected by hand stays
    corrected; the one change it makes is to close a still-open period when DATA
    closes it (a later version of this table recording a new rate). The stored
    periods must not overlap afterwards (ValueError, and nothing is saved).
    """
    model: Any
    if apps_or_none is None:
        from praho.billing.models import VatRate

        model = VatRate
    else:
        model = apps_or_none.get_model("billing", "VatRate")
    check_periods(DATA)
    manager = model._default_manager
    created = closed = 0
    with transaction.atomic():
        stored = {
            (row.country, row.kind, row.name, row.valid_from): row
            for row in locked_vat_rates(manager, {row.country for row in DATA})
        }
        missing = []
        for seed in DATA:
            row = stored.get((*seed.key, seed.valid_from))
            if row is None:
                missing.append(
                    model(
                        country=seed.country,
                        kind=seed.kind,
                        name=seed.name,
                        rate=seed.rate,
                        valid_from=seed.valid_from,
                        valid_to=seed.valid_to,
                    )
                )
            elif row.valid_to is None and seed.valid_to is not None:
                row.valid_to = seed.valid_to
                row.save(update_fields=["valid_to"])
                closed += 1
        manager.bulk_create(missing)
        created = len(missing)
        check_periods(
            SeedRate(row.country, row.kind, row.name, row.rate, row.valid_from, row.valid_to)
            for row in manager.filter(country__in={row.country for row in DATA})
        )
    return SeedResult(created=created, closed=closed)
