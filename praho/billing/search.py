"""Billing's groups in the staff search (praho.core.search): documents by number and payments
by reference, each a part of the text typed in any case ("2026-000013" finds PRH-2026-000013).

One query per group the user's role may see (the documents and payments visible to them,
billing.selectors), at most LIMIT rows each; drafts have no number and are never found.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from praho.billing.models import Document, Payment
from praho.billing.selectors import documents_visible_to, payments_visible_to
from praho.core.formatting import format_date, format_money
from praho.core.search import SearchGroup, SearchResult

LIMIT = 8


def _document(document: Document) -> SearchResult:
    facts = [
        str(document.get_document_type_display()),
        document.customer.name,
        format_money(document.total, document.currency),
        format_date(document.issue_date),
    ]
    return SearchResult(document.number, reverse("billing:document", args=[document.pk]), facts)


def _payment(payment: Payment) -> SearchResult:
    facts = [
        payment.customer.name,
        format_money(payment.amount, payment.currency),
        format_date(payment.received_on),
        *([payment.document.number] if payment.document else []),
    ]
    url = (
        reverse("billing:document", args=[payment.document_id])
        if payment.document_id
        else reverse("billing:account", args=[payment.customer_id])
    )
    return SearchResult(payment.reference, url, facts)


def documents_numbered_like(user: Any, query: str) -> list[Document]:
    """Documents whose number contains `query` (any case), newest first: one query."""
    found = documents_visible_to(user).filter(number__icontains=query).order_by("-issue_date", "-id")
    return list(found[:LIMIT])


def payments_referenced_like(user: Any, query: str) -> list[Payment]:
    """Payments whose reference contains `query` (any case), latest received first: one query."""
    found = payments_visible_to(user).filter(reference__icontains=query).order_by("-received_on", "-id")
    return list(found[:LIMIT])


def staff_search(user: Any, query: str) -> list[SearchGroup]:
    groups = []
    if user.has_perm("billing.view_document"):
        results = [_document(document) for document in documents_numbered_like(user, query)]
        groups.append(SearchGroup("documents", _("Documents"), results, LIMIT))
    if user.has_perm("billing.view_payment"):
        results = [_payment(payment) for payment in payments_referenced_like(user, query)]
        groups.append(SearchGroup("payments", _("Payments"), results, LIMIT))
    return groups
