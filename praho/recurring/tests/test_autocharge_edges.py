"""The edges of automatic card charges: a document paid before the charge runs, an invoice charged
for what it still owes, a lost task sent again, an e-mail in the customer's language, Stripe's
errors as the gateway reports them, and events that are not PRAHO's off-session charges."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from praho.billing.models import Payment, Refund
from praho.billing.services.payments import record_payment
from praho.core.validation import fiscal_today
from praho.customers.models import TaxProfile
from praho.inbox.models import EventStatus, InboundEvent
from praho.payments.gateways import stripe_api
from praho.payments.models import StripeCustomer
from praho.payments.signals import card_charge_finished
from praho.recurring.models import AutoCharge, ChargeStatus
from praho.recurring.services import autocharge
from praho.recurring.services.autocharge import ask_stripe, charge_due, open_charge, resend_unanswered
from praho.recurring.tests.renewal_steps import auto_pay, deliver, renewal_document, save_card, service
from praho.testing.fakes.service import HANG_UP_AFTER

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def ready(fake_stripe, carol_customer):
    carol_customer.email = "accounts@carol.test"
    carol_customer.save(update_fields=["email"])
    save_card(fake_stripe, carol_customer)
    auto_pay(carol_customer)
    return carol_customer


def test_an_invoice_is_charged_for_what_it_still_owes(
    fake_stripe, shop, bill_billing, ready, django_capture_on_commit_callbacks
):
    invoice = renewal_document(bill_billing, [service(shop, ready)], kind="invoice")
    record_payment(
        actor=bill_billing,
        invoice=invoice,
        amount=D("21.00"),
        currency="RON",
        method="bank_transfer",
        reference="OP 7",
        received_on=fiscal_today(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        charge_due(on=fiscal_today())
    charge = AutoCharge.objects.get()
    assert (charge.amount, charge.status) == (D("100.00"), ChargeStatus.SUCCEEDED)
    invoice.refresh_from_db()
    assert invoice.outstanding_amount == D("0.00")


def test_a_document_paid_before_the_task_runs_is_not_charged(
    fake_stripe, shop, bill_billing, ready, django_capture_on_commit_callbacks
):
    proforma = renewal_document(bill_billing, [service(shop, ready)])
    with django_capture_on_commit_callbacks(execute=False):
        [charge_id] = charge_due(on=fiscal_today())
    record_payment(
        actor=bill_billing,
        invoice=proforma,
        amount=D("121.00"),
        currency="RON",
        method="bank_transfer",
        reference="OP 8",
        received_on=fiscal_today(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        charge = ask_stripe(autocharge_id=charge_id)
    assert charge.status == ChargeStatus.FAILED
    assert not fake_stripe.requests_to("payment_intents")
    assert not mail.outbox  # nothing to tell the customer: it is paid


def test_a_charge_is_opened_once_per_document(fake_stripe, shop, bill_billing, ready):
    proforma = renewal_document(bill_billing, [service(shop, ready), service(shop, ready, plan="backup")])
    first = open_charge(document_id=proforma.pk)
    assert first is not None
    assert open_charge(document_id=proforma.pk) is None  # a second run racing the first
    assert AutoCharge.objects.count() == 1


def test_a_lost_task_is_sent_again_within_stripes_idempotency_window(
    fake_stripe, shop, bill_billing, ready, django_capture_on_commit_callbacks
):
    renewal_document(bill_billing, [service(shop, ready)])
    with django_capture_on_commit_callbacks(execute=False):
        [charge_id] = charge_due(on=fiscal_today())
    assert resend_unanswered() == 0  # too early: its task may still be running
    later = timezone.now() + autocharge.RESEND_AFTER + timedelta(seconds=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert resend_unanswered(now=later) == 1
    assert AutoCharge.objects.get(pk=charge_id).status == ChargeStatus.SUCCEEDED
    assert resend_unanswered(now=later) == 0
    much_later = timezone.now() + autocharge.RESEND_UNTIL + timedelta(hours=1)
    AutoCharge.objects.filter(pk=charge_id).update(status=ChargeStatus.PENDING, payment_intent="")
    assert resend_unanswered(now=much_later) == 0  # Stripe has forgotten the key: never again


def test_the_declined_email_is_in_the_documents_language(
    fake_stripe, shop, bill_billing, carol_customer, django_capture_on_commit_callbacks
):
    TaxProfile.objects.filter(customer=carol_customer).update(
        document_language="ro", invoice_email="facturi@carol.test"
    )
    save_card(fake_stripe, carol_customer, number="4000000000000341")
    auto_pay(carol_customer)
    renewal_document(bill_billing, [service(shop, carol_customer)])
    with django_capture_on_commit_callbacks(execute=True):
        charge_due(on=fiscal_today())
    [message] = mail.outbox
    assert message.to == ["facturi@carol.test"]
    assert message.extra_headers["Content-Language"] == "ro"
    assert "121,00" in message.body  # Romanian number format


def test_a_card_error_carries_stripes_code_and_the_payment_intent(fake_stripe, carol_customer):
    save_card(fake_stripe, carol_customer, number="4000000000009995")
    account = StripeCustomer.objects.get(customer=carol_customer)
    with pytest.raises(stripe_api.StripeCardError) as declined:
        stripe_api.charge_off_session(
            stripe_customer=account.stripe_id,
            payment_method=account.default_payment_method,
            amount_minor=5000,
            currency="RON",
            document_id=1,
            autocharge_id=99,
            description="PRF-1",
        )
    error = declined.value
    assert (error.code, error.decline_code) == ("card_declined", "insufficient_funds")
    assert error.payment_intent.startswith("pi_")
    assert isinstance(error, stripe_api.StripeRefusedError)


def test_no_saved_card_any_more_fails_the_charge(
    fake_stripe, shop, bill_billing, ready, django_capture_on_commit_callbacks
):
    renewal_document(bill_billing, [service(shop, ready)])
    with django_capture_on_commit_callbacks(execute=False):
        [charge_id] = charge_due(on=fiscal_today())
    StripeCustomer.objects.filter(customer=ready).update(default_payment_method="")  # removed meanwhile
    with django_capture_on_commit_callbacks(execute=True):
        charge = ask_stripe(autocharge_id=charge_id)
    assert charge.status == ChargeStatus.FAILED
    assert len(mail.outbox) == 1


def test_stripe_unavailable_keeps_the_charge_pending_for_the_retry(
    fake_stripe, shop, bill_billing, ready, django_capture_on_commit_callbacks
):
    renewal_document(bill_billing, [service(shop, ready)])
    with django_capture_on_commit_callbacks(execute=False):
        [charge_id] = charge_due(on=fiscal_today())
    fake_stripe.fail_next("payment_intents", "500")
    with pytest.raises(stripe_api.StripeUnavailableError):
        ask_stripe(autocharge_id=charge_id)
    assert AutoCharge.objects.get().status == ChargeStatus.PENDING
    assert ask_stripe(autocharge_id=charge_id).status == ChargeStatus.SUCCEEDED


def test_a_checkouts_payment_intent_succeeded_is_ignored(
    client, fake_stripe, shop, bill_billing, carol, carol_customer, django_capture_on_commit_callbacks
):
    from praho.payments.tests.stripe_steps import checkout

    session = checkout(renewal_document(bill_billing, [service(shop, carol_customer)]), carol)
    fake_stripe.complete_session(session.session_id)
    deliver(client, fake_stripe, "payment_intent.succeeded", capture=django_capture_on_commit_callbacks)
    assert InboundEvent.objects.get(event_type="payment_intent.succeeded").status == EventStatus.IGNORED


def test_an_outcome_for_another_document_changes_nothing(fake_stripe, shop, bill_billing, ready):
    proforma = renewal_document(bill_billing, [service(shop, ready)])
    charge = open_charge(document_id=proforma.pk)
    assert charge is not None
    with mock.patch.object(autocharge, "finish") as finish:
        card_charge_finished.send(
            sender=None,
            document_id=proforma.pk + 1000,
            payment_intent="pi_x",
            succeeded=True,
            error="",
            autocharge_id=charge.pk,
        )
    finish.assert_not_called()


def test_a_refund_arriving_before_the_charge_is_known_records_both_once(
    client, fake_stripe, shop, bill_billing, ready, django_capture_on_commit_callbacks
):
    renewal_document(bill_billing, [service(shop, ready)])
    with django_capture_on_commit_callbacks(execute=False):
        [charge_id] = charge_due(on=fiscal_today())
    fake_stripe.fail_next("payment_intents", HANG_UP_AFTER)
    with pytest.raises(stripe_api.StripeUnavailableError):
        ask_stripe(autocharge_id=charge_id)
    intent = fake_stripe.events_of("payment_intent.succeeded")[0]["data"]["object"]["id"]
    fake_stripe.refund(intent, 2100)  # 21.00 RON back, from Stripe's dashboard

    deliver(client, fake_stripe, "charge.refunded", capture=django_capture_on_commit_callbacks)
    deliver(client, fake_stripe, "payment_intent.succeeded", capture=django_capture_on_commit_callbacks)

    payment = Payment.objects.get()
    assert (payment.external_id, payment.amount) == (intent, D("121.00"))
    assert Refund.objects.get().amount == D("21.00")
    assert AutoCharge.objects.get().status == ChargeStatus.SUCCEEDED
