"""Demo orders: one in every state, with their services, placed on the demo catalog
(praho.catalog.demo, loaded before this module as catalog comes first in INSTALLED_APPS) for
the demo customers (praho.customers.demo) through the orders services only, so every order is
priced by the one quote, billed by a real proforma and audited:

- paid: web hosting with an add-on, its proforma paid by bank transfer (billing's
  record_payment), which converts it and creates the services; these are then marked active
  (provisioning is not there yet) so the customer's entitlements show something;
- awaiting payment: a VPS, its proforma issued;
- awaiting approval and refused: a customer flagged for review;
- cancelled: its proforma cancelled;
- with a coupon, if the catalog has one this order may use.

The plans are looked up by what they are (public plans of a hosting, VPS or domain group with a
price in the order's currency), not by code, and each order is priced before it is placed: a
scenario the catalog cannot serve (empty catalog, no seller, no coupon) is skipped and reported.
Each scenario writes its name into its order's notes; one already present is left alone, so
running the demo again adds nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from praho.accounts.demo import STAFF
from praho.accounts.models import User
from praho.accounts.roles import Role
from praho.billing.services.payments import record_payment
from praho.catalog.models import Coupon, GroupKind, Plan, PlanRelation, RelationKind, Visibility
from praho.catalog.selectors import current_prices
from praho.core.validation import fiscal_today
from praho.customers.demo import ACME, ANDREI
from praho.customers.models import Customer
from praho.efactura import demo as efactura_demo
from praho.orders.models import Order, ReviewFlag, Service
from praho.orders.quotes import quote
from praho.orders.services import fulfilment, policy
from praho.orders.services.checkout import place_order

NOTE = "Demo data:"  # + the scenario's name, in the notes of its order
CURRENCY = "RON"
CYCLES = ("annual", "monthly", "quarterly", "semiannual", "biennial", "triennial", "one_time")
REVIEW_REASON = "Demo: new customer, first orders checked by hand"


@dataclass
class Context:
    sales: User  # places the orders for the customers
    manager: User  # decides
    clerk: User  # records the payment
    lines: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Scenario:
    name: str
    customer: str  # a key of _customers()
    kinds: tuple[str, ...]  # group kinds to order from, in order of preference
    addon: bool = False
    coupon: bool = False
    review: bool = False  # the customer is flagged for review first
    then: Callable[[Context, Order], None] | None = None


def _pay(context: Context, order: Order) -> None:
    assert order.document is not None
    record_payment(
        actor=context.clerk,
        invoice=order.document,
        amount=order.document.total,
        currency=order.currency,
        method="bank_transfer",
        reference=f"OP {order.number}",
        received_on=fiscal_today(),
    )
    # Provisioning's demo (after this one) creates them on the local fake panels.


def _refuse(context: Context, order: Order) -> None:
    fulfilment.refuse_order(
        actor=context.manager, order=order, reason="Demo: the company could not be verified"
    )


def _cancel(context: Context, order: Order) -> None:
    fulfilment.cancel_order(actor=context.sales, order=order, reason="Demo: the customer ordered by mistake")


SCENARIOS = (
    Scenario(
        "paid hosting with an add-on", "acme", (GroupKind.HOSTING, GroupKind.VPS), addon=True, then=_pay
    ),
    Scenario("VPS awaiting payment", "andrei", (GroupKind.VPS, GroupKind.HOSTING)),
    Scenario("awaiting approval", "review", (GroupKind.VPS, GroupKind.HOSTING), review=True),
    Scenario("refused", "review", (GroupKind.HOSTING, GroupKind.VPS), review=True, then=_refuse),
    Scenario("cancelled", "other", (GroupKind.DOMAIN, GroupKind.HOSTING, GroupKind.SSL), then=_cancel),
    Scenario("with a coupon", "coupon", (GroupKind.HOSTING, GroupKind.VPS), coupon=True),
)


def _staff(role: str) -> User | None:
    email = next(email for staff_role, email, _first, _last in STAFF if staff_role == role)
    return User.objects.filter(email=email).first()


def _customers() -> dict[str, Customer | None]:
    active = Customer.objects.active()
    companies = active.filter(kind="company", country="RO").exclude(name=ACME).order_by("name")[:3]
    others: list[Customer | None] = [*companies, None, None, None]
    return {
        "acme": active.filter(name=ACME).first(),
        "andrei": active.filter(name=ANDREI).first(),
        "review": others[0],
        "other": others[1],
        "coupon": others[2],
    }


def _candidates(kinds: tuple[str, ...], customer: Customer) -> list[dict[str, Any]]:
    """Items to try, best first: each public plan of these group kinds in each cycle it has a
    price for in CURRENCY."""
    plans = [
        plan
        for kind in kinds
        for plan in Plan.objects.filter(group__kind=kind, visibility=Visibility.PUBLIC, flag="")
        .select_related("group")
        .order_by("group__position", "position", "pk")
    ]
    prices = current_prices([plan.pk for plan in plans], on=fiscal_today(), currency=CURRENCY)
    domain = f"{customer.name.split()[0].lower().strip('.,')}-demo.ro"
    items = []
    for plan in plans:
        for cycle in CYCLES:
            if (plan.pk, cycle, CURRENCY) in prices:
                item: dict[str, Any] = {"plan": plan.code, "cycle": cycle, "quantity": 1}
                if plan.requires_domain:
                    item["domain"] = domain
                items.append(item)
    return items


def _prices(customer: Customer, items: list[dict[str, Any]], coupon: str = "") -> bool:
    try:
        quote(customer=customer, currency=CURRENCY, items=items, coupon=coupon, staff=True)
    except ValidationError:
        return False
    return True


def _with_addon(customer: Customer, item: dict[str, Any]) -> dict[str, Any]:
    addons = PlanRelation.objects.filter(plan__code=item["plan"], kind=RelationKind.ADDON).select_related(
        "other"
    )
    for relation in addons.order_by("pk"):
        richer = item | {"addons": [relation.other.code]}
        if _prices(customer, [richer]):
            return richer
    return item


def _order_items(scenario: Scenario, customer: Customer) -> tuple[list[dict[str, Any]], str] | None:
    """The first candidate the catalog prices (with a coupon it accepts, when asked), or None."""
    coupons = list(Coupon.objects.filter(active=True).order_by("pk").values_list("code", flat=True))
    for item in _candidates(scenario.kinds, customer)[:20]:
        if not _prices(customer, [item]):
            continue
        if scenario.addon:
            item = _with_addon(customer, item)
        if not scenario.coupon:
            return [item], ""
        for code in coupons:
            if _prices(customer, [item], code):
                return [item], code
    return None


def _run(context: Context, scenario: Scenario, customer: Customer) -> Order | None:
    found = _order_items(scenario, customer)
    if found is None:
        context.lines.append(f"  Skipped {scenario.name!r}: the catalog has nothing it can order.")
        return None
    items, coupon = found
    try:
        with transaction.atomic():  # a scenario that fails half-way leaves nothing
            order = _place(context, scenario, customer, items, coupon)
    except ValidationError as refused:
        context.lines.append(f"  Skipped {scenario.name!r}: {' '.join(refused.messages)}")
        return None
    return order


def _place(
    context: Context, scenario: Scenario, customer: Customer, items: list[dict[str, Any]], coupon: str
) -> Order:
    if scenario.review and not ReviewFlag.objects.filter(customer=customer).exists():
        policy.flag_for_review(actor=context.manager, customer=customer, reason=REVIEW_REASON)
    order = place_order(
        actor=context.sales,
        customer=customer,
        currency=CURRENCY,
        items=items,
        coupon=coupon,
        notes=f"{NOTE} {scenario.name}",
        staff=True,
    )
    if scenario.then is not None:
        scenario.then(context, order)
    return order


def load(*, with_passwords: bool) -> list[str]:
    sales, manager, clerk = _staff(Role.SALES), _staff(Role.MANAGER), _staff(Role.BILLING)
    if sales is None or manager is None or clerk is None:
        return ["", "Orders: skipped, the demo staff are missing."]
    context = Context(sales=sales, manager=manager, clerk=clerk)
    if not Plan.objects.exists():
        return ["", "Orders: skipped, the catalog is empty."]
    customers = _customers()
    present = set(Order.objects.filter(notes__startswith=NOTE).values_list("notes", flat=True))
    added = 0
    for scenario in SCENARIOS:
        if f"{NOTE} {scenario.name}" in present:
            continue
        customer = customers.get(scenario.customer)
        if customer is None:
            context.lines.append(f"  Skipped {scenario.name!r}: its demo customer is missing.")
            continue
        if _run(context, scenario, customer) is not None:
            added += 1
    if added:
        # e-Factura's demo ran before this one (INSTALLED_APPS order): validate the invoices the
        # paid orders were given, as it validated the others, so a second run has nothing left to do.
        efactura_demo.load(with_passwords=with_passwords)
    orders = Order.objects.exclude(status="draft").count()
    services = Service.objects.count()
    return [
        "",
        f"Orders: {added} demo orders added now; {orders} orders, {services} services.",
        *context.lines,
    ]
