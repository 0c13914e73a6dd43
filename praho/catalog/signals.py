"""Any saved or deleted catalog row makes a new catalog version (praho.catalog.tree), so the
cached public catalog never outlives a change, whoever made it (services, the admin, a shell).
Rows written with bulk_create or queryset.update() send no signal: code doing that calls
tree.bump_version() itself, as the write services do."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save

from praho.catalog import models
from praho.catalog.tree import bump_version

WATCHED = (
    models.ProductGroup,
    models.Plan,
    models.Feature,
    models.PlanFeature,
    models.Price,
    models.PlanRelation,
    models.Coupon,
)


def _changed(sender: Any, **kwargs: Any) -> None:
    if kwargs.get("raw"):  # loaddata
        return
    bump_version()


def connect() -> None:
    for model in WATCHED:
        post_save.connect(_changed, sender=model, dispatch_uid=f"catalog-version-save-{model.__name__}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"catalog-version-delete-{model.__name__}")
    m2m_changed.connect(_changed, sender=models.Coupon.plans.through, dispatch_uid="catalog-version-cp")
    m2m_changed.connect(_changed, sender=models.Coupon.groups.through, dispatch_uid="catalog-version-cg")
