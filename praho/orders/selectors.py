"""Read queries for orders and services. Isolation is decided here: every page and endpoint that
shows an order or a service gets it from `orders_visible_to` or `services_visible_to`, so an id
the user may not see is a 404 everywhere.

The one rule: staff with the view permission (orders.view_order, orders.view_service) see every
row; a customer's user sees the rows of the (active) customers they are a member of, whatever
their role; everyone else, staff without the permission included, sees nothing. Carts (orders in
draft) are no order yet: lists and ids never show them.

Who may *write* is the services' and views' business (`may_order`: owner and billing members).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404

from praho.accounts.models import User
from praho.catalog.models import Plan
from praho.customers.models import Customer, Membership
from praho.customers.roles import Capability, can
from praho.orders.models import Order, OrderLine, OrderStatus, Service
from praho.orders.quotes import MAX_ID


def member_customers_of(user: User) -> QuerySet[Customer]:
    """The active customers a (non-staff) user is a member of."""
    return Customer.objects.active().filter(memberships__user=user)


def _limit(user: User, permission: str) -> Q | None:
    """None: every row; otherwise the filter on the rows' customer the user is limited to."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    if user.is_staff:
        return None if user.has_perm(permission) else Q(pk__in=[])
    return Q(customer__in=member_customers_of(user))


def orders_visible_to(user: User) -> QuerySet[Order]:
    orders = Order.objects.exclude(status=OrderStatus.DRAFT)
    limit = _limit(user, "orders.view_order")
    return orders if limit is None else orders.filter(limit)


def services_visible_to(user: User) -> QuerySet[Service]:
    limit = _limit(user, "orders.view_service")
    return Service.objects.all() if limit is None else Service.objects.filter(limit)


def order_for(user: User, order_id: int | str) -> Order:
    """The order if the user may see it; 404 otherwise, so ids reveal nothing."""
    try:
        return orders_visible_to(user).select_related("customer", "document").get(pk=int(order_id))
    except (Order.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def service_for(user: User, service_id: int | str) -> Service:
    try:
        return services_visible_to(user).get(pk=int(service_id))
    except (Service.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def may_order(user: User, customer: Customer) -> bool:
    """Whether a customer's user may order (and cancel orders) for the customer: their role has
    the BILLING capability (owner, billing). Staff go by orders.place_order / change_order."""
    role = Membership.objects.filter(user=user, customer=customer).values_list("role", flat=True).first()
    return can(role, Capability.BILLING)


# --- Lists ---------------------------------------------------------------------------


def with_lines(orders: QuerySet[Order]) -> QuerySet[Order]:
    """Orders as the lists and the API show them: their lines in one more query (not the items
    as sent, which only checkout reads)."""
    lines = Prefetch("lines", queryset=OrderLine.objects.order_by("position"))
    return orders.defer("items").prefetch_related(lines)


def shown_services(services: QuerySet[Service]) -> QuerySet[Service]:
    """Services with their plan's code and their order's id (`shown_plan_code`, `shown_order_id`)
    read along: no query per row, and no plan or order line built for each."""
    # By subqueries, not joins: the lists' count leaves them out (it kept the joins).
    code = Subquery(Plan.objects.filter(pk=OuterRef("plan_id")).values("code")[:1])
    order = Subquery(OrderLine.objects.filter(pk=OuterRef("order_line_id")).values("order_id")[:1])
    return services.annotate(shown_plan_code=code, shown_order_id=order)


@dataclass(frozen=True)
class OrderFilters:
    customer_id: int | None = None
    status: str = ""

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> OrderFilters:
        return cls(customer_id=values.get("customer"), status=values.get("status") or "")


def filter_orders(orders: QuerySet[Order], filters: OrderFilters) -> QuerySet[Order]:
    if filters.customer_id is not None:
        orders = orders.filter(customer_id=filters.customer_id)
    if filters.status:
        orders = orders.filter(status=filters.status)
    return orders


@dataclass(frozen=True)
class ServiceFilters:
    customer_id: int | None = None
    status: str = ""
    plan: str = ""  # a plan's id or code

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> ServiceFilters:
        return cls(
            customer_id=values.get("customer"),
            status=values.get("status") or "",
            plan=(values.get("plan") or "").strip(),
        )


def filter_services(services: QuerySet[Service], filters: ServiceFilters) -> QuerySet[Service]:
    if filters.customer_id is not None:
        services = services.filter(customer_id=filters.customer_id)
    if filters.status:
        services = services.filter(status=filters.status)
    if filters.plan:
        # Digits are a plan's id, anything else its code (stored in lower case), as orders name
        # plans (catalog.selectors.plans_by_reference); an id beyond a key's range finds nothing.
        if filters.plan.isascii() and filters.plan.isdigit():
            plan_id = int(filters.plan)
            services = services.filter(plan_id=plan_id) if plan_id <= MAX_ID else services.none()
        else:
            services = services.filter(plan__in=Plan.objects.filter(code=filters.plan.lower()).values("pk"))
    return services
