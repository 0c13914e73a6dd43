"""`manage.py demo`: idempotent demo data for every app.

Each app that has demo data provides `<app>/demo.py` with
`load(*, with_passwords: bool) -> list[str]` returning lines to print (such
as logins). Apps are loaded in INSTALLED_APPS order, so later features add
their data by adding a module, not by editing this command.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from praho.core.contributions import app_modules


class Command(BaseCommand):
    help = "Create or refresh demo data (known passwords only when DEBUG is on)."

    def handle(self, *args: Any, **options: Any) -> None:
        with_passwords = settings.DEBUG
        lines: list[str] = []
        with transaction.atomic():
            for module in app_modules("demo"):
                lines += module.load(with_passwords=with_passwords)
        if not with_passwords:
            self.stdout.write(
                self.style.WARNING(
                    "DEBUG is off: demo users were created without passwords. "
                    "Use 'Forgot password' to set one."
                )
            )
        for line in lines:
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS("Demo data is ready."))
