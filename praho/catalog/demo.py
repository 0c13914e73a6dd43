"""Demo catalog: a Romanian hosting provider's offer, through the catalog services.

- Shared hosting Start / Pro / Business (Virtualmin packages), each needing a .ro domain, which
  annual and two-year orders include for free; daily backup at half price, DV SSL as add-ons;
  Business includes the DV certificate. Start → Pro → Business is an upgrade path.
- VPS S / M / L (Proxmox, template 9000) with an upgrade path, extra IPs, discounted backups
  and priority support as add-ons; the VPS S monthly price in RON goes up in 30 days (planned).
- Dedicated servers (installed by hand, with a setup fee on monthly orders), .ro/.com/.eu
  domains, DV and wildcard SSL, e-mail (HestiaCP), backups, extra IPv4, priority support.
- Features with limits (unlimited where the offer says so); prices net of VAT in RON and EUR
  from today for several cycles.
- Coupons BUNVENIT10 (10% off the first period, once per customer) and VPS50 (50 RON or 10 EUR
  off the first three monthly periods of a VPS).

What exists (by code) is left alone, so running the demo again adds nothing; prices, features
and relationships are set for the plans created in this run only.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from praho.accounts.demo import STAFF
from praho.accounts.models import User
from praho.accounts.roles import Role
from praho.catalog.models import Coupon, Feature, Plan, ProductGroup
from praho.catalog.services import offer, pricing, promotions
from praho.core.validation import fiscal_today

# code: (kind, English, Romanian, Bulgarian)
# ruff: noqa: RUF001 (Bulgarian names are in Cyrillic)
GROUPS = {
    "hosting": ("hosting", "Web hosting", "Găzduire web", "Уеб хостинг"),
    "vps": ("vps", "Virtual servers (VPS)", "Servere virtuale (VPS)", "Виртуални сървъри (VPS)"),
    "dedicated": ("dedicated", "Dedicated servers", "Servere dedicate", "Наети сървъри"),
    "domains": ("domain", "Domains", "Domenii", "Домейни"),
    "ssl": ("ssl", "SSL certificates", "Certificate SSL", "SSL сертификати"),
    "email": ("email", "E-mail", "E-mail", "Имейл"),
    "addons": ("addon", "Add-ons", "Servicii suplimentare", "Допълнителни услуги"),
}

# code: (unit, English, Romanian, Bulgarian)
FEATURES = {
    "disk": ("GB", "Disk space", "Spațiu pe disc", "Дисково пространство"),
    "bandwidth": ("GB", "Monthly traffic", "Trafic lunar", "Месечен трафик"),
    "domains": ("", "Websites", "Site-uri", "Сайтове"),
    "mailboxes": ("", "Mailboxes", "Căsuțe de e-mail", "Пощенски кутии"),
    "databases": ("", "Databases", "Baze de date", "Бази данни"),
    "vcpu": ("", "vCPU", "vCPU", "vCPU"),
    "ram": ("GB", "Memory", "Memorie", "Памет"),
    "backups": ("", "Backups kept", "Copii de siguranță păstrate", "Пазени резервни копия"),
}

U = None  # unlimited

# code: group, (English, Romanian, Bulgarian), options, features, {cycle: {currency: (price, setup)}}
Prices = dict[str, dict[str, tuple[str, str]]]
PLANS: list[tuple[str, str, tuple[str, str, str], dict[str, Any], dict[str, Any], Prices]] = []


def _hosting(code: str, name: str, package: str, limits: dict[str, Any], monthly: tuple[str, str]) -> None:
    ron, eur = Decimal(monthly[0]), Decimal(monthly[1])
    cycles = {
        "monthly": (ron, eur),
        "quarterly": (ron * 3 * Decimal("0.95"), eur * 3 * Decimal("0.95")),
        "annual": (ron * 10, eur * 10),
        "biennial": (ron * 19, eur * 19),
    }
    prices = {cycle: {"RON": (f"{r:.2f}", "0"), "EUR": (f"{e:.2f}", "0")} for cycle, (r, e) in cycles.items()}
    options = {"module": "virtualmin", "module_params": {"package": package}, "requires_domain": True}
    PLANS.append((code, "hosting", (name, name, name), options, limits, prices))


_hosting(
    "web-start",
    "Hosting Start",
    "start",
    {"disk": "10", "bandwidth": "100", "domains": "1", "mailboxes": "5", "databases": "2", "backups": "7"},
    ("19.00", "3.90"),
)
_hosting(
    "web-pro",
    "Hosting Pro",
    "pro",
    {"disk": "30", "bandwidth": U, "domains": "5", "mailboxes": "25", "databases": "10", "backups": "14"},
    ("39.00", "7.90"),
)
_hosting(
    "web-business",
    "Hosting Business",
    "business",
    {"disk": "100", "bandwidth": U, "domains": U, "mailboxes": U, "databases": U, "backups": "30"},
    ("79.00", "15.90"),
)


def _vps(code: str, name: str, cores: int, ram: int, disk: int, monthly: tuple[str, str]) -> None:
    ron, eur = Decimal(monthly[0]), Decimal(monthly[1])
    cycles = {"monthly": (ron, eur), "quarterly": (ron * 3, eur * 3), "annual": (ron * 11, eur * 11)}
    prices = {cycle: {"RON": (f"{r:.2f}", "0"), "EUR": (f"{e:.2f}", "0")} for cycle, (r, e) in cycles.items()}
    params: dict[str, Any] = {"template": 9000, "cores": cores, "memory_mb": ram * 1024, "disk_gb": disk}
    limits: dict[str, Any] = {"vcpu": str(cores), "ram": str(ram), "disk": str(disk), "bandwidth": U}
    PLANS.append(
        (code, "vps", (name, name, name), {"module": "proxmox", "module_params": params}, limits, prices)
    )


_vps("vps-s", "VPS S", 1, 2, 40, ("49.00", "9.90"))
_vps("vps-m", "VPS M", 2, 4, 80, ("99.00", "19.90"))
_vps("vps-l", "VPS L", 4, 8, 160, ("199.00", "39.90"))

PLANS += [
    (
        "dedicated-e",
        "dedicated",
        ("Dedicated Xeon E-2388G", "Server dedicat Xeon E-2388G", "Нает сървър Xeon E-2388G"),
        {},
        {"vcpu": "16", "ram": "64", "disk": "1920", "bandwidth": U},
        {
            "monthly": {"RON": ("899.00", "500.00"), "EUR": ("180.00", "100.00")},
            "annual": {"RON": ("9700.00", "0"), "EUR": ("1950.00", "0")},
        },
    ),
    (
        "dedicated-epyc",
        "dedicated",
        ("Dedicated AMD EPYC", "Server dedicat AMD EPYC", "Нает сървър AMD EPYC"),
        {},
        {"vcpu": "64", "ram": "256", "disk": "7680", "bandwidth": U},
        {"monthly": {"RON": ("1899.00", "500.00"), "EUR": ("380.00", "100.00")}},
    ),
    (
        "domain-ro",
        "domains",
        (".ro domain", "Domeniu .ro", "Домейн .ro"),
        {"requires_domain": True},
        {},
        {"annual": {"RON": ("45.00", "0"), "EUR": ("9.00", "0")}},
    ),
    (
        "domain-com",
        "domains",
        (".com domain", "Domeniu .com", "Домейн .com"),
        {"requires_domain": True},
        {},
        {
            "annual": {"RON": ("65.00", "0"), "EUR": ("13.00", "0")},
            "biennial": {"RON": ("125.00", "0"), "EUR": ("25.00", "0")},
        },
    ),
    (
        "domain-eu",
        "domains",
        (".eu domain", "Domeniu .eu", "Домейн .eu"),
        {"requires_domain": True},
        {},
        {"annual": {"RON": ("45.00", "0"), "EUR": ("9.00", "0")}},
    ),
    (
        "ssl-dv",
        "ssl",
        ("DV SSL certificate", "Certificat SSL DV", "DV SSL сертификат"),
        {"requires_domain": True},
        {},
        {"annual": {"RON": ("99.00", "0"), "EUR": ("20.00", "0")}},
    ),
    (
        "ssl-wildcard",
        "ssl",
        ("Wildcard SSL certificate", "Certificat SSL wildcard", "Wildcard SSL сертификат"),
        {"requires_domain": True},
        {},
        {"annual": {"RON": ("599.00", "0"), "EUR": ("120.00", "0")}},
    ),
    (
        "email-business",
        "email",
        ("Business e-mail", "E-mail business", "Бизнес имейл"),
        {"module": "hestiacp", "module_params": {"package": "mail-business"}, "requires_domain": True},
        {"mailboxes": "10", "disk": "50"},
        {
            "monthly": {"RON": ("15.00", "0"), "EUR": ("3.00", "0")},
            "annual": {"RON": ("150.00", "0"), "EUR": ("30.00", "0")},
        },
    ),
    (
        "backup-daily",
        "addons",
        ("Daily backup", "Backup zilnic", "Ежедневно резервно копие"),
        {},
        {"backups": "30", "disk": "50"},
        {
            "monthly": {"RON": ("15.00", "0"), "EUR": ("3.00", "0")},
            "annual": {"RON": ("150.00", "0"), "EUR": ("30.00", "0")},
        },
    ),
    (
        "extra-ip",
        "addons",
        ("Extra IPv4 address", "Adresă IPv4 suplimentară", "Допълнителен IPv4 адрес"),
        {"max_quantity": 8},
        {},
        {"monthly": {"RON": ("12.00", "0"), "EUR": ("2.50", "0")}},
    ),
    (
        "priority-support",
        "addons",
        ("Priority support", "Suport prioritar", "Приоритетна поддръжка"),
        {},
        {},
        {"monthly": {"RON": ("49.00", "0"), "EUR": ("10.00", "0")}},
    ),
]

HOSTING = ("web-start", "web-pro", "web-business")
VPS = ("vps-s", "vps-m", "vps-l")
# plan, other, kind, billing, percent, cycles
RELATIONS = [
    *((code, "domain-ro", "requires", "separate", "0", []) for code in HOSTING),
    *((code, "domain-ro", "includes", "included", "0", ["annual", "biennial"]) for code in HOSTING),
    *((code, "backup-daily", "addon", "discounted", "50", []) for code in HOSTING),
    *((code, "ssl-dv", "addon", "separate", "0", []) for code in ("web-start", "web-pro")),
    ("web-business", "ssl-dv", "includes", "included", "0", []),
    ("web-start", "web-pro", "upgrade", "separate", "0", []),
    ("web-pro", "web-business", "upgrade", "separate", "0", []),
    *((code, "extra-ip", "addon", "separate", "0", []) for code in (*VPS, "dedicated-e", "dedicated-epyc")),
    *((code, "backup-daily", "addon", "discounted", "30", []) for code in VPS),
    *((code, "priority-support", "addon", "separate", "0", []) for code in VPS),
    ("vps-s", "vps-m", "upgrade", "separate", "0", []),
    ("vps-m", "vps-l", "upgrade", "separate", "0", []),
]


def _admin() -> User:
    email = next(email for role, email, _first, _last in STAFF if role == Role.ADMIN)
    return User.objects.get(email=email)


def _texts(english: str, romanian: str, bulgarian: str) -> dict[str, Any]:
    return {"name_en": english, "name_ro": romanian, "name_bg": bulgarian}


def load(*, with_passwords: bool) -> list[str]:
    admin = _admin()
    today = fiscal_today()
    groups = {group.code: group for group in ProductGroup.objects.all()}
    for position, (code, (kind, *group_names)) in enumerate(GROUPS.items()):
        if code not in groups:
            groups[code] = offer.save_group(
                actor=admin, code=code, kind=kind, position=position, **_texts(*group_names)
            )
    existing_features = set(Feature.objects.values_list("code", flat=True))
    for position, (code, (unit, *feature_names)) in enumerate(FEATURES.items()):
        if code not in existing_features:
            offer.save_feature(actor=admin, code=code, unit=unit, position=position, **_texts(*feature_names))
    existing = set(Plan.objects.values_list("code", flat=True))
    created: dict[str, Plan] = {}
    for position, (code, group, names, options, limits, prices) in enumerate(PLANS):
        if code in existing:
            continue
        values: dict[str, Any] = {**options, **_texts(*names)}
        plan = offer.save_plan(actor=admin, group=groups[group], code=code, position=position, **values)
        created[code] = plan
        offer.set_plan_features(actor=admin, plan=plan, limits=limits)
        for cycle, currencies in prices.items():
            for currency, (amount, setup_fee) in currencies.items():
                pricing.plan_price(
                    actor=admin,
                    plan=plan,
                    cycle=cycle,
                    currency=currency,
                    amount=amount,
                    setup_fee=setup_fee,
                    valid_from=today,
                )
    if "vps-s" in created:
        pricing.plan_price(
            actor=admin,
            plan=created["vps-s"],
            cycle="monthly",
            currency="RON",
            amount="55.00",
            valid_from=today + timedelta(days=30),
        )
    plans = {plan.code: plan for plan in Plan.objects.filter(code__in=[row[0] for row in PLANS])}
    relations = 0
    for code, other, kind, billing, percent, cycles in RELATIONS:
        if code in created:
            pricing.save_relation(
                actor=admin,
                plan=plans[code],
                other=plans[other],
                kind=kind,
                billing=billing,
                discount_percent=percent,
                cycles=cycles,
            )
            relations += 1
    coupons = _coupons(admin, groups)
    return [
        "",
        f"Catalog: {len(created)} plans added now ({Plan.objects.count()} in all), "
        f"{relations} relationships, coupons added: {', '.join(coupons) or 'none'}.",
    ]


def _coupons(admin: User, groups: dict[str, ProductGroup]) -> list[str]:
    present = set(Coupon.objects.values_list("code", flat=True))
    added = []
    if "BUNVENIT10" not in present:
        promotions.save_coupon(
            actor=admin,
            code="BUNVENIT10",
            kind="percent",
            percent="10",
            periods=1,
            max_uses_per_customer=1,
            description="10% off the first period of any order",
        )
        added.append("BUNVENIT10")
    if "VPS50" not in present:
        promotions.save_coupon(
            actor=admin,
            code="VPS50",
            kind="fixed",
            amounts={"RON": "50", "EUR": "10"},
            groups=[groups["vps"]],
            cycles=["monthly"],
            periods=3,
            max_uses=500,
            description="50 RON / 10 EUR off 3 months of a VPS",
        )
        added.append("VPS50")
    return added
