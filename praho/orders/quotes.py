"""What an order costs: items (a plan, its cycle, quantity, domain and add-ons) read, checked
against the catalog's rules and priced, with plan relationships and a coupon applied.

One function, `quote()`, serves the cart page (a preview), the API and checkout (which writes
what it returns), so the customer is shown exactly what will be billed. It writes nothing.
Errors are keyed by field as the API reports them: `items.0.cycle`, `items.1.addons.0`,
`coupon`; all of them at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import DomainNameValidator
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext as _

from praho.billing.rules import vat
from praho.billing.rules.totals import LineInput, compute_totals
from praho.billing.services.drafts import current_seller
from praho.catalog import coupons
from praho.catalog.models import (
    Coupon,
    CouponKind,
    Cycle,
    GroupKind,
    Plan,
    PlanRelation,
    Price,
    RelationBilling,
)
from praho.catalog.models import RelationKind as Kind
from praho.catalog.selectors import current_prices, plans_by_reference, relations_of
from praho.core.money import Currency, round_money
from praho.core.validation import FieldErrors, fiscal_today
from praho.customers.models import Customer
from praho.orders.flags import plan_offered
from praho.orders.models import CouponRedemption, LineRole, Service, ServiceStatus

ZERO = Decimal("0.00")
HUNDRED = Decimal(100)
ITEM_KEYS = frozenset({"plan", "cycle", "quantity", "domain", "addons"})
MAX_ADDONS = 10
MAX_ID = 2**63 - 1  # a BigAutoField's largest value
LIVE = (ServiceStatus.PENDING, ServiceStatus.ACTIVE, ServiceStatus.SUSPENDED)
_domain_validator = DomainNameValidator(accept_idna=True)


@dataclass
class QuoteLine:
    plan: Plan
    role: str
    cycle: str
    quantity: int
    unit_price: Decimal
    setup_fee: Decimal
    domain: str = ""
    parent: int | None = None  # index of the line it came with
    relation_discount: Decimal = ZERO
    coupon_discount: Decimal = ZERO
    coupon_recurring: bool = False
    # Renewals after the first period still discounted by the coupon (None: every one).
    coupon_periods_after_first: int | None = None

    @property
    def base(self) -> Decimal:
        return round_money(self.unit_price * self.quantity)

    @property
    def setup_total(self) -> Decimal:
        return round_money(self.setup_fee * self.quantity)

    @property
    def discount(self) -> Decimal:
        return self.relation_discount + self.coupon_discount

    @property
    def net_amount(self) -> Decimal:
        return self.base + self.setup_total - self.discount

    @property
    def recurring_price(self) -> Decimal:
        """What each later period costs: the package discount stays, a coupon only while it lasts."""
        price = self.base - self.relation_discount
        return price - self.coupon_discount if self.coupon_recurring else price

    @property
    def description(self) -> str:
        label = f"{self.plan.name} ({Cycle(self.cycle).label.lower()})"
        return f"{label}: {self.domain}" if self.domain else label


@dataclass
class Quote:
    customer: Customer
    currency: str
    lines: list[QuoteLine] = field(default_factory=list)
    coupon: Coupon | None = None
    coupon_periods: int | None = None
    vat_rate: Decimal = ZERO
    vat_category: str = "S"
    net_total: Decimal = ZERO
    vat_total: Decimal = ZERO
    total: Decimal = ZERO

    @property
    def discount_total(self) -> Decimal:
        return sum((line.discount for line in self.lines), ZERO)

    @property
    def gross_total(self) -> Decimal:
        """Before discounts, without VAT: what a coupon's minimum order is compared with."""
        return sum((line.base + line.setup_total for line in self.lines), ZERO)


@dataclass
class _Context:
    customer: Customer
    currency: str
    on: date
    staff: bool
    user: Any
    errors: FieldErrors
    plans: dict[str, Plan] = field(default_factory=dict)
    prices: dict[tuple[int, str, str], Price] = field(default_factory=dict)
    relations: dict[int, list[PlanRelation]] = field(default_factory=dict)


