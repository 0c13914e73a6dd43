"""The customers app's panel on the customer dashboard (praho.core.dashboards): the customer
the user acts for and their role there (the area's switcher chooses among several)."""

from __future__ import annotations

from django.http import HttpRequest

from praho.core.dashboards import ACCOUNT, Panel
from praho.customers.current import current_area


def customer_panels(request: HttpRequest) -> list[Panel]:
    # current_area is worked out once per request (the layout's switcher reads it too).
    return [Panel("customers/dashboard/_customer.html", {"area": current_area(request)}, ACCOUNT - 1)]
