"""The Stripe customer of a PRAHO customer: made the first time one of its users pays by card or
opens the Portal, then reused (cards saved at checkout are kept on it)."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from praho.customers.models import Customer
from praho.payments.gateways import stripe_api
from praho.payments.models import StripeCustomer


def stripe_customer_of(customer: Customer, *, email: str = "") -> StripeCustomer:
    """The row, made (one Stripe call, outside any transaction) when missing."""
    existing = StripeCustomer.objects.filter(customer=customer).first()
    if existing is not None:
        return existing
    stripe_id = stripe_api.create_customer(name=customer.name, email=email, praho_id=customer.pk)
    try:
        with transaction.atomic():
            return StripeCustomer.objects.create(customer=customer, stripe_id=stripe_id, email=email)
    except IntegrityError:  # a concurrent first payment stored it (the same id: one idempotency key)
        return StripeCustomer.objects.get(customer=customer)