def quote(
    *,
    customer: Customer,
    currency: str,
    items: Any,
    coupon: str = "",
    user: Any = None,
    staff: bool = False,
    now: datetime | None = None,
) -> Quote:
    """The priced order, or a ValidationError keyed by field. `staff` may order hidden plans and
    plans behind a feature flag; customers may order hidden plans (by link) but not flagged ones
    that are off for them."""
    errors = FieldErrors()
    now = now or timezone.now()
    context = _Context(
        customer=customer,
        currency=str(currency or "").upper(),
        on=fiscal_today(),
        staff=staff,
        user=user,
        errors=errors,
    )
    if context.currency not in Currency.values:
        errors.add("currency", _("Choose RON, EUR or USD."), "invalid_choice")
    items = _item_list(errors, items)
    _load_catalog(context, items)
    result = Quote(customer=customer, currency=context.currency)
    for index, item in enumerate(items):
        _add_item(context, result, index, item)
    if not errors.by_field:
        _check_requirements(context, result, items)
    errors.raise_if_any()
    if coupon:
        _apply_coupon(context, result, coupon, now=now)
        errors.raise_if_any()
    _add_vat(result)
    return result


def _item_list(errors: FieldErrors, items: Any) -> list[dict[str, Any]]:
    if not isinstance(items, list):
        errors.add("items", _("Send a list of items."), "invalid")
        return []
    if not items:
        errors.add("items", _("An order needs at least one item."), "required")
    if len(items) > settings.ORDERS_MAX_ITEMS:
        errors.add(
            "items",
            _("An order has at most %(max)d items.") % {"max": settings.ORDERS_MAX_ITEMS},
            "too_many",
        )
        return []
    good = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            errors.add(f"items.{index}", _("Each item is an object with a plan and a cycle."), "invalid")
            continue
        for key in sorted(set(item) - ITEM_KEYS):
            errors.add(f"items.{index}.{key}", _("Unknown field."), "unknown_field")
        good.append(item)
    return good if len(good) == len(items) else []


def _references(items: Sequence[dict[str, Any]]) -> list[Any]:
    refs: list[Any] = []
    for item in items:
        refs.append(item.get("plan"))
        addons = item.get("addons")
        if isinstance(addons, list):
            refs.extend(addons[:MAX_ADDONS])
    return [ref for ref in refs if _readable_reference(ref)]


def _readable_reference(reference: Any) -> bool:
    """A reference that can name a plan: text of at most 40 characters, or an id a database key
    can hold (a larger number would overflow the query instead of finding nothing)."""
    if isinstance(reference, bool) or not isinstance(reference, int | str):
        return False
    text = str(reference).strip()
    if len(text) > 40:
        return False
    if isinstance(reference, int) or (text.isascii() and text.isdigit()):
        return 0 < int(text) <= MAX_ID
    return True


def _load_catalog(context: _Context, items: Sequence[dict[str, Any]]) -> None:
    """Every plan the items name, their relationships and the related plans, and the current
    prices of all of them in the order's currency: four queries whatever the order's size."""
    context.plans = plans_by_reference(_references(items))
    relations = relations_of({plan.pk for plan in context.plans.values()})
    for relation in relations:
        context.relations.setdefault(relation.plan_id, []).append(relation)
    plan_ids = {plan.pk for plan in context.plans.values()} | {relation.other_id for relation in relations}
    if context.currency in Currency.values:
        context.prices = current_prices(plan_ids, on=context.on, currency=context.currency)


def _plan(context: _Context, field_name: str, reference: Any) -> Plan | None:
    errors = context.errors
    if reference in (None, ""):
        errors.add(field_name, _("Choose a plan."), "required")
        return None
    plan = context.plans.get(str(reference).strip().lower() if isinstance(reference, str) else str(reference))
    if (
        isinstance(reference, bool)
        or plan is None
        or not plan_offered(plan, context.customer, context.user, staff=context.staff)
    ):
        errors.add(field_name, _("There is no plan with this id or code."), "does_not_exist")
        return None
    if not plan.orderable:
        errors.add(field_name, _("This plan is retired and can no longer be ordered."), "retired")
        return None
    return plan


