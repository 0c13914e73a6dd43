"""Automatic card charges of renewals, end to end against the local fake Stripe: the charge opened
once, Stripe asked off-session (its test cards deciding the outcome), the webhook delivered to
PRAHO's endpoint and processed through the inbox; one payment and one e-mail whatever the number
and order of answers and events."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
from django.core import mail

from praho.audit.models import AuditEvent
from praho.billing.models import DocumentStatus, Payment
from praho.core.validation import fiscal_today
from praho.inbox.models import EventStatus, InboundEvent
from praho.payments.gateways.stripe_api import StripeUnavailableError
from praho.payments.models import StripeCustomer
from praho.recurring.models import AutoCharge, ChargeStatus
from praho.recurring.services.autocharge import ask_stripe, charge_due
from praho.recurring.tests.renewal_steps import (
    auto_pay,
    deliver,
    post_event,
    renewal_document,
    save_card,
    service,
)
from praho.testing.fakes.service import HANG_UP_AFTER

D = Decimal
pytestmark = pytest.mark.django_db
DECLINES = "4000000000000341"  # Stripe's test card: saved fine, declined whenever charged


@pytest.fixture
def due(shop, bill_billing, carol_customer):
    """Carol's renewal proforma of 121.00 RON (100.00 + 21 % VAT), due today."""
    carol_customer.email = "accounts@carol.test"
    carol_customer.save(update_fields=["email"])
    return renewal_document(bill_billing, [service(shop, carol_customer)])


def _charged(fake_stripe):
    return fake_stripe.requests_to("payment_intents")


def test_a_due_renewal_is_charged_off_session_and_paid_once(
    client, fake_stripe, due, carol_customer, django_capture_on_commit_callbacks
):
    card = save_card(fake_stripe, carol_customer)
    auto_pay(carol_customer)

    with django_capture_on_commit_callbacks(execute=True):
        opened = charge_due(on=fiscal_today())

    charge = AutoCharge.objects.get()
    assert opened == [charge.pk]
    assert (charge.status, charge.amount, charge.currency) == (ChargeStatus.SUCCEEDED, D("121.00"), "RON")
    [request] = _charged(fake_stripe)
    assert request.headers["idempotency-key"] == f"autocharge-{charge.pk}"
    sent = parse_qs(request.body.decode())
    stripe_id = StripeCustomer.objects.get(customer=carol_customer).stripe_id
    assert sent["customer"] == [stripe_id]
    assert sent["payment_method"] == [card]
    assert (sent["amount"], sent["currency"], sent["off_session"], sent["confirm"]) == (
        ["12100"],
        ["ron"],
        ["true"],
        ["true"],
    )
    assert sent["metadata[document_id]"] == [str(due.pk)]
    assert sent["metadata[autocharge_id]"] == [str(charge.pk)]

    # Stripe's answer recorded the payment at once; the proforma became a paid invoice.
    payment = Payment.objects.get()
    assert (payment.amount, payment.method, payment.external_id) == (
        D("121.00"),
        "card",
        charge.payment_intent,
    )
    due.refresh_from_db()
    assert due.status == DocumentStatus.CONVERTED
    assert payment.document.outstanding_amount == D("0.00")

    # The webhook arrives, twice: nothing more.
    [event] = deliver(
        client, fake_stripe, "payment_intent.succeeded", capture=django_capture_on_commit_callbacks
    )
    assert post_event(client, fake_stripe, event).json()["duplicate"] is True
    assert InboundEvent.objects.get(event_type="payment_intent.succeeded").status == EventStatus.PROCESSED
    assert Payment.objects.count() == 1
    assert AuditEvent.objects.filter(action="recurring.autocharge_succeeded").count() == 1
    assert AuditEvent.objects.filter(action="recurring.autocharge_requested").count() == 1
    assert not mail.outbox


def test_the_webhook_before_stripes_answer_pays_once(
    client, fake_stripe, due, carol_customer, django_capture_on_commit_callbacks
):
    save_card(fake_stripe, carol_customer)
    auto_pay(carol_customer)
    with django_capture_on_commit_callbacks(execute=False):  # the task has not run yet
        [charge_id] = charge_due(on=fiscal_today())

    fake_stripe.fail_next("payment_intents", HANG_UP_AFTER)  # Stripe charges; its answer is lost
    with pytest.raises(StripeUnavailableError):
        ask_stripe(autocharge_id=charge_id)
    assert AutoCharge.objects.get().status == ChargeStatus.PENDING
    assert not Payment.objects.exists()

    deliver(client, fake_stripe, "payment_intent.succeeded", capture=django_capture_on_commit_callbacks)
    charge = AutoCharge.objects.get()
    intent = fake_stripe.events_of("payment_intent.succeeded")[0]["data"]["object"]["id"]
    assert (charge.status, charge.payment_intent) == (ChargeStatus.SUCCEEDED, intent)
    assert Payment.objects.get().external_id == intent

    # The task's retry finds the charge finished and asks Stripe nothing.
    assert ask_stripe(autocharge_id=charge_id).status == ChargeStatus.SUCCEEDED
    assert len(_charged(fake_stripe)) == 1
    assert Payment.objects.count() == 1


