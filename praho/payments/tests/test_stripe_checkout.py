"""Paying by card through Stripe Checkout, end to end against the local fake Stripe: the session
PRAHO opens, the customer paying on Stripe's page, the webhook delivered to PRAHO's intake and
processed through the inbox into exactly one billing payment, in any order and any number of times."""

from __future__ import annotations

from decimal import Decimal

import pytest

from praho.audit.models import AuditEvent
from praho.billing import ledger_queries
from praho.billing.models import DocumentStatus, Payment, Refund
from praho.billing.services.corrections import cancel_proforma
from praho.inbox.models import EventStatus, InboundEvent
from praho.payments.models import CheckoutStatus, Dispute, StripeCustomer
from praho.payments.tests.bank_steps import issued
from praho.payments.tests.stripe_steps import checkout, deliver_all, post_event

D = Decimal
pytestmark = pytest.mark.django_db


def test_a_paid_proforma_becomes_one_card_payment(
    client, fake_stripe, proforma, carol, django_capture_on_commit_callbacks
):
    session = checkout(proforma, carol)

    assert (session.amount, session.currency, session.status) == (D("121.00"), "RON", CheckoutStatus.OPEN)
    sent = fake_stripe.lookup(session.session_id)
    assert sent["metadata"] == {"document_id": str(proforma.pk)}
    assert (sent["client_reference_id"], sent["amount_total"], sent["currency"]) == (
        proforma.number,
        12100,
        "ron",
    )
    assert sent["customer"] == StripeCustomer.objects.get(customer=proforma.customer).stripe_id
    assert session.url == f"{fake_stripe.url}/pay/{session.session_id}"

    fake_stripe.complete_session(session.session_id)
    deliver_all(client, fake_stripe, "checkout.session.completed", capture=django_capture_on_commit_callbacks)

    payment = Payment.objects.get()
    intent = fake_stripe.lookup(session.session_id)["payment_intent"]
    assert (payment.amount, payment.currency, payment.method, payment.external_id) == (
        D("121.00"),
        "RON",
        "card",
        intent,
    )
    proforma.refresh_from_db()
    assert proforma.status == DocumentStatus.CONVERTED
    assert ledger_queries.document_outstanding(payment.document) == D("0.00")
    session.refresh_from_db()
    assert (session.status, session.payment_intent) == (CheckoutStatus.PAID, intent)
    assert InboundEvent.objects.get(event_type="checkout.session.completed").status == EventStatus.PROCESSED

    # Stripe delivers it again: stored once, nothing more recorded.
    event = fake_stripe.events_of("checkout.session.completed")[0]
    again = post_event(client, fake_stripe, event)
    assert again.json() == {"received": True, "duplicate": True}
    assert Payment.objects.count() == 1


def test_an_open_session_is_reused_and_one_stripe_customer_made(fake_stripe, proforma, carol):
    first = checkout(proforma, carol)
    assert checkout(proforma, carol) == first
    with_card = checkout(proforma, carol, save_card=True)
    assert with_card != first
    assert fake_stripe.lookup(with_card.session_id)["amount_total"] == 12100
    assert StripeCustomer.objects.count() == 1
    assert AuditEvent.objects.filter(action="payments.checkout_started").count() == 2


def test_a_bank_debit_waits_then_pays(
    client, fake_stripe, proforma, carol, django_capture_on_commit_callbacks
):
    session = checkout(proforma, carol)
    fake_stripe.complete_session(session.session_id, asynchronous=True)
    deliver_all(client, fake_stripe, "checkout.session.completed", capture=django_capture_on_commit_callbacks)
    session.refresh_from_db()
    assert session.status == CheckoutStatus.AWAITING_PAYMENT
    assert not Payment.objects.exists()

    fake_stripe.async_payment_succeeded(session.session_id)
    deliver_all(
        client,
        fake_stripe,
        "checkout.session.async_payment_succeeded",
        capture=django_capture_on_commit_callbacks,
    )
    session.refresh_from_db()
    assert session.status == CheckoutStatus.PAID
    assert Payment.objects.get().amount == D("121.00")


