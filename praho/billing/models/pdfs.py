"""The PDFs PRAHO keeps of its documents (see praho/billing/pdf/archive.py for when they are made).

An issued invoice or credit note has one *archive* copy: its PDF as first rendered after issue,
kept for the ten years the law keeps invoices, and served for every later download and email.
An issued proforma stays editable, so each version of it gets a copy of its own, told apart by
the SHA-256 of the HTML it was made from. Rows are append-only, like the document they belong
to once issued: the ORM refuses to change or delete them here, and on PostgreSQL a trigger
(`install_append_only_trigger`, migration 0006) refuses it at the database. Each row carries
the SHA-256 of its bytes, and the archive copy's is also written to the audit trail.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class StoredPdfImmutableError(Exception):
    """Raised when code tries to change or delete a stored PDF."""


class _AppendOnlyQuerySet(models.QuerySet["DocumentPdf"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise StoredPdfImmutableError("A stored PDF never changes.")

    def delete(self) -> NoReturn:
        raise StoredPdfImmutableError("A stored PDF is never deleted.")


class DocumentPdf(models.Model):
    document = models.ForeignKey(
        "billing.Document", on_delete=models.PROTECT, related_name="pdfs", verbose_name=_("document")
    )
    # The legal copy of an issued invoice or credit note: one per document, never replaced.
    is_archive = models.BooleanField(_("archive copy"), default=False)
    html_sha256 = models.CharField(_("SHA-256 of the HTML it was made from"), max_length=64)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveIntegerField(_("size in bytes"))
    language = models.CharField(_("language"), max_length=8)
    content = models.BinaryField(_("PDF"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = _AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("stored PDF")
        verbose_name_plural = _("stored PDFs")
        constraints = [
            models.UniqueConstraint(fields=["document", "html_sha256"], name="billing_pdf_per_version"),
            models.UniqueConstraint(
                fields=["document"], condition=Q(is_archive=True), name="billing_pdf_one_archive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document} PDF {self.sha256[:12]}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise StoredPdfImmutableError("A stored PDF never changes.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise StoredPdfImmutableError("A stored PDF is never deleted.")


APPEND_ONLY_SQL = """
CREATE OR REPLACE FUNCTION billing_documentpdf_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'a stored PDF is never changed or deleted: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS billing_documentpdf_append_only ON billing_documentpdf;
CREATE TRIGGER billing_documentpdf_append_only
    BEFORE UPDATE OR DELETE ON billing_documentpdf
    FOR EACH ROW EXECUTE FUNCTION billing_documentpdf_append_only();
"""

DROP_APPEND_ONLY_SQL = """
DROP TRIGGER IF EXISTS billing_documentpdf_append_only ON billing_documentpdf;
DROP FUNCTION IF EXISTS billing_documentpdf_append_only();
"""


def install_append_only_trigger(apps: Any, schema_editor: Any) -> None:
    """PostgreSQL: refuse UPDATE and DELETE of stored PDFs (SQLite has the ORM guard only)."""
    if schema_editor.connection.vendor == "postgresql":
        # No params: psycopg would read the "%" in RAISE as a placeholder.
        schema_editor.execute(APPEND_ONLY_SQL, params=None)


def remove_append_only_trigger(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_APPEND_ONLY_SQL, params=None)
