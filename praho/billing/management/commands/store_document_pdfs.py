from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from praho.billing.pdf import archive as pdf_archive
from praho.billing.tasks import store_document_pdf


class Command(BaseCommand):
    help = (
        "Store the PDF of every issued invoice and credit note that has none yet (issued before PDFs "
        "were stored, or whose task was lost). Safe to run again: stored PDFs are left as they are."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Hand each document to the workers (billing.store_document_pdf) rather than render here.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        missing = pdf_archive.documents_without_archive_copy()
        for document_id in missing:
            if options["enqueue"]:
                store_document_pdf.delay(document_id)
            else:
                pdf_archive.store_pdf(document_id)
        verb = "Enqueued" if options["enqueue"] else "Stored"
        self.stdout.write(f"{verb} the PDF of {len(missing)} issued documents.")
