"""What a service's next period is and what it costs: pure rules plus one bulk read of list prices.

The period billed next is the one starting on the service's next due date, counted from its
billing anchor (praho.catalog.cycles), so a renewal is keyed (service, period number). Its price:

- the price it was sold at (`Service.price`, all units, net of VAT) while a recurring coupon lasts
  (`discounted_periods`: None = for good; k = renewal periods 1..k), then `list_price`;
- or, when staff chose "follow the list price", the plan's catalog price in force on the day the
  period starts, times the quantity, less the coupon's discount while the coupon lasts (package
  discounts of the original order are not carried over: the list price is the list price).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from praho.catalog.cycles import Period, months_of, period_on
from praho.catalog.selectors import PriceKey, current_prices
from praho.core.money import round_money
from praho.orders.models import Service

ZERO = Decimal("0")


def anchor_of(service: Service) -> date | None:
    """The first day of the service's first period (stored; for a service without one, one cycle
    before its next due date)."""
    months = months_of(service.cycle)
    if months is None or service.next_due_date is None:
        return service.billing_anchor
    return service.billing_anchor or service.next_due_date - relativedelta(months=months)


def next_period(service: Service) -> Period | None:
    """The period that starts on the next due date; None for a one-time purchase."""
    anchor = anchor_of(service)
    if anchor is None or service.next_due_date is None or months_of(service.cycle) is None:
        return None
    return period_on(anchor, service.cycle, service.next_due_date)


def current_period(service: Service, on: date) -> Period | None:
    """The period holding `on` (the one paid for, when `on` is before the next due date)."""
    anchor = anchor_of(service)
    if anchor is None or months_of(service.cycle) is None or on < anchor:
        return None
    return period_on(anchor, service.cycle, on)


def coupon_in_force(service: Service, number: int) -> bool:
    return service.price != service.list_price and (
        service.discounted_periods is None or number <= service.discounted_periods
    )


@dataclass(frozen=True)
class RenewalPrice:
    net: Decimal  # the period's price for all units, net of VAT
    unit_price: Decimal  # per unit
    list_price_followed: bool


def renewal_price(service: Service, number: int, *, list_price: Decimal | None = None) -> RenewalPrice:
    """The net price of period `number` (`list_price`: the catalog's unit price in force, needed
    only for a service that follows the list price; without one the stored price is used)."""
    discount = service.list_price - service.price if coupon_in_force(service, number) else ZERO
    quantity = max(service.quantity, 1)
    if service.follow_list_price and list_price is not None:
        net = max(round_money(list_price * quantity) - discount, ZERO)
        followed = True
    else:
        net = service.list_price - discount
        followed = False
    return RenewalPrice(
        net=net, unit_price=(net / quantity).quantize(Decimal("0.0001")), list_price_followed=followed
    )


def list_prices(services: Iterable[Service], *, on: date) -> dict[PriceKey, Decimal]:
    """The catalog unit price in force on `on` of each (plan, cycle, currency) these services need
    (those that follow the list price): one query."""
    following = [service for service in services if service.follow_list_price]
    if not following:
        return {}
    prices = current_prices({service.plan_id for service in following}, on=on)
    return {key: price.amount for key, price in prices.items()}


def price_key(service: Service) -> PriceKey:
    return (service.plan_id, service.cycle, service.currency)
