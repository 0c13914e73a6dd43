"""Orders (the cart is an order in draft), the services they create, feature flags and the
approval policy."""

from praho.orders.models.flags import FeatureFlag
from praho.orders.models.orders import (
    CouponRedemption,
    LineRole,
    Order,
    OrderLine,
    OrderPolicy,
    OrderStatus,
    ReviewFlag,
)
from praho.orders.models.services import Service, ServiceGroup, ServiceStatus

__all__ = [
    "CouponRedemption",
    "FeatureFlag",
    "LineRole",
    "Order",
    "OrderLine",
    "OrderPolicy",
    "OrderStatus",
    "ReviewFlag",
    "Service",
    "ServiceGroup",
    "ServiceStatus",
]