def test_a_failed_bank_debit_is_marked_and_audited(
    client, fake_stripe, proforma, carol, django_capture_on_commit_callbacks
):
    session = checkout(proforma, carol)
    fake_stripe.complete_session(session.session_id, asynchronous=True)
    fake_stripe.async_payment_failed(session.session_id)
    deliver_all(client, fake_stripe, capture=django_capture_on_commit_callbacks)
    session.refresh_from_db()
    assert session.status == CheckoutStatus.FAILED
    assert not Payment.objects.exists()
    assert AuditEvent.objects.filter(action="payments.card_payment_failed").exists()


def test_a_refund_arriving_before_the_payment_ends_the_same(
    client, fake_stripe, proforma, carol, django_capture_on_commit_callbacks
):
    session = checkout(proforma, carol)
    fake_stripe.complete_session(session.session_id)
    intent = fake_stripe.lookup(session.session_id)["payment_intent"]
    fake_stripe.refund(intent, 5000)  # 50.00 RON back, from Stripe's dashboard

    deliver_all(client, fake_stripe, "charge.refunded", capture=django_capture_on_commit_callbacks)
    deliver_all(client, fake_stripe, "checkout.session.completed", capture=django_capture_on_commit_callbacks)

    payment = Payment.objects.get()
    refund = Refund.objects.get()
    assert (refund.payment, refund.amount) == (payment, D("50.00"))
    assert ledger_queries.document_outstanding(payment.document) == D("50.00")
    statuses = set(InboundEvent.objects.values_list("status", flat=True))
    assert statuses == {EventStatus.PROCESSED}


def test_money_for_a_proforma_cancelled_meanwhile_becomes_credit(
    client, fake_stripe, proforma, carol, bill_billing, django_capture_on_commit_callbacks
):
    session = checkout(proforma, carol)
    cancel_proforma(actor=bill_billing, proforma=proforma)
    fake_stripe.complete_session(session.session_id)
    deliver_all(client, fake_stripe, "checkout.session.completed", capture=django_capture_on_commit_callbacks)
    payment = Payment.objects.get()
    assert payment.document is None
    assert ledger_queries.customer_credit_available(proforma.customer, "RON") == D("121.00")
    assert AuditEvent.objects.filter(action="payments.card_payment_unallocated").exists()


def test_a_dispute_is_kept_for_staff(
    client, fake_stripe, proforma, carol, django_capture_on_commit_callbacks
):
    session = checkout(proforma, carol)
    fake_stripe.complete_session(session.session_id)
    intent = fake_stripe.lookup(session.session_id)["payment_intent"]
    charge = fake_stripe.lookup(intent)["latest_charge"]
    fake_stripe.dispute(charge)
    deliver_all(
        client,
        fake_stripe,
        "checkout.session.completed",
        "charge.dispute.created",
        capture=django_capture_on_commit_callbacks,
    )
    dispute = Dispute.objects.get()
    assert (dispute.payment, dispute.amount, dispute.charge_id) == (
        Payment.objects.get(),
        D("121.00"),
        charge,
    )
    assert AuditEvent.objects.filter(action="payments.dispute_opened").count() == 1


def test_customer_details_changed_in_the_portal_are_kept(
    client, fake_stripe, proforma, carol, django_capture_on_commit_callbacks
):
    checkout(proforma, carol)
    account = StripeCustomer.objects.get()
    fake_stripe.update_customer(account.stripe_id, email="billing@carol.example")
    deliver_all(client, fake_stripe, "customer.updated", capture=django_capture_on_commit_callbacks)
    account.refresh_from_db()
    assert account.email == "billing@carol.example"


