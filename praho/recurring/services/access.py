"""Who may change a service's plan or cancel it (the pages and the API ask the same functions).

- Staff with provisioning.manage_service: any plan of the same module, cancel at the period's end
  or at once.
- A customer's users whose role has the BILLING capability (owner, billing: it costs or returns
  money): an upgrade along the catalog's paths (PlanRelation "upgrade" from the current plan), and
  cancelling at the end of the paid period (and taking it back).
- The system (actor None: the daily task) may do anything it is asked to.

Whether the user may see the service at all (404) is decided before, by orders' selectors."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from praho.catalog.models import Plan, PlanRelation, RelationKind
from praho.customers.models import Membership
from praho.customers.roles import Capability, can
from praho.orders.models import Service

STAFF_PERMISSION = "provisioning.manage_service"


def is_staff(actor: Any) -> bool:
    return actor is None or bool(getattr(actor, "is_staff", False))


def may_act(actor: Any, service: Service, *, staff_only: bool = False) -> bool:
    if actor is None:
        return True
    if actor.is_staff:
        return bool(actor.has_perm(STAFF_PERMISSION))
    if staff_only:
        return False
    role = Membership.objects.filter(user=actor, customer_id=service.customer_id).values_list(
        "role", flat=True
    )
    return can(role.first(), Capability.BILLING)


def require(actor: Any, service: Service, *, staff_only: bool = False) -> None:
    if not may_act(actor, service, staff_only=staff_only):
        raise PermissionDenied


def upgrade_plans(plan_id: int) -> list[Plan]:
    """The plans a customer may move to from `plan_id`: the catalog's upgrade paths (one query)."""
    relations = PlanRelation.objects.filter(plan_id=plan_id, kind=RelationKind.UPGRADE)
    return list(Plan.objects.filter(pk__in=relations.values("other_id")).select_related("group"))


def has_upgrades(plan_id: int) -> bool:
    return PlanRelation.objects.filter(plan_id=plan_id, kind=RelationKind.UPGRADE).exists()


def require_plan(actor: Any, service: Service, plan: Plan) -> None:
    """Customers' users move only along an upgrade path; staff anywhere (403 otherwise)."""
    if is_staff(actor):
        return
    allowed = PlanRelation.objects.filter(plan_id=service.plan_id, other=plan, kind=RelationKind.UPGRADE)
    if not allowed.exists():
        raise PermissionDenied
