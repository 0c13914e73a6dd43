"""Paying renewals with the customer's saved card on their due date (auto-pay).

`charge_due(on=...)` (daily, after the billing run) finds the unpaid renewal documents due by
then of customers with auto-pay on and a saved card, and opens one `AutoCharge` per document
(pending; the one-to-one on the document makes it once, however often or concurrently it runs).
Once that has committed, the `recurring.autocharge` task asks Stripe for an off-session charge of
what the document still asks (payments.services.card_charges), with the charge's id as the
idempotency key: a task run twice charges once.

The outcome arrives by whichever comes first, and the other changes nothing:
- Stripe's answer: a success records the billing payment at once (payments, once by the
  PaymentIntent's id); a refused card (402) marks the charge failed;
- the webhook inbox: `payment_intent.succeeded` / `payment_intent.payment_failed`, which payments
  handles and announces with `card_charge_finished` (heard by recurring.charge_receivers).
`finish` moves a pending charge to succeeded or failed once, under its row lock, audited
(`recurring.autocharge_succeeded` / `_failed`). A failure leaves the document unpaid, so dunning
goes on, and e-mails the customer once, in the document's language, with the page to pay it on.

A charge whose task was lost (a worker died, Stripe did not answer for long) is asked again by
the next `charge_due` while Stripe still keeps its idempotency key (a day).
"""

from __future__ import annotations

import functools
import logging
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from praho.audit.services import record_event
from praho.billing.models import Document
from praho.billing.pdf.context import document_language
from praho.billing.services.delivery import default_recipient
from praho.core.formatting import format_date, format_money
from praho.core.transactions import service_transaction
from praho.payments.gateways.stripe_api import StripeCardError, StripeRefusedError
from praho.payments.services import card_charges
from praho.payments.services.checkout import amount_due
from praho.recurring import locks
from praho.recurring.models import AutoCharge, BillingPreference, ChargeStatus
from praho.recurring.renewals_queries import unpaid_renewal_documents

logger = logging.getLogger(__name__)

ERROR_MAX = 500
# A pending charge with no answer from Stripe is asked again after this long, and no more once
# Stripe has forgotten its idempotency key (24 hours): past that a new request could charge twice.
RESEND_AFTER = timedelta(minutes=15)
RESEND_UNTIL = timedelta(hours=23)
SUBJECT_TEMPLATE = "recurring/email/card_declined_subject.txt"
BODY_TEMPLATE = "recurring/email/card_declined_body.txt"


def due_documents(on: date) -> QuerySet[Document]:
    """What `charge_due` charges on `on`: unpaid renewal documents due by then, of customers with
    auto-pay on and a saved card, not charged yet."""
    auto_pay = BillingPreference.objects.filter(auto_pay=True).values("customer_id")
    return (
        unpaid_renewal_documents()
        .filter(due_date__lte=on, customer_id__in=auto_pay)
        .filter(customer__stripe_account__default_payment_method__gt="")
        .exclude(pk__in=AutoCharge.objects.values("document_id"))
        .order_by("due_date", "pk")
    )


def charge_due(*, on: date) -> list[int]:
    """Open an automatic charge for each document due by `on` (see the module docstring) and send
    the pending ones Stripe never answered again; the ids of the charges opened."""
    opened = []
    for document_id in list(due_documents(on).values_list("pk", flat=True)):
        charge = open_charge(document_id=document_id)
        if charge is not None:
            opened.append(charge.pk)
    resend_unanswered()
    return opened


@service_transaction
def open_charge(*, document_id: int) -> AutoCharge | None:
    """The pending charge of one document, made once; None when it has one already or asks for
    nothing now. Stripe is asked after commit, by the task."""
    document = Document.objects.get(pk=document_id)
    amount = amount_due(document)
    if amount is None:
        return None
    try:
        with transaction.atomic():
            charge = AutoCharge.objects.create(
                document=document, customer_id=document.customer_id, amount=amount, currency=document.currency
            )
    except IntegrityError:  # another run opened it meanwhile
        return None
    record_event(
        "recurring.autocharge_requested",
        target=charge,
        data={
            "document": document.number,
            "document_id": document.pk,
            "amount": str(amount),
            "currency": document.currency,
        },
    )
    transaction.on_commit(functools.partial(_enqueue, charge.pk), robust=True)
    return charge


def _enqueue(autocharge_id: int) -> None:
    from praho.recurring.tasks import autocharge  # the task module imports these services

    autocharge.delay(autocharge_id)


def resend_unanswered(*, now: Any = None) -> int:
    """Send again the pending charges Stripe has not answered (no PaymentIntent known) for a
    while, within its idempotency window; how many."""
    now = now or timezone.now()
    stalled = AutoCharge.objects.filter(
        status=ChargeStatus.PENDING,
        payment_intent="",
        created_at__lte=now - RESEND_AFTER,
        created_at__gte=now - RESEND_UNTIL,
    ).values_list("pk", flat=True)
    ids = list(stalled)
    for pk in ids:
        _enqueue(pk)
    return len(ids)


