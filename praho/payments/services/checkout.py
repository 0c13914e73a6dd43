"""Paying a proforma or an invoice by card through Stripe Checkout.

The customer's user asks to pay; PRAHO opens a Checkout Session for what the document still asks
(a proforma's total, an invoice's outstanding amount) in its currency, with `metadata.document_id`
and the document's number as `client_reference_id`, and sends the user to Stripe's page. The
payment itself is recorded when Stripe says so, through the webhook inbox
(praho.payments.services.stripe_events), never on the user's return: a user may close the tab.
An open session for the same amount is reused, so reloading or clicking twice opens one.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from praho.audit.services import record_event
from praho.billing import ledger_queries
from praho.billing.models import Document, DocumentStatus, DocumentType
from praho.payments.gateways import stripe_api
from praho.payments.models import CheckoutSession, CheckoutStatus
from praho.payments.money import to_minor
from praho.payments.services.stripe_customers import stripe_customer_of

# An open session is reused while it has at least this long to live.
REUSE_MARGIN = timedelta(minutes=30)


def amount_due(document: Document, *, from_ledger: bool = True) -> Decimal | None:
    """What paying the document by card would pay now, or None when it asks for nothing.

    From the ledger (one query) where money is asked for; a page that only offers the button
    reads the amount stored on the invoice, which the ledger keeps in each posting's transaction
    (an invoice object held since before a posting would have it stale)."""
    if document.status != DocumentStatus.ISSUED:
        return None
    if document.document_type == DocumentType.PROFORMA:
        return document.total if document.total > 0 else None
    if document.document_type == DocumentType.INVOICE:
        owed = ledger_queries.document_outstanding(document) if from_ledger else document.outstanding_amount
        return owed if owed > 0 else None
    return None


def start_checkout(*, actor: Any, document: Document, save_card: bool, return_url: str) -> CheckoutSession:
    """The Checkout Session to send the user to (reused when one is open for the same amount).

    Stripe is called outside any transaction; StripeError reaches the caller, who shows it."""
    amount = amount_due(document)
    if amount is None:
        raise ValidationError(
            _("%(document)s has nothing left to pay.") % {"document": document}, code="nothing_to_pay"
        )
    reusable = (
        CheckoutSession.objects.filter(
            document=document, status=CheckoutStatus.OPEN, amount=amount, save_card=save_card
        )
        .filter(expires_at__gt=timezone.now() + REUSE_MARGIN)
        .order_by("-id")
        .first()
    )
    if reusable is not None:
        return reusable
    account = stripe_customer_of(document.customer, email=document.customer.email)
    opened = stripe_api.create_checkout_session(
        stripe_customer=account.stripe_id,
        amount_minor=to_minor(amount, document.currency),
        currency=document.currency,
        description=str(document),
        document_id=document.pk,
        document_number=document.number,
        save_card=save_card,
        success_url=f"{return_url}?checkout=done",
        cancel_url=f"{return_url}?checkout=cancelled",
    )
    session = CheckoutSession.objects.create(
        session_id=opened.id,
        document=document,
        customer=document.customer,
        amount=amount,
        currency=document.currency,
        url=opened.url,
        save_card=save_card,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        expires_at=opened.expires_at,
    )
    record_event(
        "payments.checkout_started",
        actor=actor,
        target=session,
        data={
            "document": document.number,
            "document_id": document.pk,
            "amount": str(amount),
            "currency": document.currency,
            "session": opened.id,
        },
    )
    return session


def portal_url(*, actor: Any, customer: Any, return_url: str) -> str:
    """Stripe's Customer Portal for the customer's cards and billing details."""
    account = stripe_customer_of(customer, email=customer.email)
    url = stripe_api.portal_url(stripe_customer=account.stripe_id, return_url=return_url)
    record_event(
        "payments.portal_opened", actor=actor, target=customer, data={"stripe_customer": account.stripe_id}
    )
    return url
