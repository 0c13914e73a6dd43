"""manage.py efactura_xml NUMBER: print the e-Factura XML of an issued invoice or credit note.

NUMBER is the document's full number as printed ("PRH-2026-000012"). The XML goes to standard
output as generated (UTF-8); a number that names no issued invoice or credit note, or a
document whose data CIUS-RO cannot express, is reported on standard error with exit status 1.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from praho.billing.models import DocumentType
from praho.efactura.selectors import documents_numbered
from praho.efactura.ubl.document import document_xml


class Command(BaseCommand):
    help = "Print the e-Factura (UBL 2.1, CIUS-RO) XML of an issued invoice or credit note, by its number."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("number", help='the full document number, e.g. "PRH-2026-000012"')

    def handle(self, *args: Any, **options: Any) -> None:
        number = options["number"]
        found = documents_numbered(number)
        if not found:
            raise CommandError(_('No invoice or credit note is numbered "%(number)s".') % {"number": number})
        if len(found) > 1:
            raise CommandError(
                _("Several documents are numbered %(number)s; their series use the same number format.")
                % {"number": number}
            )
        document = found[0]
        if document.document_type == DocumentType.PROFORMA:
            raise CommandError(
                _("%(number)s is a proforma; only invoices and credit notes have an e-Factura XML.")
                % {"number": number}
            )
        try:
            xml = document_xml(document)
        except ValidationError as error:
            raise CommandError(
                _("The e-Factura XML of %(number)s cannot be generated: %(problems)s")
                % {"number": number, "problems": " ".join(error.messages)}
            ) from error
        self.stdout.write(xml.decode("utf-8"))
