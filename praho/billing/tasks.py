"""Celery tasks of the billing app: thin, idempotent, each calling one service."""

from __future__ import annotations

from celery import shared_task

from praho.billing import fx


# The feed answers within the gateway timeouts (seconds); the limits only stop a stuck worker.
@shared_task(name="billing.fetch_bnr_rates", soft_time_limit=60, time_limit=90)
def fetch_bnr_rates() -> int:
    """Store BNR's rates of the last ten banking days (scheduled in CELERY_BEAT_SCHEDULE).

    Returns how many rates were added or changed; 0 when run again. When BNR
    does not answer it fails (bnr.UnavailableError) having changed nothing, and
    the next scheduled run fills the gap.
    """
    return fx.fetch_bnr_rates()
