"""What of a plan's limits a panel's usage is measured against, in which unit: pure logic, no
queries. Collection (services.usage) flags samples over a limit with it; the customer area shows
usage against the same limits.

A plan's feature limits are in the feature's unit ("GB" in the catalog); a sample is in MB, as
the drivers report it (1 GB = 1024 MB, as panels count). A limit is the plan's limit times the
service's quantity; NULL is unlimited. A feature whose unit is not a size (or is empty) is not
compared: a limit of "10" with no unit says nothing about megabytes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

# Feature code -> the sample's field it limits. RAM and vCPU are the size of a machine, not a
# quota it can go over, so they are not here.
METERED: dict[str, str] = {"disk": "disk_mb", "bandwidth": "bandwidth_mb"}

MB_PER_UNIT: dict[str, int] = {
    "mb": 1,
    "mib": 1,
    "gb": 1024,
    "gib": 1024,
    "tb": 1024 * 1024,
    "tib": 1024 * 1024,
}


@dataclass(frozen=True)
class Limit:
    code: str
    field: str  # the sample's field: "disk_mb", "bandwidth_mb"
    mb: Decimal | None  # None: unlimited


def mb_per(unit: str) -> int | None:
    return MB_PER_UNIT.get(unit.strip().lower())


def limit_of(code: str, unit: str, limit: Decimal | None, quantity: int) -> Limit | None:
    """The limit in MB of one plan feature for a service of `quantity`; None when the feature is
    not metered or its unit is not a size."""
    field = METERED.get(code)
    factor = mb_per(unit)
    if field is None or factor is None:
        return None
    return Limit(code, field, None if limit is None else limit * factor * max(quantity, 1))


def limits_of(features: Iterable[tuple[str, str, Decimal | None]], quantity: int) -> list[Limit]:
    """The metered limits among a plan's (code, unit, limit) features, in METERED order."""
    found = {
        limit.code: limit
        for code, unit, value in features
        if (limit := limit_of(code, unit, value, quantity)) is not None
    }
    return [found[code] for code in METERED if code in found]


def over(limits: Iterable[Limit], used: Mapping[str, int | None]) -> list[str]:
    """The codes of the limits `used` (MB per sample field) is over, in the limits' order."""
    return [
        limit.code
        for limit in limits
        if limit.mb is not None and (value := used.get(limit.field)) is not None and value > limit.mb
    ]
