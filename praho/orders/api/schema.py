"""REST API v1 for orders, services and entitlements.

The views are in praho.orders.api.orders (orders: place, list, read, cancel, approve, refuse) and
praho.orders.api.services (services, a customer's entitlements), the serializers in
praho.orders.api.serializers; this module holds the schema's error answers in the orders' words.

- Isolation: orders and services come from praho.orders.selectors (`orders_visible_to`,
  `services_visible_to`), so an id the user may not see answers 404 for every method. Staff with
  orders.view_order / orders.view_service see all; a customer's user sees the rows of the
  customers they are a member of.
- Ordering: owner and billing members (the BILLING capability) order and cancel for their
  customer; other members get 403, outsiders 404 (the customer is not found). Staff need
  orders.place_order to order (for any active customer, hidden and flagged plans allowed),
  orders.change_order to cancel and orders.approve_order to approve or refuse.
- Errors: the shape of praho.core.api. Items are checked by praho.orders.quotes.quote(), keyed
  "items.0.cycle", "items.1.addons.0"...; a coupon's refusal names its reason under "coupon"
  (coupon_expired, coupon_used_up...). Nothing is written when anything is refused.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from praho.core.api import ErrorResponses

error_responses = ErrorResponses(
    invalid=gettext_lazy("Validation error or refusal by a business rule: messages per field."),
    forbidden=gettext_lazy(
        "Not allowed: a member whose role may not order, or staff without the permission."
    ),
    not_found=gettext_lazy(
        "No such order, service or customer for this user (also when it belongs to someone else)."
    ),
)
