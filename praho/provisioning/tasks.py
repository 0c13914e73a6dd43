"""Provisioning's Celery tasks: thin, idempotent, by id."""

from __future__ import annotations

from celery import shared_task

from praho.provisioning.services import runner, usage


@shared_task(name="provisioning.run_operation", ignore_result=True)
def run_operation(operation_id: int) -> str:
    return runner.run(operation_id)


@shared_task(name="provisioning.sweep", ignore_result=True)
def sweep() -> int:
    return runner.sweep()


@shared_task(name="provisioning.send_welcome_email", ignore_result=True)
def send_welcome_email(service_id: int) -> bool:
    from praho.provisioning.services.welcome import send_welcome

    return send_welcome(service_id)


@shared_task(name="provisioning.collect_usage", ignore_result=True)
def collect_usage() -> int:
    return usage.collect_usage()
