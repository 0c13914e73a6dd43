"""Staff refund card payments (/staff/payments/cards/): all or part, with or without a credit
note, through Stripe; the webhook that follows records nothing twice; who may do it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from praho.audit.models import AuditEvent
from praho.billing import ledger_queries
from praho.billing.models import DocumentType, Payment, Refund
from praho.payments.models import CardRefund, RefundStatus
from praho.payments.tests.stripe_steps import checkout, deliver_all

D = Decimal
pytestmark = pytest.mark.django_db
CARDS = "/staff/payments/cards/"


@pytest.fixture
def card_payment(client, fake_stripe, proforma, carol, django_capture_on_commit_callbacks):
    session = checkout(proforma, carol)
    fake_stripe.complete_session(session.session_id)
    deliver_all(client, fake_stripe, "checkout.session.completed", capture=django_capture_on_commit_callbacks)
    return Payment.objects.get()


def test_a_partial_refund_reopens_the_invoice(staff_client, bill_billing, card_payment, fake_stripe):
    billing = staff_client(bill_billing)
    response = billing.post(
        f"{CARDS}{card_payment.pk}/refund/", {"amount": "21.00", "reason": "Goodwill"}, follow=True
    )
    assert "Refunded 21.00 RON." in response.content.decode()
    refund = CardRefund.objects.get()
    assert (refund.status, refund.amount, refund.credit_note) == (RefundStatus.SUCCEEDED, D("21.00"), None)
    assert fake_stripe.lookup(refund.refund_id)["amount"] == 2100
    assert Refund.objects.get().external_id == refund.refund_id
    assert ledger_queries.document_outstanding(card_payment.document) == D("21.00")
    assert AuditEvent.objects.filter(action="payments.refund_requested", actor=bill_billing).count() == 1


def test_a_full_refund_with_a_credit_note_shows_both_and_the_webhook_adds_nothing(
    client, staff_client, bill_billing, card_payment, fake_stripe, django_capture_on_commit_callbacks
):
    billing = staff_client(bill_billing)
    billing.post(f"{CARDS}{card_payment.pk}/refund/", {"amount": "121.00", "with_credit_note": "on"})
    refund = CardRefund.objects.get()
    assert refund.credit_note.document_type == DocumentType.CREDIT_NOTE
    assert refund.credit_note.total == D("121.00")
    assert ledger_queries.customer_credit_available(card_payment.customer, "RON") == D("0.00")
    assert ledger_queries.document_outstanding(card_payment.document) == D("0.00")

    deliver_all(client, fake_stripe, "charge.refunded", capture=django_capture_on_commit_callbacks)
    assert Refund.objects.count() == 1
    assert CardRefund.objects.count() == 1


def test_more_than_is_left_is_refused_naming_the_field(staff_client, bill_billing, card_payment):
    billing = staff_client(bill_billing)
    response = billing.post(f"{CARDS}{card_payment.pk}/refund/", {"amount": "121.01"})
    assert response.status_code == 200
    assert "Only 121.00 RON of this payment is left to refund." in response.content.decode()
    assert not CardRefund.objects.exists()


def test_stripe_refusing_marks_the_refund_failed(staff_client, bill_billing, card_payment, fake_stripe):
    fake_stripe.refund(card_payment.external_id)  # refunded in full in the dashboard already
    response = staff_client(bill_billing).post(f"{CARDS}{card_payment.pk}/refund/", {"amount": "10.00"})
    assert "Stripe refused the refund" in response.content.decode()
    assert CardRefund.objects.get().status == RefundStatus.FAILED
    assert not Refund.objects.exists()


def test_the_list_runs_a_fixed_number_of_queries(
    staff_client, bill_billing, card_payment, django_assert_num_queries
):
    billing = staff_client(bill_billing)
    # 1 session, 2 user, 3 authenticators, 4 user permissions, 5 group permissions, 6 count, 7 the page
    with django_assert_num_queries(7):
        response = billing.get(CARDS)
    assert [payment.refunded for payment in response.context["payments"]] == [D("0.00")]


def test_who_may_refund(staff_client, sue_support, sam_sales, card_payment):
    support = staff_client(sue_support)
    assert support.get(CARDS).status_code == 200
    assert support.post(f"{CARDS}{card_payment.pk}/refund/", {"amount": "1.00"}).status_code == 403
    assert staff_client(sam_sales).get(CARDS).status_code == 403
    assert not CardRefund.objects.exists()
