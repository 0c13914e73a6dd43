"""Template tags of the customer area.

{% load customers_area %}
{% current_customer_area as area %}   area.customer, area.role, area.memberships, area.may_switch
{% self_signup_open as may_register %} whether a user may register their own company
{% role_matrix as matrix %}           matrix.roles, matrix.rows (capability label, [allowed per role])
{% for row in request|change_rows %}  row.label, row.before, row.after (a change request's values, shown)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from praho.customers.current import CustomerArea, current_area
from praho.customers.models import ChangeRequest, CustomerKind, MembershipRole
from praho.customers.roles import ROLE_CAPABILITIES, Capability
from praho.customers.rules.identifiers import ROMANIAN_COUNTIES

register = template.Library()


@register.simple_tag(takes_context=True)
def current_customer_area(context: dict[str, Any]) -> CustomerArea:
    request = context.get("request")
    if request is None:
        return CustomerArea(membership=None)
    return current_area(request)


@register.simple_tag
def self_signup_open() -> bool:
    """Whether a user may register their own company (PRAHO_SELF_SIGNUP)."""
    return bool(settings.PRAHO_SELF_SIGNUP)


@dataclass(frozen=True)
class RoleMatrix:
    roles: list[tuple[str, str]]
    rows: list[tuple[str, list[bool]]]


@register.simple_tag
def role_matrix() -> RoleMatrix:
    """What each membership role may do, straight from roles.ROLE_CAPABILITIES."""
    roles = [(role.value, str(role.label)) for role in MembershipRole]
    rows = [
        (str(capability.label), [capability.value in ROLE_CAPABILITIES[role] for role, _label in roles])
        for capability in Capability
    ]
    return RoleMatrix(roles=roles, rows=rows)


@register.filter
def county_name(code: str) -> str:
    """Show "RO-CJ" as "Cluj"; a county outside Romania is shown as it was entered."""
    return ROMANIAN_COUNTIES.get(code, code) if code else ""


_CHANGE_LABELS = {
    "kind": gettext_lazy("Kind"),
    "country": gettext_lazy("Country"),
    "tax_id": gettext_lazy("Tax identifier"),
    "vat_payer": gettext_lazy("VAT payer"),
    "vat_on_cash_basis": gettext_lazy("VAT on cash basis"),
    "currency": gettext_lazy("Default currency"),
    "payment_terms_days": gettext_lazy("Payment terms (days)"),
    "address": gettext_lazy("Billing address"),
}


@dataclass(frozen=True)
class ChangeRow:
    label: str
    before: str
    after: str


def _shown(field: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if field == "kind":
        return str(CustomerKind(value).label) if value in CustomerKind.values else str(value)
    if isinstance(value, dict):
        county = county_name(value.get("county") or "")
        parts = (
            value.get("street"),
            value.get("postal_code"),
            value.get("city"),
            county,
            value.get("country"),
        )
        return ", ".join(str(part) for part in parts if part)
    return str(value)


@register.filter
def change_rows(request: ChangeRequest) -> list[ChangeRow]:
    """Each requested value beside the one it replaces, in the order of the form."""
    return [
        ChangeRow(
            str(label), _shown(field, request.previous.get(field)), _shown(field, request.changes[field])
        )
        for field, label in _CHANGE_LABELS.items()
        if field in request.changes
    ]
