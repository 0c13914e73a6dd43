"""Template tags of the customer area.

{% load customers_area %}
{% current_customer_area as area %}   area.customer, area.role, area.memberships, area.may_switch
{% role_matrix as matrix %}           matrix.roles, matrix.rows (capability label, [allowed per role])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template

from praho.customers.current import CustomerArea, current_area
from praho.customers.identifiers import ROMANIAN_COUNTIES
from praho.customers.models import MembershipRole
from praho.customers.roles import ROLE_CAPABILITIES, Capability

register = template.Library()


@register.simple_tag(takes_context=True)
def current_customer_area(context: dict[str, Any]) -> CustomerArea:
    request = context.get("request")
    if request is None:
        return CustomerArea(membership=None)
    return current_area(request)


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