def _price(context: _Context, field_name: str, plan: Plan, cycle: str) -> Price | None:
    price = context.prices.get((plan.pk, cycle, context.currency))
    if price is None and context.currency in Currency.values:
        context.errors.add(
            field_name,
            _("%(plan)s is not sold with the %(cycle)s cycle in %(currency)s.")
            % {"plan": plan.name, "cycle": Cycle(cycle).label.lower(), "currency": context.currency},
            "not_priced",
        )
    return price


def _quantity(context: _Context, field_name: str, value: Any, plan: Plan) -> int:
    if value is None:
        return 1
    if (
        isinstance(value, bool)
        or not isinstance(value, int | str)
        or not str(value).isascii()
        or not str(value).isdigit()
    ):
        context.errors.add(field_name, _("Enter a whole number."), "invalid")
        return 1
    quantity = int(value)
    if not 1 <= quantity <= plan.max_quantity:
        context.errors.add(
            field_name,
            _("The quantity of %(plan)s is from 1 to %(max)d.")
            % {"plan": plan.name, "max": plan.max_quantity},
            "out_of_range",
        )
    return quantity


def _domain(context: _Context, field_name: str, value: Any, plan: Plan, quantity: int) -> str:
    if value in (None, ""):
        if plan.requires_domain:
            context.errors.add(
                field_name, _("%(plan)s needs a domain name.") % {"plan": plan.name}, "required"
            )
        return ""
    text = str(value).strip().lower().rstrip(".") if isinstance(value, str) else ""
    try:
        if not text or len(text) > 253 or "." not in text:
            raise ValidationError("")
        _domain_validator(text)
    except ValidationError:
        context.errors.add(field_name, _("Enter a domain name such as example.ro."), "invalid")
        return ""
    if quantity > 1:
        context.errors.add(field_name, _("A domain name goes with a quantity of 1."), "quantity")
    return text


def _add_item(context: _Context, result: Quote, index: int, item: dict[str, Any]) -> None:
    prefix = f"items.{index}."
    plan = _plan(context, prefix + "plan", item.get("plan"))
    cycle = item.get("cycle")
    if cycle not in Cycle.values:
        context.errors.add(
            prefix + "cycle",
            _("Choose one of: %(cycles)s.") % {"cycles": ", ".join(Cycle.values)},
            "invalid_choice",
        )
        return
    if plan is None:
        return
    quantity = _quantity(context, prefix + "quantity", item.get("quantity"), plan)
    domain = _domain(context, prefix + "domain", item.get("domain"), plan, quantity)
    price = _price(context, prefix + "cycle", plan, cycle)
    if price is None:
        return
    parent = len(result.lines)
    result.lines.append(
        QuoteLine(
            plan=plan,
            role=LineRole.ITEM,
            cycle=cycle,
            quantity=quantity,
            unit_price=price.amount,
            setup_fee=price.setup_fee,
            domain=domain,
        )
    )
    _add_addons(context, result, prefix, item.get("addons"), plan, parent)
    _add_included(context, result, plan, parent)


def _add_addons(context: _Context, result: Quote, prefix: str, addons: Any, plan: Plan, parent: int) -> None:
    if addons in (None, []):
        return
    if not isinstance(addons, list) or len(addons) > MAX_ADDONS:
        context.errors.add(
            prefix + "addons", _("Send a list of at most %(max)d add-ons.") % {"max": MAX_ADDONS}, "invalid"
        )
        return
    offered = {r.other_id: r for r in context.relations.get(plan.pk, []) if r.kind == Kind.ADDON}
    item = result.lines[parent]
    seen: set[int] = set()
    for position, reference in enumerate(addons):
        field_name = f"{prefix}addons.{position}"
        addon = _plan(context, field_name, reference)
        if addon is None:
            continue
        relation = offered.get(addon.pk)
        if relation is None:
            context.errors.add(
                field_name,
                _("%(addon)s is not an add-on of %(plan)s.") % {"addon": addon.name, "plan": plan.name},
                "not_addon",
            )
            continue
        if addon.pk in seen:
            context.errors.add(field_name, _("This add-on is already in the item."), "duplicate")
            continue
        seen.add(addon.pk)
        price = _price(context, field_name, addon, item.cycle)
        if price is not None:
            result.lines.append(_related_line(relation, addon, price, item, LineRole.ADDON, parent))


