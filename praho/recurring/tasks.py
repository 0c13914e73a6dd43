"""Celery tasks of recurring billing: thin, idempotent, each calling one service."""

from __future__ import annotations

from datetime import date
from typing import Any

from celery import shared_task

from praho.core.validation import fiscal_today
from praho.recurring.services.dunning import run_dunning


# Hundreds of documents a day at most, each a short transaction; the limits stop a stuck worker.
@shared_task(name="recurring.dunning", soft_time_limit=1800, time_limit=1900)
def dunning(on: str = "") -> dict[str, Any]:
    """Write the dunning steps due today (or on the ISO date `on`); running it again writes
    nothing more. The daily task (recurring.daily) calls run_dunning itself."""
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
