"""Self sign-up: a user who signed up creates their company (or registers as a person) and
becomes its owner, at /app/company/new/.

The same forms, checks (CUI/CNP/VAT checksums, countries, counties) and ANAF prefill as staff
use to create a customer (forms.NEW_CUSTOMER_FORMS, services.create_customer,
staff_views.anaf_prefilled). A tax identifier that is already registered is refused without
naming the customer: whoever works for it asks one of its owners for an invitation.
PRAHO_SELF_SIGNUP=false switches the page off (404): customers are then created by staff only.
"""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from praho.core.http import AuthenticatedHttpRequest
from praho.customers.current import remember_customer
from praho.customers.models import CustomerKind, Membership
from praho.customers.services import customers as services
from praho.customers.web.staff.forms import NEW_CUSTOMER_FORMS, BillingAddressForm
from praho.customers.web.staff.views import anaf_prefilled, show_service_errors

TEMPLATE = "customers/area/company_new.html"


def _self_signup_page(view: Any) -> Any:
    """Logged-in customer users only, while self sign-up is on; staff create customers in the staff area."""

    @login_required
    @wraps(view)
    def wrapper(request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not settings.PRAHO_SELF_SIGNUP or request.user.is_staff:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _kind(request: AuthenticatedHttpRequest) -> str:
    kind = request.POST.get("kind") or request.GET.get("kind") or CustomerKind.COMPANY
    return kind if kind in CustomerKind.values else CustomerKind.COMPANY


def _tax_id_taken() -> ValidationError:
    return ValidationError(
        _(
            "This tax identifier is already registered with us. If you work for this company, "
            "ask one of its owners to invite you: the invitation arrives by e-mail."
        ),
        code="duplicate",
    )


def _add_errors(
    request: AuthenticatedHttpRequest, error: ValidationError, form: Any, address_form: Any
) -> None:
    """Each service error on its field, as on the staff page; a taken tax identifier says what to do."""
    if hasattr(error, "error_dict") and any(
        e.code == "duplicate" for e in error.error_dict.get("tax_id", [])
    ):
        error.error_dict["tax_id"] = [_tax_id_taken()]
    show_service_errors(request, error, form, address_form)


def _context(kind: str, **extra: Any) -> dict[str, Any]:
    return {
        "kinds": CustomerKind.choices,
        "kind": kind,
        "anaf_url": reverse("customers:company-anaf"),
        **extra,
    }


@_self_signup_page
def company_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    kind = _kind(request)
    data = request.POST if request.method == "POST" else None
    form, address_form = NEW_CUSTOMER_FORMS[kind](data), BillingAddressForm(data)
    if request.method == "POST" and form.is_valid() and address_form.is_valid():
        try:
            customer = services.create_customer(
                actor=request.user,
                owner=request.user,
                kind=kind,
                address=address_form.cleaned_data,
                **form.cleaned_data,
            )
        except ValidationError as error:
            _add_errors(request, error, form, address_form)
        else:
            remember_customer(request, Membership.objects.get(customer=customer, user=request.user))
            messages.success(
                request, _("%(name)s was registered; you are its owner.") % {"name": customer.name}
            )
            return redirect("customer-dashboard")
    context = _context(kind, form=form, address_form=address_form)
    return render(request, TEMPLATE, context, status=400 if form.errors or address_form.errors else 200)


@require_POST
@_self_signup_page
def company_anaf(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The form again, filled in from ANAF's register for the CUI typed (the staff prefill)."""
    context = anaf_prefilled(request, anaf_url=reverse("customers:company-anaf"))
    template = "customers/staff/_create_form.html" if getattr(request, "htmx", False) else TEMPLATE
    return render(request, template, context)
