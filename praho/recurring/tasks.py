"""Recurring billing's Celery tasks: thin, idempotent."""

from __future__ import annotations

from celery import shared_task

from praho.core.validation import fiscal_today
from praho.recurring.models import RunTrigger
from praho.recurring.services import runs


@shared_task(name="recurring.daily", ignore_result=True)
def daily() -> int:
    """The day's billing run (the beat sends it each morning); returns the run's id."""
    return runs.run_billing(on=fiscal_today(), trigger=RunTrigger.SCHEDULE).pk
