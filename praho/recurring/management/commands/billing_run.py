"""`manage.py billing_run [--date YYYY-MM-DD] [--dry-run]`: bill the services due for renewal by
that day (today by default), as the daily recurring.daily task does; `--dry-run` prints what would
be billed and writes nothing."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from praho.core.validation import fiscal_today
from praho.recurring.models import RunTrigger
from praho.recurring.services import runs


def _day(value: str) -> date:
    try:
        day = date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"--date: {value!r} is not a date (YYYY-MM-DD)") from error
    if abs((day - fiscal_today()).days) > 366:
        raise CommandError("--date: choose a day within a year of today")
    return day


class Command(BaseCommand):
    help = "Bill the services due for renewal (once per service and period); print the summary."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", type=str, default="", help="Bill as of this day (default: today).")
        parser.add_argument(
            "--dry-run", action="store_true", help="Print what would be billed; write nothing."
        )

    def handle(self, *args: Any, date: str, dry_run: bool, **options: Any) -> None:
        on = _day(date) if date else fiscal_today()
        if dry_run:
            self._dry(on)
            return
        run = runs.run_billing(on=on, trigger=RunTrigger.COMMAND)
        totals = ", ".join(f"{amount} {currency}" for currency, amount in run.totals.items()) or "nothing"
        self.stdout.write(
            f"Billing run #{run.pk} ({run.run_date}): {run.documents} documents for {run.services} "
            f"services, {totals}; {len(run.errors)} errors."
        )
        for error in run.errors:
            self.stderr.write(f"  customer {error.get('customer')}: {error.get('message')}")

    def _dry(self, on: date) -> None:
        lines = runs.dry_run(on=on)
        totals: dict[str, Decimal] = defaultdict(Decimal)
        documents = set()
        for line in lines:
            documents.add((line.customer_id, line.currency, line.due_date))
            totals[line.currency] += line.net
            self.stdout.write(
                f"customer {line.customer_id}  due {line.due_date}  service {line.service_id}  "
                f"{line.net} {line.currency}  {line.description}"
            )
        summary = (
            ", ".join(f"{amount} {currency}" for currency, amount in sorted(totals.items())) or "nothing"
        )
        self.stdout.write(
            f"Dry run as of {on}: {len(documents)} documents for "
            f"{len({line.service_id for line in lines})} services, {summary} without VAT; "
            "nothing was written."
        )
