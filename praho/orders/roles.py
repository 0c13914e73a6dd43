"""What each staff role may do with orders, services, feature flags and the approval policy
(added to the role groups by a data migration, as billing's roles are)."""

from __future__ import annotations

_SEE = ["orders.view_order", "orders.view_service"]
_POLICY = [
    "orders.view_reviewflag",
    "orders.add_reviewflag",
    "orders.delete_reviewflag",
    "orders.view_orderpolicy",
    "orders.change_orderpolicy",
]
_FLAGS = [
    "orders.view_featureflag",
    "orders.add_featureflag",
    "orders.change_featureflag",
    "orders.delete_featureflag",
]
_EVERYTHING = [
    *_SEE,
    "orders.change_order",  # cancel an order
    "orders.approve_order",
    "orders.place_order",
    "orders.change_service",
    *_POLICY,
    *_FLAGS,
]

STAFF_PERMISSIONS: dict[str, list[str]] = {
    "admin": list(_EVERYTHING),
    "manager": list(_EVERYTHING),
    "billing": [*_SEE, "orders.change_order", "orders.approve_order", "orders.place_order"],
    "sales": [*_SEE, "orders.place_order"],
    "support": list(_SEE),
}