def _add_included(context: _Context, result: Quote, plan: Plan, parent: int) -> None:
    item = result.lines[parent]
    for relation in context.relations.get(plan.pk, []):
        if relation.kind != Kind.INCLUDES or (relation.cycles and item.cycle not in relation.cycles):
            continue
        price = context.prices.get((relation.other_id, item.cycle, context.currency))
        if price is None and relation.billing != RelationBilling.INCLUDED:
            _price(context, f"items.{parent}.cycle", relation.other, item.cycle)
            continue
        result.lines.append(_related_line(relation, relation.other, price, item, LineRole.INCLUDED, parent))


def _related_line(
    relation: PlanRelation, plan: Plan, price: Price | None, item: QuoteLine, role: str, parent: int
) -> QuoteLine:
    free = relation.billing == RelationBilling.INCLUDED
    line = QuoteLine(
        plan=plan,
        role=role,
        cycle=item.cycle,
        quantity=item.quantity if role == LineRole.ADDON else 1,
        unit_price=price.amount if price else ZERO,
        setup_fee=ZERO if free or price is None else price.setup_fee,
        domain=item.domain if plan.group.kind == GroupKind.DOMAIN else "",
        parent=parent,
    )
    if free:
        line.relation_discount = line.base
    elif relation.billing == RelationBilling.DISCOUNTED:
        line.relation_discount = round_money(line.base * relation.discount_percent / HUNDRED)
    return line


def _check_requirements(context: _Context, result: Quote, items: list[dict[str, Any]]) -> None:
    """A plan that requires another is satisfied by that plan in the order, by a live service of
    the customer on it, or (for a domain) by a domain name given with the item."""
    in_order = {line.plan.pk for line in result.lines}
    required = [
        r
        for line in result.lines
        if line.role == LineRole.ITEM
        for r in context.relations.get(line.plan.pk, [])
        if r.kind == Kind.REQUIRES
    ]
    if not required:
        return
    owned = set(
        Service.objects.filter(
            customer=context.customer, status__in=LIVE, plan_id__in={r.other_id for r in required}
        ).values_list("plan_id", flat=True)
    )
    items_by_line = [i for i, line in enumerate(result.lines) if line.role == LineRole.ITEM]
    for item_index, line_index in enumerate(items_by_line):
        line = result.lines[line_index]
        for relation in context.relations.get(line.plan.pk, []):
            if relation.kind != Kind.REQUIRES or relation.other_id in in_order | owned:
                continue
            if relation.other.group.kind == GroupKind.DOMAIN and line.domain:
                continue
            context.errors.add(
                f"items.{item_index}",
                _("%(plan)s requires %(other)s: add it to the order.")
                % {"plan": line.plan.name, "other": relation.other.name},
                "requires",
            )


def _coupon_row(code: str) -> Coupon | None:
    text = code.strip().upper()
    if not text or len(text) > 40:
        return None
    return Coupon.objects.annotate(code_upper=Upper("code")).filter(code_upper=text).first()


def _apply_coupon(context: _Context, result: Quote, code: Any, *, now: datetime) -> None:
    errors = context.errors
    coupon = _coupon_row(code) if isinstance(code, str) else None
    try:
        uses = (
            0
            if coupon is None
            else CouponRedemption.objects.filter(coupon=coupon, customer=context.customer).count()
        )
        coupons.check_usable(
            coupon, now=now, currency=context.currency, order_net=result.gross_total, customer_uses=uses
        )
        assert coupon is not None
        eligible = _eligible_lines(coupon, result)
        if not eligible:
            raise coupons.not_applicable()
    except ValidationError as refusal:
        errors.add("coupon", refusal.messages[0], refusal.code or "invalid")
        return
    _discount(coupon, eligible, context.currency)
    result.coupon = coupon
    result.coupon_periods = coupon.periods


