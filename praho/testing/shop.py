"""A small hosting catalog for tests: what the catalog, orders and browser tests order from.

Groups: hosting, domains, add-ons, VPS. Plans:
- `web-start` (hosting, Virtualmin package "start"; needs a domain name; requires `domain-ro`,
  which an annual order includes for free; add-ons `backup` at 50% off and `ssl-basic` billed
  separately); 10 GB disk, 5 mailboxes, unlimited bandwidth;
- `domain-ro` (annual only), `backup`, `ssl-basic` (annual only), `extra-ip` (add-on of the VPS,
  up to 4);
- `vps-s` → `vps-m` (upgrade path; Proxmox templates), `vps-m` with a setup fee;
- `old-start` (retired), `beta-box` (behind the feature flag "beta").
Prices net of VAT in RON and EUR from 2026-01-01; `vps-s` RON monthly goes up on 2099-01-01.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from praho.catalog.models import (
    Feature,
    Plan,
    PlanFeature,
    PlanRelation,
    Price,
    ProductGroup,
)

FROM = date(2026, 1, 1)

PRICES: dict[str, dict[str, dict[str, tuple[str, str]]]] = {
    # plan: {cycle: {currency: (price, setup fee)}}
    "web-start": {
        "monthly": {"RON": ("20.00", "0"), "EUR": ("4.00", "0")},
        "annual": {"RON": ("200.00", "0"), "EUR": ("40.00", "0")},
    },
    "domain-ro": {"annual": {"RON": ("50.00", "0"), "EUR": ("10.00", "0")}},
    "backup": {
        "monthly": {"RON": ("10.00", "0"), "EUR": ("2.00", "0")},
        "annual": {"RON": ("100.00", "0"), "EUR": ("20.00", "0")},
    },
    "ssl-basic": {"annual": {"RON": ("30.00", "0"), "EUR": ("6.00", "0")}},
    "vps-s": {"monthly": {"RON": ("100.00", "0"), "EUR": ("20.00", "0")}},
    "vps-m": {"monthly": {"RON": ("200.00", "50.00"), "EUR": ("40.00", "10.00")}},
    "extra-ip": {"monthly": {"RON": ("15.00", "0"), "EUR": ("3.00", "0")}},
    "old-start": {"monthly": {"RON": ("15.00", "0")}},
    "beta-box": {"monthly": {"RON": ("5.00", "0")}},
}


@dataclass
class Shop:
    groups: dict[str, ProductGroup]
    plans: dict[str, Plan]
    features: dict[str, Feature]


def _group(code: str, kind: str, position: int) -> ProductGroup:
    names = {"hosting": "Web hosting", "domain": "Domains", "addon": "Add-ons", "vps": "VPS"}
    return ProductGroup.objects.create(
        code=code, kind=kind, position=position, name_en=names[kind], name_ro=f"{names[kind]} (ro)"
    )


def build_shop() -> Shop:
    groups = {
        "hosting": _group("hosting", "hosting", 1),
        "domains": _group("domains", "domain", 2),
        "addons": _group("addons", "addon", 3),
        "vps": _group("vps", "vps", 4),
    }
    spec: dict[str, tuple[str, str, dict[str, Any]]] = {
        "web-start": (
            "hosting",
            "Web Start",
            {"module": "virtualmin", "module_params": {"package": "start"}, "requires_domain": True},
        ),
        "domain-ro": ("domains", ".ro domain", {"requires_domain": True}),
        "backup": ("addons", "Daily backup", {}),
        "ssl-basic": ("addons", "Basic SSL", {}),
        "vps-s": ("vps", "VPS S", {"module": "proxmox", "module_params": {"template": 9000, "cores": 1}}),
        "vps-m": ("vps", "VPS M", {"module": "proxmox", "module_params": {"template": 9000, "cores": 2}}),
        "extra-ip": ("addons", "Extra IPv4", {"max_quantity": 4}),
        "old-start": ("hosting", "Old Start", {"visibility": "retired"}),
        "beta-box": ("hosting", "Beta Box", {"flag": "beta"}),
    }
    plans = {
        code: Plan.objects.create(
            code=code, group=groups[group], name_en=name, name_ro=f"{name} RO", position=position, **extra
        )
        for position, (code, (group, name, extra)) in enumerate(spec.items())
    }
    Price.objects.bulk_create(
        Price(
            plan=plans[code],
            cycle=cycle,
            currency=currency,
            amount=Decimal(amount),
            setup_fee=Decimal(setup),
            valid_from=FROM,
        )
        for code, cycles in PRICES.items()
        for cycle, currencies in cycles.items()
        for currency, (amount, setup) in currencies.items()
    )
    Price.objects.create(
        plan=plans["vps-s"],
        cycle="monthly",
        currency="RON",
        amount=Decimal("120.00"),
        valid_from=date(2099, 1, 1),
    )
    features = {
        code: Feature.objects.create(code=code, name_en=name, unit=unit, position=i)
        for i, (code, name, unit) in enumerate(
            [
                ("disk", "Disk", "GB"),
                ("bandwidth", "Bandwidth", "GB"),
                ("mailboxes", "Mailboxes", ""),
                ("vcpu", "vCPU", ""),
                ("backups", "Backups", ""),
            ]
        )
    }
    limits = [
        ("web-start", "disk", "10"),
        ("web-start", "bandwidth", None),
        ("web-start", "mailboxes", "5"),
        ("backup", "backups", "7"),
        ("vps-s", "vcpu", "1"),
        ("vps-s", "disk", "20"),
        ("vps-m", "vcpu", "2"),
        ("vps-m", "disk", "40"),
    ]
    PlanFeature.objects.bulk_create(
        PlanFeature(
            plan=plans[plan], feature=features[feature], limit=None if limit is None else Decimal(limit)
        )
        for plan, feature, limit in limits
    )
    relations = [
        ("web-start", "domain-ro", "requires", "separate", "0", []),
        ("web-start", "domain-ro", "includes", "included", "0", ["annual"]),
        ("web-start", "backup", "addon", "discounted", "50", []),
        ("web-start", "ssl-basic", "addon", "separate", "0", []),
        ("vps-s", "extra-ip", "addon", "separate", "0", []),
        ("vps-m", "extra-ip", "addon", "separate", "0", []),
        ("vps-s", "vps-m", "upgrade", "separate", "0", []),
    ]
    PlanRelation.objects.bulk_create(
        PlanRelation(
            plan=plans[a],
            other=plans[b],
            kind=kind,
            billing=billing,
            discount_percent=Decimal(percent),
            cycles=cycles,
        )
        for a, b, kind, billing, percent, cycles in relations
    )
    return Shop(groups=groups, plans=plans, features=features)
