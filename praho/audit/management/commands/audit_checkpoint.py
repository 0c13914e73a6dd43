from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from praho.audit.checkpoints import checkpoint_file, write_checkpoint


class Command(BaseCommand):
    help = (
        "Append the audit chain's head to AUDIT_CHECKPOINT_FILE and the log "
        "(Celery beat does it every 5 minutes)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        checkpoint = write_checkpoint()
        if checkpoint is None:
            self.stdout.write(f"No new audit events since the last checkpoint in {checkpoint_file()}.")
        else:
            self.stdout.write(
                f"Checkpoint written to {checkpoint_file()}: event #{checkpoint.seq} {checkpoint.hash}."
            )
