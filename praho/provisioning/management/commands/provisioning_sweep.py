"""`manage.py provisioning_sweep`: send again, once, the operations no worker is doing (running
past their lease, queued and due), as the periodic provisioning.sweep task does; for cron, and for
the offline demo once `manage.py fakes` runs (`--now`: without waiting out their backoff)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from praho.provisioning.models import Operation, OperationState
from praho.provisioning.services import runner


class Command(BaseCommand):
    help = "Send again the provisioning operations no worker is doing (once); print how many."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--now",
            action="store_true",
            help="Also send the queued operations still waiting out their backoff after a failure.",
        )

    def handle(self, *args: Any, now: bool, **options: Any) -> None:
        if now:
            # Only the time of the next attempt moves; the attempts already made still count.
            moment = timezone.now()
            Operation.objects.filter(state=OperationState.QUEUED, next_attempt_at__gt=moment).update(
                next_attempt_at=moment
            )
        sent = runner.sweep()
        self.stdout.write(f"Sent {sent} provisioning operation{'' if sent == 1 else 's'}.")
        if sent:
            states = Operation.objects.values_list("state", flat=True)
            waiting = states.filter(state__in=(OperationState.QUEUED, OperationState.RUNNING)).count()
            attention = states.filter(state=OperationState.NEEDS_ATTENTION).count()
            self.stdout.write(f"Now {waiting} queued or running, {attention} needing attention.")
