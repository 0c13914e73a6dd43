"""Recurring billing's Celery tasks: thin, idempotent."""

from __future__ import annotations

from celery import shared_task

from praho.core.validation import fiscal_today
from praho.recurring.models import BillingRun, RunStatus, RunTrigger
from praho.recurring.services import runs


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
