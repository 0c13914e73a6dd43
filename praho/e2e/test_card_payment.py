"""A customer pays a proforma by card in a browser: "Pay by card" on the proforma's page, Stripe
Checkout (the local fake's page, another origin), back to PRAHO saying the payment is being
confirmed (or, the webhook being quicker, the invoice it became); the fake posts the signed
webhook to the live server, the inbox records the payment once, and the invoice shows as paid."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from praho.billing.models import DocumentStatus, Payment
from praho.billing.services.drafts import create_document
from praho.billing.services.issuing import issue_document
from praho.e2e.steps import log_in, submit
from praho.inbox.models import EventStatus, InboundEvent
from praho.testing.fakes.stripe import FakeStripe

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("billing_ready"),
]
HOSTING = {"description": "Web hosting Business", "quantity": "1", "unit_code": "MON", "unit_price": "100.00"}


@pytest.fixture
def stripe_for_browser(settings, live_server) -> Iterator[FakeStripe]:
    with FakeStripe(
        webhook_secret=settings.STRIPE_WEBHOOK_SECRET, webhook_url=f"{live_server.url}/webhooks/stripe/"
    ) as fake:
        settings.STRIPE_API_BASE = fake.url
        policy = settings.CONTENT_SECURITY_POLICY
        policy["DIRECTIVES"] = {**policy["DIRECTIVES"], "form-action": ["'self'", fake.url]}
        settings.CONTENT_SECURITY_POLICY = policy
        yield fake


def test_a_customer_pays_a_proforma_by_card(web, carol, carol_customer, bill_billing, stripe_for_browser):
    draft = create_document(
        actor=bill_billing, document_type="proforma", customer=carol_customer, lines=[HOSTING]
    )
    proforma = issue_document(actor=bill_billing, document=draft)
    log_in(web, carol)
    web.go(f"/app/billing/documents/{proforma.pk}/")

    submit(web, "#pay-by-card form:has(input[name=save_card])", "Pay by card")
    assert web.page.url.startswith(f"{stripe_for_browser.url}/pay/cs_test_")
    assert "121.00" in web.page.locator("body").inner_text()

    with web.page.expect_navigation():
        web.page.get_by_role("button", name="Pay").click()
    assert web.path() == f"/app/billing/documents/{proforma.pk}/?checkout=done"

    assert stripe_for_browser.wait_for_deliveries()
    payment = Payment.objects.get()
    assert (payment.method, str(payment.amount)) == ("card", "121.00")
    proforma.refresh_from_db()
    assert proforma.status == DocumentStatus.CONVERTED
    assert InboundEvent.objects.get(event_type="checkout.session.completed").status == EventStatus.PROCESSED

    web.go(f"/app/billing/documents/{payment.document_id}/")
    assert "Paid" in web.page.locator("main").inner_text()
    assert not web.errors
