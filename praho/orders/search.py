"""Orders' groups in the staff search (praho.core.search): orders by number and services by
domain. Each runs only when the text can be one (an order number starts with "ORD"; a domain has
a dot and no "@"), so other searches cost no query here; one query each, at most LIMIT rows."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from praho.core.formatting import format_money
from praho.core.search import SearchGroup, SearchResult
from praho.orders.models import Order, Service

LIMIT = 8


def _order(order: Order) -> SearchResult:
    facts = [order.customer.name, str(order.get_status_display()), format_money(order.total, order.currency)]
    return SearchResult(order.number, reverse("orders:order", args=[order.pk]), facts)


def _service(service: Service) -> SearchResult:
    facts = [service.customer.name, service.plan.name_en, str(service.get_status_display())]
    return SearchResult(service.domain, reverse("orders:service", args=[service.pk]), facts)


def staff_search(user: Any, query: str) -> list[SearchGroup]:
    text = query.strip()
    groups = []
    if text.upper().startswith("ORD") and user.has_perm("orders.view_order"):
        found = (
            Order.objects.exclude(status="draft")
            .filter(number__icontains=text)
            .select_related("customer")
            .order_by("-placed_at", "-id")[:LIMIT]
        )
        groups.append(SearchGroup("orders", _("Orders"), [_order(order) for order in found], LIMIT))
    if "." in text and "@" not in text and user.has_perm("orders.view_service"):
        found_services = (
            Service.objects.filter(domain__icontains=text.lower())
            .select_related("customer", "plan")
            .order_by("-id")[:LIMIT]
        )
        results = [_service(service) for service in found_services]
        groups.append(SearchGroup("services", _("Services"), results, LIMIT))
    return groups
