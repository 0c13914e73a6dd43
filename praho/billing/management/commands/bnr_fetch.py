"""manage.py bnr_fetch [--days N | --date YYYY-MM-DD]: fetch BNR's exchange rates now.

Without options: the last banking day BNR published. `--days N` (1 to 10): the last N banking
days. `--date`: the rates that apply on that day as billing uses them (that day's, or the last
published before it), from BNR's yearly archive when the day is older than ten banking days.
Only the currencies PRAHO invoices in are stored, through praho.billing.services.fx (a BNR rate replaces a
manual one of the same day, audited); running it again changes nothing. When BNR cannot be read,
or the option is out of range, it says why on standard error with exit status 1.
"""

from __future__ import annotations

from argparse import ArgumentTypeError
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from praho.billing.gateways import bnr
from praho.billing.models.fx import FOREIGN_CURRENCIES
from praho.billing.services import fx


class Command(BaseCommand):
    help = (
        "Fetch BNR's exchange rates now: the last banking day, the last N banking days (--days, "
        "up to 10) or the rates that apply on a day (--date)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--days", type=int, help="the last N banking days BNR published (1 to 10)")
        which.add_argument("--date", type=_iso_date, help="the rates that apply on this day (YYYY-MM-DD)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["date"] is not None:
                fetched = fx.fetch_bnr_rates_on(options["date"])
            else:
                fetched = fx.fetch_bnr_days(days=1 if options["days"] is None else options["days"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        except bnr.UnavailableError as error:
            raise CommandError(str(error)) from error
        days = ", ".join(day.isoformat() for day in fetched.days)
        self.stdout.write(
            _("BNR's %(currencies)s rates of %(days)s: %(count)s added or changed.")
            % {"currencies": ", ".join(FOREIGN_CURRENCIES), "days": days, "count": fetched.changed}
        )


def _iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise ArgumentTypeError(_("not a date (YYYY-MM-DD): %(value)r") % {"value": value}) from error
