"""The customer area's card payments: POST /app/payments/pay/<document>/ opens (or reuses) a
Stripe Checkout Session and sends the user there; POST /app/payments/cards/ opens Stripe's
Customer Portal. Members whose role may see billing only; another customer's document is 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from praho.billing.models import Document
from praho.billing.selectors import documents_visible_to, shown_to_customers
from praho.core.http import AuthenticatedHttpRequest
from praho.customers.models import Membership
from praho.customers.roles import Capability
from praho.customers.web.area.views import area_page
from praho.payments.gateways.stripe_api import StripeError
from praho.payments.services import checkout


def _document(request: AuthenticatedHttpRequest, membership: Membership, document_id: int) -> Document:
    found = shown_to_customers(documents_visible_to(request.user).filter(customer=membership.customer))
    try:
        return found.get(pk=document_id)
    except Document.DoesNotExist:
        raise Http404 from None


def _see_other(url: str) -> HttpResponse:
    return HttpResponseRedirect(url, status=303)


@require_POST
@area_page(Capability.BILLING)
def pay(request: AuthenticatedHttpRequest, membership: Membership, document_id: int) -> HttpResponse:
    document = _document(request, membership, document_id)
    page = reverse("billing:area-document", args=[document.pk])
    try:
        session = checkout.start_checkout(
            actor=request.user,
            document=document,
            save_card=request.POST.get("save_card") == "1",
            return_url=request.build_absolute_uri(page),
        )
    except StripeError:
        messages.error(
            request, _("The card processor did not answer; nothing was charged. Try again in a minute.")
        )
        return redirect(page)
    except ValidationError as refused:  # nothing left to pay (paid meanwhile)
        messages.error(request, "; ".join(refused.messages))
        return redirect(page)
    return _see_other(session.url)


@require_POST
@area_page(Capability.BILLING)
def portal(request: AuthenticatedHttpRequest, membership: Membership) -> HttpResponse:
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=False):
        back = reverse("billing:area-documents")
    try:
        url = checkout.portal_url(
            actor=request.user, customer=membership.customer, return_url=request.build_absolute_uri(back)
        )
    except StripeError:
        messages.error(request, _("The card processor did not answer. Try again in a minute."))
        return redirect(back)
    return _see_other(url)
