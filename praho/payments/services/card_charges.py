"""Charging a customer's saved card with nobody present (off-session), for the apps above payments
(recurring billing's automatic renewal charges).

The card is the Stripe customer's default card (`StripeCustomer.default_payment_method`: saved at
checkout with "save the card", or chosen in Stripe's Portal). The caller keeps its own row of the
charge and passes its id: it is the PaymentIntent's `metadata.autocharge_id` and the idempotency
key, so asking twice charges once. The outcome reaches the caller through
`payments.signals.card_charge_finished`, from the webhook inbox (stripe_events) or at once when the
caller hands Stripe's answer to `record_success`, whichever comes first.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from praho.billing.models import Document, Payment
from praho.core.transactions import service_transaction
from praho.customers.models import Customer
from praho.payments.gateways import stripe_api
from praho.payments.models import StripeCustomer
from praho.payments.money import to_minor
from praho.payments.services import stripe_events


class NoSavedCardError(stripe_api.StripeRefusedError):
    """The customer has no card to charge (none saved, or it was removed)."""


def saved_card(customer: Customer | int) -> str:
    """The id of the card PRAHO may charge off-session, or "" (one query)."""
    customer_id = customer if isinstance(customer, int) else customer.pk
    found = (
        StripeCustomer.objects.filter(customer_id=customer_id)
        .values_list("default_payment_method", flat=True)
        .first()
    )
    return found or ""


def charge_saved_card(
    *, document: Document, amount: Decimal, autocharge_id: int
) -> stripe_api.OffSessionCharge:
    """Ask Stripe to charge `amount` of the document's currency to the customer's saved card.

    Called outside any transaction. Raises StripeCardError (refused card, with the PaymentIntent),
    NoSavedCardError or StripeRefusedError (Stripe refused the request), StripeUnavailableError
    (try again later: the same key makes it the same charge)."""
    account = StripeCustomer.objects.filter(customer_id=document.customer_id).first()
    if account is None or not account.default_payment_method:
        raise NoSavedCardError(_("No card is saved to pay with."))
    return stripe_api.charge_off_session(
        stripe_customer=account.stripe_id,
        payment_method=account.default_payment_method,
        amount_minor=to_minor(amount, document.currency),
        currency=document.currency,
        document_id=document.pk,
        autocharge_id=autocharge_id,
        description=str(document),
    )


def refusal_reason(refused: stripe_api.StripeRefusedError) -> str:
    """What a refusal of `charge_saved_card` is recorded as: "<code>: <Stripe's message>", as the
    `payment_intent.payment_failed` webhook reports the same refusal."""
    if isinstance(refused, stripe_api.StripeCardError):
        error = {"code": refused.code, "decline_code": refused.decline_code, "message": str(refused)}
        return stripe_events.decline_reason(error)
    code = "no_saved_card" if isinstance(refused, NoSavedCardError) else "refused"
    return f"{code}: {refused}"[:500]


@service_transaction
def record_success(*, charge: stripe_api.OffSessionCharge) -> Payment:
    """A charge Stripe answered as succeeded: its billing payment recorded now (once, by the
    PaymentIntent's id: its webhook, before or after, records nothing more), and
    `card_charge_finished` sent."""
    return stripe_events.record_off_session_payment(charge.intent)
