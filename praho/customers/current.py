"""The customer a user is acting for in the customer area.

A user may belong to several customers. The one they chose is kept in the
session, but the session is never trusted: on every request the choice is
checked against the user's memberships (`memberships_for_user`), so a removed
membership or a deleted customer stops working at once. Without a valid
choice the first membership (by customer name) is used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import Http404, HttpRequest

from praho.customers.models import Customer, Membership
from praho.customers.roles import ROLE_CAPABILITIES, can
from praho.customers.selectors import memberships_for_user

SESSION_KEY = "customers.current_customer_id"
_REQUEST_CACHE = "_praho_customer_area"


@dataclass(frozen=True)
class CustomerArea:
    """The current membership of a request and every membership of its user (for the switcher)."""

    membership: Membership | None
    memberships: list[Membership] = field(default_factory=list)

    @property
    def customer(self) -> Customer | None:
        return self.membership.customer if self.membership else None

    @property
    def role(self) -> str | None:
        return self.membership.role if self.membership else None

    @property
    def capabilities(self) -> frozenset[str]:
        return ROLE_CAPABILITIES.get(self.role or "", frozenset())

    @property
    def may_switch(self) -> bool:
        return len(self.memberships) > 1

    def can(self, capability: str) -> bool:
        return can(self.role, capability)


def current_area(request: HttpRequest) -> CustomerArea:
    """The request's customer area, worked out once per request (one query)."""
    cached: CustomerArea | None = getattr(request, _REQUEST_CACHE, None)
    if cached is not None:
        return cached
    user: Any = request.user
    if not user.is_authenticated:
        area = CustomerArea(membership=None)
    else:
        memberships = list(memberships_for_user(user))
        chosen = request.session.get(SESSION_KEY)
        membership = next((m for m in memberships if m.customer_id == chosen), None)
        area = CustomerArea(
            membership=membership or (memberships[0] if memberships else None), memberships=memberships
        )
    setattr(request, _REQUEST_CACHE, area)
    return area


def switch_customer(request: HttpRequest, customer_id: int | str) -> Membership:
    """Act for another of the user's customers from now on; 404 unless the user belongs to it."""
    try:
        wanted = int(customer_id)
    except (TypeError, ValueError):
        raise Http404 from None
    membership = next((m for m in current_area(request).memberships if m.customer_id == wanted), None)
    if membership is None:
        raise Http404
    remember_customer(request, membership)
    return membership


def remember_customer(request: HttpRequest, membership: Membership) -> None:
    request.session[SESSION_KEY] = membership.customer_id
    if hasattr(request, _REQUEST_CACHE):
        delattr(request, _REQUEST_CACHE)
