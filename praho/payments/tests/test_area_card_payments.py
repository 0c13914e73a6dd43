"""The customer area's card payment: the "Pay by card" panel on a payable document, the POST that
sends the user to Stripe Checkout (303), the portal, and who may do it (another customer's
document is 404; a member without billing rights 403)."""

from __future__ import annotations

import pytest

from praho.billing.models import Payment
from praho.payments.models import CheckoutSession
from praho.testing.fakes.service import HANG_UP

pytestmark = pytest.mark.django_db


def page(document):
    return f"/app/billing/documents/{document.pk}/"


def test_the_document_page_offers_card_payment(client, fake_stripe, proforma, carol):
    client.force_login(carol)
    html = client.get(page(proforma)).content.decode()
    assert f'action="/app/payments/pay/{proforma.pk}/"' in html
    assert "121,00" in html or "121.00" in html


def test_paying_sends_the_user_to_stripe_checkout(client, fake_stripe, proforma, carol):
    client.force_login(carol)
    response = client.post(f"/app/payments/pay/{proforma.pk}/", {"save_card": "1"})
    session = CheckoutSession.objects.get()
    assert (response.status_code, response["Location"]) == (303, session.url)
    assert session.save_card
    sent = fake_stripe.lookup(session.session_id)
    assert sent["success_url"] == f"http://testserver{page(proforma)}?checkout=done"
    # Back from Stripe before the webhook: the page says the payment is being confirmed.
    html = client.get(page(proforma), {"checkout": "done"}).content.decode()
    assert "Your payment is being confirmed" in html
    assert not Payment.objects.exists()


def test_stripe_down_shows_a_message_and_charges_nothing(client, fake_stripe, proforma, carol):
    client.force_login(carol)
    fake_stripe.go_down(HANG_UP)
    response = client.post(f"/app/payments/pay/{proforma.pk}/", follow=True)
    assert "The card processor did not answer; nothing was charged." in response.content.decode()
    assert not CheckoutSession.objects.exists()


def test_the_portal_opens_for_the_customer(client, fake_stripe, proforma, carol):
    client.force_login(carol)
    response = client.post("/app/payments/cards/", {"next": page(proforma)})
    assert response.status_code == 303
    assert response["Location"].startswith(f"{fake_stripe.url}/portal/")
    outside = client.post("/app/payments/cards/", {"next": "https://evil.example/"})
    assert outside.status_code == 303  # the return address is ours whatever was asked


def test_another_customers_document_is_404_and_viewers_403(
    client, fake_stripe, proforma, dave, dave_customer, erin_viewer
):
    client.force_login(dave)
    assert client.post(f"/app/payments/pay/{proforma.pk}/").status_code == 404
    assert client.post("/app/payments/pay/999999/").status_code == 404
    client.force_login(erin_viewer)
    assert client.post(f"/app/payments/pay/{proforma.pk}/").status_code == 403
    assert client.get(f"/app/payments/pay/{proforma.pk}/").status_code == 405
    assert not CheckoutSession.objects.exists()
