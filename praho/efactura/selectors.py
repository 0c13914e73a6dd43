"""Reads for e-Factura: the issued invoices and credit notes whose XML is generated.

Staff-only for now (the management command; the staff page and API come with their views,
which scope documents themselves). Every document comes with what praho.efactura.ubl.document reads, so
generating its XML queries nothing more.
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from praho.billing.models import Document, DocumentLine, VatSubtotal


def with_xml_data(documents: QuerySet[Document]) -> QuerySet[Document]:
    """The documents with their seller and buyer profile versions, credited invoice, lines and VAT
    breakdown (three queries in all)."""
    return documents.select_related("seller", "customer_profile", "credited_document").prefetch_related(
        # By position: the lines' default ordering would join the document only to sort by its date.
        Prefetch("lines", queryset=DocumentLine.objects.order_by("position")),
        Prefetch("vat_subtotals", queryset=VatSubtotal.objects.order_by("category", "-rate")),
    )


def documents_numbered(number: str) -> list[Document]:
    """Every document (of any type and status) with this full number, e.g. "PRH-2026-000012",
    ready for ubl.document_xml. Numbers are unique per series; the default series' formats
    (code-year-number) make them unique overall, so this is one document or none."""
    number = number.strip()
    if not number:  # drafts have no number yet
        return []
    return list(with_xml_data(Document.objects.filter(number=number)).order_by("pk")[:2])