def ask_stripe(*, autocharge_id: int) -> AutoCharge:
    """Charge the card for a pending charge (the task's work; outside any transaction).

    StripeUnavailableError reaches the caller (the task retries; the charge stays pending)."""
    charge = AutoCharge.objects.select_related("document").get(pk=autocharge_id)
    if charge.status != ChargeStatus.PENDING or charge.payment_intent:
        return charge  # finished, or answered and waiting for its webhook
    if amount_due(charge.document) is None:  # paid meanwhile (a transfer, the customer by card)
        finish(autocharge_id=charge.pk, succeeded=False, error="paid: nothing was left to pay", notify=False)
        return _fresh(charge)
    try:
        answer = card_charges.charge_saved_card(
            document=charge.document, amount=charge.amount, autocharge_id=charge.pk
        )
    except StripeCardError as declined:
        finish(
            autocharge_id=charge.pk,
            succeeded=False,
            error=card_charges.refusal_reason(declined),
            payment_intent=declined.payment_intent,
        )
    except StripeRefusedError as refused:  # no card saved any more, a card Stripe no longer has
        finish(autocharge_id=charge.pk, succeeded=False, error=card_charges.refusal_reason(refused))
    else:
        if answer.status == "succeeded":
            card_charges.record_success(charge=answer)  # → card_charge_finished → finish
        else:
            note_intent(autocharge_id=charge.pk, payment_intent=answer.payment_intent)
    return _fresh(charge)


def _fresh(charge: AutoCharge) -> AutoCharge:
    charge.refresh_from_db()
    return charge


@service_transaction
def note_intent(*, autocharge_id: int, payment_intent: str) -> None:
    """A charge Stripe is still working on (a payment method whose result comes later): its
    PaymentIntent, so that it is not asked for again; the webhook brings the result."""
    charge = locks.locked_autocharge(autocharge_id)
    if charge is not None and not charge.payment_intent:
        charge.payment_intent = payment_intent[:255]
        charge.save(update_fields=["payment_intent"])


@service_transaction
def finish(
    *, autocharge_id: int, succeeded: bool, error: str = "", payment_intent: str = "", notify: bool = True
) -> bool:
    """Move a pending charge to succeeded or failed, once: False when it had finished already.
    A failure e-mails the customer (unless `notify` is off) once this commits."""
    charge = locks.locked_autocharge(autocharge_id)
    if charge is None or charge.status != ChargeStatus.PENDING:
        return False
    charge.status = ChargeStatus.SUCCEEDED if succeeded else ChargeStatus.FAILED
    charge.payment_intent = payment_intent[:255] or charge.payment_intent
    charge.error = "" if succeeded else (error or "card_declined: The card was declined.")[:ERROR_MAX]
    charge.finished_at = timezone.now()
    charge.save(update_fields=["status", "payment_intent", "error", "finished_at"])
    record_event(
        "recurring.autocharge_succeeded" if succeeded else "recurring.autocharge_failed",
        target=charge,
        data={
            "document_id": charge.document_id,
            "amount": str(charge.amount),
            "currency": charge.currency,
            "payment_intent": charge.payment_intent,
            "error": charge.error,
        },
    )
    if not succeeded and notify:
        transaction.on_commit(functools.partial(_enqueue_email, charge.pk), robust=True)
    return True


def _enqueue_email(autocharge_id: int) -> None:
    from praho.recurring.tasks import autocharge_declined_email

    autocharge_declined_email.delay(autocharge_id)


# --- the e-mail of a declined card ------------------------------------------------------------------


def reason_text(error: str) -> str:
    """Why the charge failed, for the customer, in the active language, by the reason's code."""
    code = error.partition(":")[0].strip()
    if code == "authentication_required":
        return _("Your bank asks you to confirm this payment yourself, so it cannot be charged without you.")
    if code == "insufficient_funds":
        return _("The card has insufficient funds.")
    if code in ("expired_card", "card_expired"):
        return _("The card has expired; please save a new one.")
    if code == "no_saved_card":
        return _("No card is saved any more.")
    if code == "refused":
        return _("The card processor could not charge the card.")
    return _("Your bank declined the payment.")


def declined_email(charge: AutoCharge) -> EmailMessage | None:
    """ "Your card was declined, pay here", in the document's language, to the customer's invoice
    address (billing's rule); None when the customer has no address."""
    document = Document.objects.select_related("customer", "customer_profile").get(pk=charge.document_id)
    recipient = default_recipient(document.customer)
    if not recipient:
        return None
    language = document_language(document)
    context = {
        "customer_name": document.customer.name,
        "number": document.number,
        "amount": format_money(charge.amount, charge.currency, language),
        "due_date": format_date(document.due_date, language),
        "pay_url": f"{settings.PRAHO_BASE_URL}/app/billing/documents/{document.pk}/",
        "renewals_url": f"{settings.PRAHO_BASE_URL}/app/renewals/",
        "site_name": settings.PRAHO_SITE_NAME,
    }
    with translation.override(language):
        context["reason"] = reason_text(charge.error)
        subject = " ".join(render_to_string(SUBJECT_TEMPLATE, context).split())
        body = render_to_string(BODY_TEMPLATE, context)
    return EmailMessage(subject, body, None, [recipient], headers={"Content-Language": language})


def send_declined_email(*, autocharge_id: int) -> bool:
    """Send the e-mail of a failed charge (the task's work); False when there is nobody to send to."""
    charge = AutoCharge.objects.get(pk=autocharge_id)
    if charge.status != ChargeStatus.FAILED:
        return False
    message = declined_email(charge)
    if message is None:
        logger.warning("Automatic charge %s failed; its customer has no e-mail address.", autocharge_id)
        return False
    message.send()
    record_event(
        "recurring.autocharge_declined_sent",
        target=charge,
        data={"document_id": charge.document_id, "recipient": message.to[0]},
    )
    return True
