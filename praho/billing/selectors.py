"""Read queries for billing. Isolation is decided here: every page and endpoint
that shows a document or a payment gets it from `documents_visible_to` or
`payments_visible_to`, so an id the user may not see is a 404 everywhere.

Staff with billing.view_document see every document; a customer's user sees
the documents of the customers where their role has the BILLING capability
(owner, billing); other roles see none. Customers' users never see drafts or
cancelled proformas.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Aggregate, Q, QuerySet
from django.http import Http404

from praho.accounts.models import User
from praho.billing.ledger_queries import with_ledger_amounts
from praho.billing.models import Document, DocumentStatus, DocumentType, Payment
from praho.core.validation import fiscal_today
from praho.customers.models import Customer
from praho.customers.roles import ROLE_CAPABILITIES, Capability

BILLING_ROLES = [role for role, caps in ROLE_CAPABILITIES.items() if Capability.BILLING in caps]


def billing_customers_of(user: User) -> QuerySet[Customer]:
    """The active customers whose documents a customer's user may see."""
    return Customer.objects.active().filter(memberships__user=user, memberships__role__in=BILLING_ROLES)


def _visible(user: User, permission: str) -> Q | None:
    """None: everything; otherwise the filter on customer_id a user is limited to."""
    if user.is_staff:
        return None if user.has_perm(permission) else Q(pk__in=[])
    return Q(customer__in=billing_customers_of(user))


def documents_visible_to(user: User) -> QuerySet[Document]:
    """Staff see every document; customers' users only what customers are shown."""
    documents = Document.objects.select_related("customer")
    limit = _visible(user, "billing.view_document")
    if limit is None:
        return documents
    return documents.filter(limit) if user.is_staff else shown_to_customers(documents.filter(limit))


def shown_to_customers(documents: QuerySet[Document]) -> QuerySet[Document]:
    """Never drafts (not sent yet, no number) nor cancelled proformas (withdrawn offers);
    also what a staff member who belongs to a customer sees in the customer area."""
    return documents.exclude(status=DocumentStatus.DRAFT).exclude(
        document_type=DocumentType.PROFORMA, status=DocumentStatus.CANCELLED
    )


def document_for(user: User, document_id: int | str, document_type: str | None = None) -> Document:
    """The document if the user may see it (and it is of `document_type`); 404 otherwise."""
    documents = documents_visible_to(user)
    if document_type is not None:
        documents = documents.filter(document_type=document_type)
    try:
        return documents.get(pk=int(document_id))
    except (Document.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def payments_visible_to(user: User) -> QuerySet[Payment]:
    payments = Payment.objects.select_related("customer", "document")
    limit = _visible(user, "billing.view_payment")
    return payments if limit is None else payments.filter(limit)


def payment_for(user: User, payment_id: int | str) -> Payment:
    try:
        return payments_visible_to(user).get(pk=int(payment_id))
    except (Payment.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


# Filters shared by the staff lists, the customer area and the API.
PAYMENT_STATE_LOOKUPS: dict[str, dict[str, object]] = {
    "unpaid": {"ledger_outstanding__gt": 0, "ledger_paid": 0},
    "partially_paid": {"ledger_outstanding__gt": 0, "ledger_paid__gt": 0},
    "paid": {"ledger_outstanding__lte": 0, "ledger_paid__gt": 0},
    "overdue": {"ledger_outstanding__gt": 0, "due_date__lt": None},  # None: today, filled in
}
PAYMENT_STATES = tuple(PAYMENT_STATE_LOOKUPS)


@dataclass(frozen=True)
class DocumentFilters:
    number: str = ""  # all or part of the number, in any case
    status: str = ""  # a DocumentStatus value, or one of PAYMENT_STATES (invoices)
    customer_id: int | None = None
    currency: str = ""
    issued_from: date | None = None
    issued_to: date | None = None
    overdue: bool = False

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> DocumentFilters:
        """From a staff filter form's or an API filter serializer's cleaned values (both name
        the customer's id "customer"); missing or blank values filter nothing."""
        return cls(
            number=(values.get("number") or "").strip(),
            status=values.get("status") or "",
            customer_id=values.get("customer"),
            currency=values.get("currency") or "",
            issued_from=values.get("issued_from"),
            issued_to=values.get("issued_to"),
            overdue=bool(values.get("overdue")),
        )


def filter_documents(
    documents: QuerySet[Document], filters: DocumentFilters, *, today: date | None = None
) -> QuerySet[Document]:
    """Apply the filters; payment states and `overdue` compare the ledger's outstanding amount."""
    today = today or fiscal_today()
    if filters.number:
        documents = documents.filter(number__icontains=filters.number)
    if filters.customer_id is not None:
        documents = documents.filter(customer_id=filters.customer_id)
    if filters.currency:
        documents = documents.filter(currency=filters.currency)
    if filters.issued_from:
        documents = documents.filter(issue_date__gte=filters.issued_from)
    if filters.issued_to:
        documents = documents.filter(issue_date__lte=filters.issued_to)
    if filters.status in DocumentStatus.values:
        documents = documents.filter(status=filters.status)
    needs_ledger = filters.overdue or filters.status in PAYMENT_STATES
    if not needs_ledger:
        return documents
    documents = with_ledger_amounts(
        documents.filter(document_type=DocumentType.INVOICE, status=DocumentStatus.ISSUED)
    )
    # Annotation lookups go through a dict: the django-stubs plugin only knows model fields.
    lookups: dict[str, object] = dict(PAYMENT_STATE_LOOKUPS.get(filters.status, {}))
    if filters.overdue:
        lookups |= PAYMENT_STATE_LOOKUPS["overdue"]
    if "due_date__lt" in lookups:
        lookups["due_date__lt"] = today
    return documents.filter(**lookups)


@dataclass(frozen=True)
class PaymentFilters:
    customer_id: int | None = None
    currency: str = ""
    method: str = ""  # a PaymentMethod value
    received_from: date | None = None
    received_to: date | None = None

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> PaymentFilters:
        """From cleaned filter values ("customer" is the customer's id); blank ones filter nothing."""
        return cls(
            customer_id=values.get("customer"),
            currency=values.get("currency") or "",
            method=values.get("method") or "",
            received_from=values.get("received_from"),
            received_to=values.get("received_to"),
        )


def filter_payments(payments: QuerySet[Payment], filters: PaymentFilters) -> QuerySet[Payment]:
    """Apply the filters that are set; the dates bound the day the money was received."""
    if filters.customer_id is not None:
        payments = payments.filter(customer_id=filters.customer_id)
    if filters.currency:
        payments = payments.filter(currency=filters.currency)
    if filters.method:
        payments = payments.filter(method=filters.method)
    if filters.received_from:
        payments = payments.filter(received_on__gte=filters.received_from)
    if filters.received_to:
        payments = payments.filter(received_on__lte=filters.received_to)
    return payments


def sums_per_currency(rows: QuerySet[Any], **aggregates: Aggregate) -> list[dict[str, Any]]:
    """The aggregates of documents or payments grouped by currency, ordered by currency (one
    query). Amounts never add up across currencies, so the lists show one sum per currency."""
    grouped = rows.order_by().values("currency").annotate(**aggregates).order_by("currency")
    return [dict(row) for row in grouped]