def test_a_declined_card_fails_the_charge_mails_once_and_leaves_the_document_unpaid(
    client, fake_stripe, due, carol_customer, django_capture_on_commit_callbacks
):
    save_card(fake_stripe, carol_customer, number=DECLINES)
    auto_pay(carol_customer)

    with django_capture_on_commit_callbacks(execute=True):
        charge_due(on=fiscal_today())

    charge = AutoCharge.objects.get()
    assert charge.status == ChargeStatus.FAILED
    assert charge.payment_intent.startswith("pi_")
    assert "declined" in charge.error
    due.refresh_from_db()
    assert due.status == DocumentStatus.ISSUED
    assert not Payment.objects.exists()
    [message] = mail.outbox
    assert message.to == ["accounts@carol.test"]
    assert due.number in message.subject
    assert f"/app/billing/documents/{due.pk}/" in message.body
    assert "121" in message.body
    assert "Banca dumneavoastră a refuzat plata." in message.body  # carol's documents are in Romanian

    # Stripe's payment_failed event arrives (twice): the charge was failed already, no second e-mail.
    [event] = deliver(
        client, fake_stripe, "payment_intent.payment_failed", capture=django_capture_on_commit_callbacks
    )
    post_event(client, fake_stripe, event)
    assert (
        InboundEvent.objects.get(event_type="payment_intent.payment_failed").status == EventStatus.PROCESSED
    )
    assert len(mail.outbox) == 1
    assert AuditEvent.objects.filter(action="recurring.autocharge_failed").count() == 1
    # charge_due again (tomorrow's run): the document has its charge, nothing is asked again.
    with django_capture_on_commit_callbacks(execute=True):
        assert charge_due(on=fiscal_today()) == []
    assert len(_charged(fake_stripe)) == 1


def test_a_decline_arriving_first_by_webhook_fails_once(
    client, fake_stripe, due, carol_customer, django_capture_on_commit_callbacks
):
    save_card(fake_stripe, carol_customer, number="4000000000009995")  # insufficient funds
    auto_pay(carol_customer)
    with django_capture_on_commit_callbacks(execute=False):
        [charge_id] = charge_due(on=fiscal_today())
    fake_stripe.fail_next("payment_intents", HANG_UP_AFTER)
    with pytest.raises(StripeUnavailableError):
        ask_stripe(autocharge_id=charge_id)

    deliver(client, fake_stripe, "payment_intent.payment_failed", capture=django_capture_on_commit_callbacks)
    charge = AutoCharge.objects.get()
    assert charge.status == ChargeStatus.FAILED
    assert "insufficient_funds" in charge.error
    assert len(mail.outbox) == 1

    # The retry: Stripe replays its 402 for the key; the charge stays failed, no second e-mail.
    with django_capture_on_commit_callbacks(execute=True):
        assert ask_stripe(autocharge_id=charge_id).status == ChargeStatus.FAILED
    assert len(mail.outbox) == 1


def test_a_card_saved_at_checkout_that_needs_authentication_fails_off_session(
    client, fake_stripe, due, shop, bill_billing, carol, carol_customer, django_capture_on_commit_callbacks
):
    from praho.payments.tests.stripe_steps import checkout

    first = renewal_document(bill_billing, [service(shop, carol_customer, plan="backup")])
    session = checkout(first, carol, save_card=True)
    fake_stripe.complete_session(session.session_id, card="4000002760003184")  # authenticated on the page
    deliver(client, fake_stripe, "checkout.session.completed", capture=django_capture_on_commit_callbacks)

    account = StripeCustomer.objects.get(customer=carol_customer)
    assert account.default_payment_method.startswith("pm_")
    at_stripe = fake_stripe.lookup(account.stripe_id)["invoice_settings"]["default_payment_method"]
    assert at_stripe == account.default_payment_method
    assert AuditEvent.objects.filter(action="payments.card_saved").exists()

    auto_pay(carol_customer)
    with django_capture_on_commit_callbacks(execute=True):
        charge_due(on=fiscal_today())
    charge = AutoCharge.objects.get(document=due)
    assert charge.status == ChargeStatus.FAILED
    assert charge.error.startswith("authentication_required: ")
    [message] = mail.outbox
    assert "să confirmați personal această plată" in message.body  # in Romanian, as her documents


def test_nothing_is_charged_without_auto_pay_a_card_or_anything_due(
    fake_stripe, shop, bill_billing, carol_customer, dave_customer, django_capture_on_commit_callbacks
):
    today = fiscal_today()
    renewal_document(bill_billing, [service(shop, carol_customer)])  # card, auto-pay off
    save_card(fake_stripe, carol_customer)
    auto_pay(carol_customer, on=False)
    renewal_document(bill_billing, [service(shop, dave_customer)])  # auto-pay on, no card
    auto_pay(dave_customer)

    with django_capture_on_commit_callbacks(execute=True):
        assert charge_due(on=today) == []
    assert not AutoCharge.objects.exists()
    assert not _charged(fake_stripe)

    # Auto-pay on: charged once due, not before, and once however often charge_due runs.
    auto_pay(carol_customer)
    with django_capture_on_commit_callbacks(execute=True):
        assert charge_due(on=today - timedelta(days=1)) == []
        assert len(charge_due(on=today)) == 1
        assert charge_due(on=today) == []  # twice: one charge
    assert AutoCharge.objects.count() == 1
    assert len(_charged(fake_stripe)) == 1
