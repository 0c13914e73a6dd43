"""Celery tasks of the efactura app: thin, each calling one service of praho.efactura.submissions.

Safe to run twice or at once: an upload is claimed under a row lock and committed before it is
sent, so overlapping runs never send a document twice. Without an ANAF connection the tasks
skip the ANAF calls and leave the reason in each waiting submission's last_error.
"""

from __future__ import annotations

from celery import shared_task

from praho.efactura import submissions


# Each ANAF call is bounded by EFACTURA_HTTP_TIMEOUT; the limits only stop a stuck worker.
@shared_task(name="efactura.submit_new", soft_time_limit=1500, time_limit=1560)
def submit_new() -> int:
    """Take in newly issued invoices and credit notes, validate and upload them (scheduled in
    CELERY_BEAT_SCHEDULE). Returns how many submissions were worked on."""
    return submissions.submit_new_documents()


@shared_task(name="efactura.poll_pending", soft_time_limit=1500, time_limit=1560)
def poll_pending() -> int:
    """Ask ANAF about uploaded, processing and unknown submissions whose next look is due."""
    return submissions.poll_pending()


@shared_task(name="efactura.submit_one", soft_time_limit=270, time_limit=300)
def submit_one(submission_id: int, actor_id: int | None = None, give_up: bool = False) -> str:
    """A staff member's "send now" (enqueued by submissions.submit after commit), with their request
    to give up an unknown upload if ANAF's list does not show it; returns the state."""
    return str(submissions.submit_one(submission_id=submission_id, actor_id=actor_id, give_up=give_up).state)


@shared_task(name="efactura.submit_issued", soft_time_limit=900, time_limit=960)
def submit_issued(document_ids: list[int]) -> int:
    """Documents billing has just issued, sent to ANAF at once (see apps.EfacturaConfig.ready)."""
    return submissions.submit_issued(document_ids=document_ids)