def _eligible_lines(coupon: Coupon, result: Quote) -> list[QuoteLine]:
    plan_ids = {plan.pk for plan in coupon.plans.all()}
    group_ids = {group.pk for group in coupon.groups.all()}
    eligible = []
    for line in result.lines:
        facts = coupons.CouponLine(
            plan_id=line.plan.pk,
            group_id=line.plan.group_id,
            cycle=line.cycle,
            discounted=line.relation_discount > 0,
        )
        if line.base - line.relation_discount > 0 and coupons.applies_to(
            coupon, facts, plan_ids=plan_ids, group_ids=group_ids
        ):
            eligible.append(line)
    return eligible


def _discount(coupon: Coupon, lines: list[QuoteLine], currency: str) -> None:
    """Percent: off each line's price after its package discount. Fixed: the amount (at most the
    lines' total) shared over the lines in proportion, the last line taking the rounding."""
    recurring = coupon.periods is None or coupon.periods > 1
    for line in lines:
        line.coupon_recurring = recurring
        line.coupon_periods_after_first = None if coupon.periods is None else coupon.periods - 1
    if coupon.kind == CouponKind.PERCENT:
        assert coupon.percent is not None
        for line in lines:
            line.coupon_discount = round_money(
                (line.base - line.relation_discount) * coupon.percent / HUNDRED
            )
        return
    bases = [line.base - line.relation_discount for line in lines]
    amount = min(Decimal(coupon.amounts[currency]), sum(bases, ZERO))
    left = amount
    for line, base in zip(lines[:-1], bases[:-1], strict=True):
        share = round_money(amount * base / sum(bases, ZERO))
        line.coupon_discount = share
        left -= share
    lines[-1].coupon_discount = left


class BilledLine(Protocol):
    """What a proforma line is made of: a quote's line or a stored order line."""

    @property
    def description(self) -> str: ...

    @property
    def quantity(self) -> int: ...

    @property
    def unit_price(self) -> Decimal: ...

    @property
    def setup_fee(self) -> Decimal: ...

    @property
    def coupon_discount(self) -> Decimal: ...

    @property
    def base(self) -> Decimal: ...

    @property
    def setup_total(self) -> Decimal: ...

    @property
    def discount(self) -> Decimal: ...


def document_lines(lines: Sequence[BilledLine], coupon_code: str = "") -> list[dict[str, Any]]:
    """The proforma's lines: each order line's period (its discounts as the line's allowance,
    EN 16931 BT-136) and, when there is one, its setup fee on a line of its own."""
    billed: list[dict[str, Any]] = []
    for line in lines:
        on_period = min(line.discount, line.base)
        description = line.description
        if line.coupon_discount and coupon_code:
            description = _("%(line)s, coupon %(code)s") % {"line": description, "code": coupon_code}
        billed.append(_document_line(description, line.quantity, line.unit_price, on_period))
        if line.setup_total:
            label = _("Setup: %(line)s") % {"line": line.description}
            billed.append(_document_line(label, line.quantity, line.setup_fee, line.discount - on_period))
    return billed


def _document_line(description: str, quantity: int, unit_price: Decimal, discount: Decimal) -> dict[str, Any]:
    return {
        "description": description[:300],
        "quantity": Decimal(quantity),
        "unit_code": "C62",
        "unit_price": unit_price,
        "discount": discount,
    }


def vat_treatment(customer: Customer) -> vat.VatTreatment:
    """VAT as billing will charge it for this customer today (its engine, not a copy); the
    catalog pages show prices with it."""
    seller = current_seller()
    return vat.determine_treatment(
        seller=vat.seller_facts(seller), buyer=vat.buyer_facts(customer), on=fiscal_today()
    )


def _add_vat(result: Quote) -> None:
    treatment = vat_treatment(result.customer)
    result.vat_rate, result.vat_category = treatment.rate, treatment.category
    totals = compute_totals(
        LineInput(
            quantity=line["quantity"],
            unit_price=line["unit_price"],
            vat_category=treatment.category,
            vat_rate=treatment.rate,
            discount=line["discount"],
        )
        for line in document_lines(result.lines, result.coupon.code if result.coupon else "")
    )
    result.net_total, result.vat_total, result.total = (
        totals.net_total,
        totals.vat_total,
        totals.tax_inclusive_total,
    )
