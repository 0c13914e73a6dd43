"""Steps of recurring billing's tests: services, renewal documents as the billing run leaves them
(a proforma or invoice with one Renewal row per service period), a saved card, auto-pay on, and
Stripe's events handed to PRAHO's webhook endpoint."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from dateutil.relativedelta import relativedelta
from django.test import Client

from praho.billing.models import Document
from praho.billing.services.drafts import create_document
from praho.billing.services.issuing import issue_document
from praho.core.validation import fiscal_today
from praho.customers.models import Customer
from praho.orders.models import Service, ServiceStatus
from praho.payments.models import StripeCustomer
from praho.payments.services.stripe_customers import stripe_customer_of
from praho.recurring.models import BillingPreference, Renewal
from praho.recurring.pricing import next_period
from praho.testing.fakes.stripe import FakeStripe
from praho.testing.shop import Shop

WEBHOOK = "/webhooks/stripe/"


def service(
    shop: Shop,
    customer: Customer,
    *,
    plan: str = "web-start",
    due: date | None = None,
    price: str = "100.00",
    status: str = ServiceStatus.ACTIVE,
    **values: Any,
) -> Service:
    due = due or fiscal_today()
    return Service.objects.create(
        customer=customer,
        plan=shop.plans[plan],
        status=status,
        cycle="monthly",
        price=Decimal(price),
        list_price=Decimal(values.pop("list_price", price)),
        currency=values.pop("currency", "RON"),
        next_due_date=due,
        billing_anchor=due - relativedelta(months=1),
        **values,
    )


def renewal_document(
    actor: Any, services: list[Service], *, kind: str = "proforma", due: date | None = None
) -> Document:
    """The issued renewal document of these services' next periods, due on `due` (today)."""
    customer = services[0].customer
    lines = [
        {
            "description": f"{item.plan} renewal",
            "quantity": "1",
            "unit_code": "MON",
            "unit_price": str(item.price),
        }
        for item in services
    ]
    due = due or fiscal_today()
    draft = create_document(
        actor=actor,
        document_type=kind,
        customer=customer,
        lines=lines,
        issue_date=min(due, fiscal_today()),
        due_date=due,
    )
    document = issue_document(actor=actor, document=draft)
    for item in services:
        period = next_period(item)
        assert period is not None
        Renewal.objects.create(
            service=item,
            period_number=period.number,
            period_start=period.start,
            period_end=period.end,
            document=document,
            net_amount=item.price,
            currency=item.currency,
        )
    return document


def save_card(fake: FakeStripe, customer: Customer, *, number: str = "4242424242424242") -> str:
    """A card saved at Stripe for the customer and known to PRAHO as its default card."""
    account = stripe_customer_of(customer, email=customer.email)
    method = str(fake.add_card(account.stripe_id, number=number)["id"])
    StripeCustomer.objects.filter(pk=account.pk).update(default_payment_method=method)
    return method


def auto_pay(customer: Customer, on: bool = True) -> None:
    BillingPreference.objects.update_or_create(customer=customer, defaults={"auto_pay": on})


def post_event(client: Client, fake: FakeStripe, event: dict[str, Any]) -> Any:
    body, header = fake.signed(event)
    return client.post(WEBHOOK, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header)


def deliver(client: Client, fake: FakeStripe, *types: str, capture: Any) -> list[dict[str, Any]]:
    """Every event of these types the fake recorded, in order, processed as they arrive."""
    sent = []
    for event in list(fake.events):
        if event["type"] in types:
            with capture(execute=True):
                assert post_event(client, fake, event).status_code == 200
            sent.append(event)
    return sent