def test_a_checkout_of_another_shop_is_ignored(client, fake_stripe, django_capture_on_commit_callbacks):
    event = {
        "id": "evt_foreign",
        "object": "event",
        "type": "checkout.session.completed",
        "created": 1_800_000_000,
        "data": {"object": {"id": "cs_test_x", "object": "checkout.session", "metadata": {}}},
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert post_event(client, fake_stripe, event).status_code == 200
    stored = InboundEvent.objects.get()
    assert stored.status == EventStatus.IGNORED
    assert "Not a PRAHO checkout" in stored.last_error


def test_a_failed_bank_debit_stays_failed_when_its_completion_arrives_last(
    client, fake_stripe, proforma, carol, django_capture_on_commit_callbacks
):
    # The session completes (debit pending), then the bank refuses the debit; Stripe's session is
    # "complete, unpaid" either way, so the late completion must not move it back to waiting.
    session = checkout(proforma, carol)
    fake_stripe.complete_session(session.session_id, asynchronous=True)
    fake_stripe.async_payment_failed(session.session_id)
    deliver_all(
        client,
        fake_stripe,
        "checkout.session.async_payment_failed",
        capture=django_capture_on_commit_callbacks,
    )
    deliver_all(client, fake_stripe, "checkout.session.completed", capture=django_capture_on_commit_callbacks)
    session.refresh_from_db()
    assert session.status == CheckoutStatus.FAILED
    assert not Payment.objects.exists()


def test_a_dispute_arriving_before_the_payment_is_tied_to_it(
    client, fake_stripe, proforma, carol, django_capture_on_commit_callbacks
):
    session = checkout(proforma, carol)
    fake_stripe.complete_session(session.session_id)
    intent = fake_stripe.lookup(session.session_id)["payment_intent"]
    fake_stripe.dispute(intent)
    deliver_all(client, fake_stripe, "charge.dispute.created", capture=django_capture_on_commit_callbacks)
    deliver_all(client, fake_stripe, "checkout.session.completed", capture=django_capture_on_commit_callbacks)
    payment = Payment.objects.get()
    assert (payment.external_id, payment.amount) == (intent, D("121.00"))
    assert Dispute.objects.get().payment == payment
    assert set(InboundEvent.objects.values_list("status", flat=True)) == {EventStatus.PROCESSED}


def test_replaying_a_dispute_kept_without_its_payment_ties_it(
    client, fake_stripe, proforma, carol, django_capture_on_commit_callbacks
):
    # As a dispute processed before its payment was kept until the handler recorded the payment first.
    session = checkout(proforma, carol)
    fake_stripe.complete_session(session.session_id)
    intent = fake_stripe.lookup(session.session_id)["payment_intent"]
    sent = fake_stripe.dispute(intent)
    deliver_all(client, fake_stripe, "checkout.session.completed", capture=django_capture_on_commit_callbacks)
    Dispute.objects.create(
        dispute_id=sent["id"], charge_id=sent["charge"], payment=None, amount=D("121.00"), currency="RON"
    )
    deliver_all(client, fake_stripe, "charge.dispute.created", capture=django_capture_on_commit_callbacks)
    assert Dispute.objects.get().payment == Payment.objects.get()
    assert not AuditEvent.objects.filter(action="payments.dispute_opened").exists()  # opened before


def test_an_invoice_just_issued_asks_what_the_ledger_says_it_owes(
    fake_stripe, billing_ready, bill_billing, carol, carol_customer
):
    invoice = issued(bill_billing, carol_customer, "invoice")  # the object as issuing returned it
    assert checkout(invoice, carol).amount == D("121.00")


def test_a_card_saved_at_checkout_becomes_the_default_card_here_and_at_stripe(
    client, fake_stripe, proforma, carol, django_capture_on_commit_callbacks
):
    session = checkout(proforma, carol, save_card=True)
    fake_stripe.complete_session(session.session_id)
    deliver_all(client, fake_stripe, "checkout.session.completed", capture=django_capture_on_commit_callbacks)

    account = StripeCustomer.objects.get(customer=proforma.customer)
    intent = fake_stripe.lookup(fake_stripe.lookup(session.session_id)["payment_intent"])
    assert account.default_payment_method == intent["payment_method"]
    stripe_customer = fake_stripe.lookup(account.stripe_id)
    assert stripe_customer["invoice_settings"]["default_payment_method"] == intent["payment_method"]
    # Stripe's customer.updated that follows agrees with what is stored.
    deliver_all(client, fake_stripe, "customer.updated", capture=django_capture_on_commit_callbacks)
    account.refresh_from_db()
    assert account.default_payment_method == intent["payment_method"]


def test_a_card_not_saved_at_checkout_is_not_the_default_card(
    client, fake_stripe, proforma, carol, django_capture_on_commit_callbacks
):
    session = checkout(proforma, carol)
    fake_stripe.complete_session(session.session_id)
    deliver_all(client, fake_stripe, "checkout.session.completed", capture=django_capture_on_commit_callbacks)
    assert StripeCustomer.objects.get(customer=proforma.customer).default_payment_method == ""
    assert not [seen for seen in fake_stripe.received if "/v1/payment_intents" in seen.path]
