"""`manage.py messages_check`: fail when a ro/bg catalog misses a source string.

makemessages runs in a temporary copy of the source tree, so the working tree
is not touched; any entry that is then untranslated or fuzzy means someone
added a string without translating it (fix with `make messages`).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

LANGUAGES = ("ro", "bg")
SKIP = shutil.ignore_patterns(".venv", ".tools", ".git", "staticfiles", "*.pyc", "__pycache__", "db.sqlite3*")


class Command(BaseCommand):
    help = "Check that the ro and bg catalogs translate every string in the source."

    def handle(self, *args: Any, **options: Any) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / "src"
            shutil.copytree(settings.BASE_DIR, copy, ignore=SKIP)
            command = [sys.executable, "manage.py", "makemessages", "--no-obsolete", "--ignore=bench"]
            command += [f"--locale={language}" for language in LANGUAGES]
            subprocess.run(command, cwd=copy, check=True, capture_output=True)  # noqa: S603
            problems = [
                f"{language}: {'fuzzy' if entry.fuzzy else 'untranslated'}: {entry.msgid!r}"
                for language in LANGUAGES
                for entry in polib.pofile(str(copy / "locale" / language / "LC_MESSAGES" / "django.po"))
                if entry.fuzzy or not entry.translated()
            ]
        if problems:
            raise CommandError(
                "Catalogs are incomplete (run `make messages` and translate):\n" + "\n".join(problems)
            )
        self.stdout.write(self.style.SUCCESS("Translation catalogs are complete."))
