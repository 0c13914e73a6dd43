"""Recurring billing's Celery tasks: thin, idempotent, by id."""

from __future__ import annotations

from datetime import date
from typing import Any

from celery import shared_task

from praho.core.validation import fiscal_today
from praho.payments.gateways.stripe_api import StripeUnavailableError
from praho.recurring.models import BillingRun, RunStatus, RunTrigger
from praho.recurring.services import autocharge as autocharge_services
from praho.recurring.services import runs
from praho.recurring.services.cancellation import end_cancelled
from praho.recurring.services.dunning import run_dunning


@shared_task(name="recurring.daily", ignore_result=True)
def daily() -> int:
    """The day's work, each step idempotent (the beat sends it each morning): the billing run, the
    automatic charges of what falls due today, dunning, and the end of services cancelled at the
    end of their period; returns the run's id."""
    today = fiscal_today()
    run = runs.run_billing(on=today, trigger=RunTrigger.SCHEDULE)
    autocharge_services.charge_due(on=today)
    run_dunning(on=today)
    end_cancelled(on=today)
    return run.pk


@shared_task(name="recurring.run_now", ignore_result=True)
def run_now(run_id: int) -> int:
    """A run staff started from its page (start_run made its row); nothing when it ran already."""
    run = BillingRun.objects.filter(pk=run_id, status=RunStatus.RUNNING, finished_at=None).first()
    if run is None:
        return 0
    return runs.run_billing(on=run.run_date, trigger=run.trigger, actor=run.started_by, run=run).documents


@shared_task(name="recurring.charge_due", ignore_result=True)
def charge_due() -> int:
    """Open the automatic charges of renewal documents due today (recurring.daily does it too)."""
    return len(autocharge_services.charge_due(on=fiscal_today()))


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


@shared_task(name="recurring.autocharge_declined_email", ignore_result=True)
def autocharge_declined_email(autocharge_id: int) -> bool:
    return autocharge_services.send_declined_email(autocharge_id=autocharge_id)


# Hundreds of documents a day at most, each a short transaction; the limits stop a stuck worker.
@shared_task(name="recurring.dunning", soft_time_limit=1800, time_limit=1900)
def dunning(on: str = "") -> dict[str, Any]:
    """Write the dunning steps due today (or on the ISO date `on`); running it again writes
    nothing more. (recurring.daily may call run_dunning itself after the billing run.)"""
    summary = run_dunning(on=date.fromisoformat(on) if on else fiscal_today())
    return {
        "documents": summary.documents,
        "reminders": summary.reminders,
        "skipped": summary.skipped,
        "suspended": summary.suspended,
        "terminated": summary.terminated,
        "awaiting": summary.awaiting,
        "errors": summary.errors,
    }
