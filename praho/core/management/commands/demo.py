"""`manage.py demo`: idempotent demo data for every app.

Each app that has demo data provides `<app>/demo.py` with
`load(*, with_passwords: bool) -> list[str]` returning lines to print (such
as logins). Apps are loaded in INSTALLED_APPS order, so later features add
their data by adding a module, not by editing this command.
"""

from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = "Create or refresh demo data (known passwords only when DEBUG is on)."

    def handle(self, *args: Any, **options: Any) -> None:
        with_passwords = settings.DEBUG
        lines: list[str] = []
        with transaction.atomic():
            for config in apps.get_app_configs():
                module_name = f"{config.name}.demo"
                if config.name.startswith("praho.") and find_spec(module_name):
                    lines += import_module(module_name).load(with_passwords=with_passwords)
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
