"""The inbox's Celery tasks: thin, idempotent, by id."""

from __future__ import annotations

from celery import shared_task

from praho.inbox import services


@shared_task(name="inbox.process", ignore_result=True)
def process(event_pk: int) -> str:
    return services.process_event(event_pk)


@shared_task(name="inbox.sweep", ignore_result=True)
def sweep() -> int:
    return services.sweep()
