"""Demo renewals: two dedicated servers (plans set up by hand, no panel) of the demo's Romanian
company, one due in five days and one due today, billed by a billing run as the daily task would
(their renewal proformas are in the customer area and on the staff's run page); a metered
bandwidth item on VPS S (usage over 1 TB billed in arrears); the forecast shows every demo
service's next renewals. Made once (the services' domain names them)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from praho.catalog.models import Plan
from praho.core.validation import fiscal_today
from praho.customers.models import Customer
from praho.orders.models import Service, ServiceStatus
from praho.recurring.models import Measure, MeteredItem, RunTrigger, TierMode
from praho.recurring.services.runs import run_billing

COMPANY = "Acme Hosting SRL"
DOMAINS = ("dedicated-1.acme.ro", "dedicated-2.acme.ro")


def load(*, with_passwords: bool) -> list[str]:
    customer = Customer.objects.filter(name=COMPANY).first()
    plan = Plan.objects.filter(code="dedicated-e").first()
    if customer is None or plan is None:
        return ["", "Recurring billing: skipped, the demo customer or catalog is missing."]
    if Service.objects.filter(domain__in=DOMAINS).exists():
        return ["", "Recurring billing: the demo renewals are there already (/staff/recurring/runs/)."]
    today = fiscal_today()
    for domain, due in zip(DOMAINS, (today + timedelta(days=5), today), strict=True):
        anchor = due - relativedelta(months=1)
        Service.objects.create(
            customer=customer,
            plan=plan,
            status=ServiceStatus.ACTIVE,
            cycle="monthly",
            domain=domain,
            price=Decimal("899.00"),
            list_price=Decimal("899.00"),
            currency="RON",
            billing_anchor=anchor,
            next_due_date=anchor + relativedelta(months=1),
        )
    vps = Plan.objects.filter(code="vps-s").first()
    if vps is not None:
        MeteredItem.objects.get_or_create(
            plan=vps,
            measure=Measure.BANDWIDTH_GB,
            currency="RON",
            defaults={
                "included": Decimal("1024"),
                "tier_mode": TierMode.GRADUATED,
                "tiers": [{"up_to": "1024", "unit_price": "0.05"}, {"up_to": None, "unit_price": "0.03"}],
            },
        )
    run = run_billing(on=today, trigger=RunTrigger.COMMAND)
    return [
        "",
        f"Recurring billing: a billing run made {run.documents} renewal documents for {run.services} "
        "services (/staff/recurring/runs/); the forecast is at /staff/recurring/forecast/, dunning at "
        "/staff/recurring/dunning/, the customer's renewals at /app/renewals/. The daily task "
        "(recurring.daily) bills, charges saved cards and runs dunning each morning.",
    ]
