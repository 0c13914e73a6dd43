"""Feature flags: is this flag on for this user acting for this customer? One answer for the
customer area, the API and services (django-waffle's flag, extended in models.flags).

A flag is on when it is on for everyone, or for the user (directly, by group, staff/superuser or
authenticated as waffle defines them), or for the customer, or for a plan the customer has a live
service on, or when the customer falls in the flag's percentage: a stable share of customers
(a hash of the flag's name and the customer's id), so a customer sees the same answer on every
request, page and API call alike.
"""

from __future__ import annotations

import hashlib
from typing import Any

from praho.catalog.models import Plan
from praho.customers.models import Customer
from praho.orders.models import FeatureFlag

LIVE_STATUSES = ("pending", "active", "suspended")


def _bucket(name: str, customer_id: int) -> int:
    """0..999, the same for a flag and customer on every call."""
    digest = hashlib.sha256(f"{name}:{customer_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 1000


def flag_active(name: str, *, user: Any = None, customer: Customer | None = None) -> bool:
    flag = FeatureFlag.get(name)  # cached by waffle
    if not flag.pk:
        return False
    if flag.everyone is not None:
        return bool(flag.everyone)
    if user is not None and flag.is_active_for_user(user):
        return True
    if customer is None:
        return False
    if flag.customers.filter(pk=customer.pk).exists():
        return True
    if flag.plans.filter(services__customer=customer, services__status__in=LIVE_STATUSES).exists():
        return True
    return flag.percent is not None and _bucket(name, customer.pk) < int(flag.percent * 10)


def plan_offered(plan: Plan, customer: Customer, user: Any, *, staff: bool = False) -> bool:
    """A plan behind a flag is offered only where the flag is on; staff may order any plan."""
    return staff or not plan.flag or flag_active(plan.flag, user=user, customer=customer)
