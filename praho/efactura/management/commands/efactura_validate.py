"""manage.py efactura_validate FILE...: check e-Factura XML files, ours or a supplier's.

Each file is validated as ANAF would (praho.efactura.ubl.validation: the UBL 2.1 XSD and the
CIUS-RO rules from EFACTURA_VALIDATION_DIR, or ANAF's validation service when that setting
is empty). For each file it prints VALID, INVALID or NOT VALIDATED, then every failed rule:
its flag (fatal, error, warning), rule id, text and location.

Exit status: 0 when every file is valid (warnings allowed); 1 when any file is invalid;
2 when none is invalid but any could not be validated (unreadable file, missing
artifacts, ANAF unreachable). A definite INVALID outranks an unknown.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from praho.efactura.ubl.validation import INVALID, NOT_VALIDATED, VALID, ValidationResult, validate_xml

EXIT_STATUS = {VALID: 0, INVALID: 1, NOT_VALIDATED: 2}
LABELS = {VALID: "VALID", INVALID: "INVALID", NOT_VALIDATED: "NOT VALIDATED"}


class Command(BaseCommand):
    help = (
        "Validate e-Factura XML files (UBL 2.1 + CIUS-RO). Exit 0: all valid; "
        "1: any invalid; 2: none invalid but any not validated."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "files", nargs="+", metavar="FILE", help="UBL 2.1 Invoice or CreditNote XML files"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        states = [self._check(Path(name)) for name in options["files"]]
        if INVALID in states:
            sys.exit(EXIT_STATUS[INVALID])
        if NOT_VALIDATED in states:
            sys.exit(EXIT_STATUS[NOT_VALIDATED])

    def _check(self, path: Path) -> str:
        try:
            xml = path.read_bytes()
        except OSError as error:
            self._print_state(path, NOT_VALIDATED, f"cannot read the file: {error.strerror or error}")
            return NOT_VALIDATED
        result = validate_xml(xml)
        self._print(path, result)
        return result.state

    def _print(self, path: Path, result: ValidationResult) -> None:
        detail = result.validator if result.state != NOT_VALIDATED else result.reason
        if result.detail:  # the operator at the command line gets the technical cause too
            detail = f"{detail} {result.detail}"
        self._print_state(path, result.state, detail)
        for failure in result.failures:
            self.stdout.write(f"  {failure.flag:<7} {failure.rule_id}: {failure.text}")
            if failure.location:
                self.stdout.write(f"          at {failure.readable_location}")

    def _print_state(self, path: Path, state: str, detail: str) -> None:
        style = {VALID: self.style.SUCCESS, INVALID: self.style.ERROR}.get(state, self.style.WARNING)
        suffix = f" ({detail})" if detail else ""
        self.stdout.write(f"{path}: {style(LABELS[state])}{suffix}")
