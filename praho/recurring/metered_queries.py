"""Reads of the staff metered items page: they own its query budget."""

from __future__ import annotations

from django.db.models import QuerySet

from praho.recurring.models import MeteredItem


def staff_metered_items(*, plan_id: int | None = None) -> QuerySet[MeteredItem]:
    """Every plan's metered items (or one plan's), by plan code, with the plan and its group."""
    items = MeteredItem.objects.select_related("plan", "plan__group")
    if plan_id is not None:
        items = items.filter(plan_id=plan_id)
    return items.order_by("plan__code", "measure", "currency", "pk")
