"""Recurring billing's Celery tasks: thin, idempotent, by id."""

from __future__ import annotations

from celery import shared_task

from praho.core.validation import fiscal_today
from praho.payments.gateways.stripe_api import StripeUnavailableError
from praho.recurring.services import autocharge as autocharge_services


@shared_task(
    name="recurring.autocharge",
    ignore_result=True,
    autoretry_for=(StripeUnavailableError,),
    retry_backoff=30,
    retry_backoff_max=1800,
    max_retries=6,
)
def autocharge(autocharge_id: int) -> str:
    """Ask Stripe to charge one pending automatic charge (the same charge however often it runs)."""
    return str(autocharge_services.ask_stripe(autocharge_id=autocharge_id).status)


@shared_task(name="recurring.charge_due", ignore_result=True)
def charge_due() -> int:
    """Daily: open the automatic charges of renewal documents due today."""
    return len(autocharge_services.charge_due(on=fiscal_today()))


@shared_task(name="recurring.autocharge_declined_email", ignore_result=True)
def autocharge_declined_email(autocharge_id: int) -> bool:
    return autocharge_services.send_declined_email(autocharge_id=autocharge_id)
