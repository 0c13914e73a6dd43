"""The customer area's renewals page, /app/renewals/: the current customer's upcoming renewals
(next due date, period, price without VAT, whether it renews or ends), its renewal documents
still to be paid with a way to pay them, and auto-pay with the saved card.

Who: every member of the current customer sees the renewals (as "My services" shows prices to
all); the documents and the pay buttons follow billing's rule (roles that see billing); only
those roles may turn auto-pay on or off (403 page for others). A fixed number of queries.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from praho.core.http import AuthenticatedHttpRequest
from praho.core.validation import fiscal_today
from praho.customers.models import Customer, Membership
from praho.customers.roles import Capability, can
from praho.customers.web.area.views import area_page
from praho.recurring import renewals_queries
from praho.recurring.services.auto_pay import set_auto_pay

TEMPLATES = "recurring/area/"


def _auto_pay_context(customer: Customer, membership: Membership, **extra: Any) -> dict[str, Any]:
    return {
        "customer": customer,
        "auto_pay": renewals_queries.auto_pay_of(customer),
        "has_card": renewals_queries.has_saved_card(customer),
        "may_pay": can(membership.role, Capability.BILLING),
        "refusal": "",
        **extra,
    }


@area_page()
def renewals(request: AuthenticatedHttpRequest, membership: Membership) -> HttpResponse:
    customer = membership.customer
    context = _auto_pay_context(customer, membership) | {
        "upcoming": renewals_queries.upcoming_renewals(customer, on=fiscal_today()),
        "unpaid": renewals_queries.unpaid_documents_of(request.user, customer),
    }
    return render(request, TEMPLATES + "renewals.html", context)


@require_POST
@area_page(Capability.BILLING)
def auto_pay(request: AuthenticatedHttpRequest, membership: Membership) -> HttpResponse:
    customer = membership.customer
    on = request.POST.get("auto_pay") == "1"
    refusal = ""
    try:
        set_auto_pay(actor=request.user, customer=customer, on=on)
    except ValidationError as refused:
        refusal = " ".join(refused.messages)
    if request.htmx:
        context = _auto_pay_context(customer, membership, refusal=refusal, changed=not refusal)
        return render(request, TEMPLATES + "_auto_pay.html", context)
    if refusal:
        messages.error(request, refusal)
    elif on:
        messages.success(
            request, _("Auto-pay is on: renewals are charged to your saved card on their due date.")
        )
    else:
        messages.success(request, _("Auto-pay is off: pay each renewal yourself by its due date."))
    return redirect("recurring:area-renewals")
