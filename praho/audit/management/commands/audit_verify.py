from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from praho.audit.checkpoints import checkpoint_file, verify_checkpoints
from praho.audit.integrity import verify_chain


class Command(BaseCommand):
    help = (
        "Verify the audit trail's hash chain and compare it with the checkpoints written outside it; "
        "exit non-zero naming the first broken event or the missing newest events."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        if not report.intact:
            raise CommandError(
                f"Audit trail BROKEN at event #{report.broken_id} "
                f"({report.broken_at:%Y-%m-%d %H:%M:%S%z}, {report.broken_action}): {report.reason}. "
                f"{report.checked} events before it are intact."
            )
        problems = verify_checkpoints()
        if problems:
            raise CommandError(
                f"Audit trail BROKEN: it does not match the checkpoints in {checkpoint_file()}: "
                + "; ".join(problem.reason for problem in problems[:5])
                + (f" (and {len(problems) - 5} more)" if len(problems) > 5 else "")
                + "."
            )
        self.stdout.write(self.style.SUCCESS(f"Audit trail intact: {report.checked} events verified."))
