"""The provider's offer: groups, plans and their features, prices, relationships and coupons."""

from praho.catalog.models.coupons import Coupon, CouponKind
from praho.catalog.models.plans import (
    Cycle,
    Feature,
    GroupKind,
    Module,
    Plan,
    PlanFeature,
    PlanRelation,
    Price,
    ProductGroup,
    RelationBilling,
    RelationKind,
    Visibility,
)

__all__ = [
    "Coupon",
    "CouponKind",
    "Cycle",
    "Feature",
    "GroupKind",
    "Module",
    "Plan",
    "PlanFeature",
    "PlanRelation",
    "Price",
    "ProductGroup",
    "RelationBilling",
    "RelationKind",
    "Visibility",
]
