"""The customers group of the staff search (praho.core.search): customers by name, trade
name, tax id, email or phone, as the customer list's search finds them (three queries)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from praho.core.formatting import format_tax_id
from praho.core.search import SearchGroup, SearchResult
from praho.customers.models import Customer
from praho.customers.selectors import SEARCH_LIMIT, search_customers

LIMIT = 8


def _result(customer: Customer) -> SearchResult:
    profiles = getattr(customer, "current_profiles", [])
    vat_payer = bool(profiles and profiles[0].vat_payer)
    tax_id = format_tax_id(customer.tax_id, country=customer.country, vat_payer=vat_payer)
    title = f"{customer.name} ({customer.trade_name})" if customer.trade_name else customer.name
    facts = [fact for fact in (tax_id, customer.country, customer.email, customer.phone) if fact]
    return SearchResult(title, reverse("customers:detail", args=[customer.pk]), facts)


def staff_search(user: Any, query: str) -> list[SearchGroup]:
    if not user.has_perm("customers.view_customer"):
        return []
    found = search_customers(user, query, limit=min(LIMIT, SEARCH_LIMIT))
    more_url = f"{reverse('customers:list')}?{urlencode({'q': query})}"
    return [SearchGroup("customers", _("Customers"), [_result(c) for c in found], LIMIT, more_url)]
