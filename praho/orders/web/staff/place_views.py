"""Staff place an order for a customer (/staff/orders/new/): the customer, the currency, up to
ITEM_ROWS items (plan, cycle, quantity, domain, add-ons) and a coupon, priced and placed by
praho.orders.services.checkout.place_order as staff (hidden and flagged plans allowed). Its
errors, keyed "items.1.cycle", "coupon", ..., are shown next to the fields they name."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from praho.core.http import AuthenticatedHttpRequest
from praho.orders.services.checkout import place_order
from praho.orders.web.staff import queries
from praho.orders.web.staff.forms import ItemForm, PlaceOrderForm, item_forms
from praho.orders.web.staff.views import TEMPLATES, picker_context

_ITEM_KEY = re.compile(r"items\.(\d+)(?:\.([a-z_]+))?(?:\..*)?")


def _show_errors(form: PlaceOrderForm, rows: list[ItemForm], used: list[int], error: ValidationError) -> None:
    """Each error next to its field: "items.N.x" on the row the N-th item came from."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for key, errors in error.error_dict.items():
        match = _ITEM_KEY.fullmatch(key)
        if match and int(match.group(1)) < len(used):
            row = rows[used[int(match.group(1))]]
            name = match.group(2)
            row.add_error(name if name in row.fields else None, errors)
        elif key in form.fields and key != "customer_q":
            form.add_error(key, errors)
        else:
            form.add_error(None, errors)


@require_http_methods(["GET", "POST"])
@permission_required("orders.place_order", raise_exception=True)
def order_place(request: AuthenticatedHttpRequest) -> HttpResponse:
    posted = request.method == "POST" and "find_customer" not in request.POST
    data = request.POST if request.method == "POST" else None
    form = PlaceOrderForm(data)
    rows = item_forms(data)
    customer = None
    if data is not None:
        customer = queries.visible_customer(request.user, data.get("customer"))
    rows_valid = [row.is_valid() for row in rows] if posted else []
    if posted and form.is_valid() and all(rows_valid):
        used = [index for index, row in enumerate(rows) if row.item() is not None]
        if customer is None:
            form.add_error("customer", _("Choose the customer."))
        else:
            try:
                order = place_order(
                    actor=request.user,
                    customer=customer,
                    currency=form.cleaned_data["currency"],
                    items=[rows[index].item() for index in used],
                    coupon=form.cleaned_data.get("coupon", "").strip(),
                    notes=form.cleaned_data.get("notes", ""),
                    staff=True,
                )
            except ValidationError as error:
                _show_errors(form, rows, used, error)
            else:
                messages.success(
                    request,
                    _("Order %(number)s placed for %(customer)s.")
                    % {"number": order.number, "customer": customer.name},
                )
                return redirect("orders:order", order.pk)
    query = (data.get("customer_q", "") if data is not None else "") or ""
    context: dict[str, Any] = {
        "form": form,
        "rows": rows,
        "picker": picker_context(request, selected=customer, query=query, optional=False),
    }
    invalid = bool(form.errors) or any(row.errors for row in rows)
    return render(request, TEMPLATES + "order_place.html", context, status=400 if invalid else 200)
