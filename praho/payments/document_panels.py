"""What payments adds to billing's document page in the customer area: pay it by card (Stripe
Checkout), and manage saved cards (Stripe's Customer Portal). Found by billing through
core.contributions, so billing imports nothing of payments."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from praho.billing.models import Document
from praho.payments.models import CheckoutSession, CheckoutStatus
from praho.payments.services.checkout import amount_due


def area_panel(request: HttpRequest, document: Document) -> SafeString:
    if not settings.STRIPE_SECRET_KEY:
        return mark_safe("")  # card payments are not set up
    due = amount_due(document, from_ledger=False)  # the page read it with the document
    if due is None:
        return mark_safe("")
    latest = CheckoutSession.objects.filter(document=document).order_by("-id").first()
    context = {
        "document": document,
        "due": due,
        "returned": request.GET.get("checkout", ""),
        "awaiting": latest is not None and latest.status == CheckoutStatus.AWAITING_PAYMENT,
        "declined": latest.last_error if latest is not None and latest.status == CheckoutStatus.OPEN else "",
    }
    return render_to_string("payments/area/_pay_by_card.html", context, request=request)
