"""Recurring billing's Celery tasks: thin, idempotent."""

from __future__ import annotations

from datetime import date
from typing import Any

from celery import shared_task

from praho.core.validation import fiscal_today
from praho.recurring.models import BillingRun, RunStatus, RunTrigger
from praho.recurring.services import runs
from praho.recurring.services.dunning import run_dunning


@shared_task(name="recurring.daily", ignore_result=True)
def daily() -> int:
    """The day's billing run (the beat sends it each morning); returns the run's id."""
    return runs.run_billing(on=fiscal_today(), trigger=RunTrigger.SCHEDULE).pk


@shared_task(name="recurring.run_now", ignore_result=True)
def run_now(run_id: int) -> int:
    """A run staff started from its page (start_run made its row); nothing when it ran already."""
    run = BillingRun.objects.filter(pk=run_id, status=RunStatus.RUNNING, finished_at=None).first()
    if run is None:
        return 0
    return runs.run_billing(on=run.run_date, trigger=run.trigger, actor=run.started_by, run=run).documents


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
