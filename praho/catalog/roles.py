"""What each staff role may do in the catalog (added to the role groups by a data migration).

Administrators and managers edit the whole offer; sales staff read it and edit coupons;
billing and support staff read it."""

from __future__ import annotations

_MODELS = ("productgroup", "plan", "feature", "planfeature", "price", "planrelation", "coupon")
_READ = [f"catalog.view_{model}" for model in _MODELS]
_EDIT = [f"catalog.{action}_{model}" for model in _MODELS for action in ("add", "change")]
_COUPONS = ["catalog.add_coupon", "catalog.change_coupon"]

STAFF_PERMISSIONS: dict[str, list[str]] = {
    "admin": [*_READ, *_EDIT],
    "manager": [*_READ, *_EDIT],
    "sales": [*_READ, *_COUPONS],
    "billing": list(_READ),
    "support": list(_READ),
}
