"""Reads of dunning: which renewal documents are still unpaid (what dunning chases and the staff
queue lists), the document a customer pays now, the schedule, the terminations waiting for staff
and the exempt customers. The staff pages' query budget is kept here."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from praho.billing.models import Document, DocumentStatus, DocumentType
from praho.orders.models import ServiceStatus
from praho.provisioning.models import SuspensionCause
from praho.recurring.models import (
    BillingPreference,
    DunningAction,
    DunningNotice,
    DunningStep,
    NoticeStatus,
    Renewal,
    RenewalStatus,
)

ISSUED = DocumentStatus.ISSUED
# An issued proforma (not converted, not cancelled), an issued invoice that still owes something,
# or a proforma converted on a part payment into an invoice that still owes the rest.
OWING = (
    Q(document_type=DocumentType.PROFORMA, status=ISSUED)
    | Q(document_type=DocumentType.INVOICE, status=ISSUED, outstanding_amount__gt=0)
    | Q(
        document_type=DocumentType.PROFORMA,
        status=DocumentStatus.CONVERTED,
        converted_to__status=ISSUED,
        converted_to__outstanding_amount__gt=0,
    )
)


def _billed_renewals() -> QuerySet[Renewal]:
    return Renewal.objects.filter(document=OuterRef("pk"), status=RenewalStatus.BILLED)


def unpaid_renewal_documents() -> QuerySet[Document]:
    """Renewal documents (with a renewal still awaiting payment) the customer still owes."""
    return Document.objects.filter(Exists(_billed_renewals())).filter(OWING)


def documents_to_chase(*, on: date, earliest_days: int) -> list[tuple[int, date]]:
    """(id, due date) of the unpaid renewal documents of customers not exempt whose first step
    has come by `on`, in due-date order."""
    return list(
        unpaid_renewal_documents()
        .filter(due_date__lte=on - timedelta(days=earliest_days))
        .exclude(customer__billing_preference__dunning_exempt=True)
        .order_by("due_date", "pk")
        .values_list("pk", "due_date")
    )


def logged_steps(document_ids: list[int]) -> dict[int, set[tuple[int, str]]]:
    """The (days, action) steps already written for each document, whatever their outcome."""
    found: dict[int, set[tuple[int, str]]] = defaultdict(set)
    rows = DunningNotice.objects.filter(document_id__in=document_ids).values_list(
        "document_id", "days", "action"
    )
    for document_id, days, action in rows:
        found[document_id].add((days, action))
    return found


def payable_document(document: Document) -> Document | None:
    """What the customer pays now for a renewal document: the document itself, or the invoice a
    part payment converted it into; None once nothing is owed (or it was cancelled)."""
    if document.document_type == DocumentType.PROFORMA and document.status == DocumentStatus.CONVERTED:
        invoice = Document.objects.filter(converted_from=document).first()
        return payable_document(invoice) if invoice is not None else None
    if document.status != ISSUED:
        return None
    if document.document_type == DocumentType.PROFORMA:
        return document
    if document.document_type == DocumentType.INVOICE and document.outstanding_amount > 0:
        return document
    return None


def amount_owed(document: Document) -> Decimal:
    """An issued proforma's total, an invoice's outstanding amount (the document given is the
    payable one)."""
    if document.document_type == DocumentType.PROFORMA:
        return document.total
    return document.outstanding_amount


def is_exempt(customer_id: int) -> bool:
    return BillingPreference.objects.filter(customer_id=customer_id, dunning_exempt=True).exists()


def schedule() -> list[DunningStep]:
    return list(DunningStep.objects.order_by("days", "action"))


def next_step(steps: list[DunningStep], logged: set[tuple[int, str]]) -> DunningStep | None:
    """The first step after the last one written (steps added to the schedule later, for days
    already past, are skipped by dunning and never come next)."""
    last = max((days for days, _action in logged), default=None)
    for step in steps:
        if (step.days, step.action) not in logged and (last is None or step.days > last):
            return step
    return None


def suspension_date(document: Document, after_days: int) -> date | None:
    """The day the document's services are to be suspended, when a suspension step comes after
    `after_days` and none was written yet (what a reminder announces)."""
    if DunningNotice.objects.filter(document=document, action=DunningAction.SUSPEND).exists():
        return None
    days = (
        DunningStep.objects.filter(action=DunningAction.SUSPEND, days__gt=after_days)
        .order_by("days")
        .values_list("days", flat=True)
        .first()
    )
    return document.due_date + timedelta(days=days) if days is not None else None


# --- the staff queue ---------------------------------------------------------------------------------

QUEUE_STATES = ("upcoming", "overdue", "suspended", "awaiting")


def _suspended_unpaid() -> QuerySet[Renewal]:
    return _billed_renewals().filter(
        service__status=ServiceStatus.SUSPENDED, service__account__suspension_cause=SuspensionCause.UNPAID
    )


def dunning_queue(filters: dict[str, Any], *, today: date) -> QuerySet[Document]:
    """The unpaid renewal documents, oldest due first, filtered by customer and state."""
    documents = unpaid_renewal_documents().select_related(
        "customer", "customer__billing_preference", "converted_to"
    )
    if filters.get("customer"):
        documents = documents.filter(customer_id=filters["customer"])
    state = filters.get("state") or ""
    if state == "upcoming":
        documents = documents.filter(due_date__gte=today)
    elif state == "overdue":
        documents = documents.filter(due_date__lt=today)
    elif state == "suspended":
        documents = documents.filter(Exists(_suspended_unpaid()))
    elif state == "awaiting":
        waiting = DunningNotice.objects.filter(
            document=OuterRef("pk"), status=NoticeStatus.AWAITING_CONFIRMATION
        )
        documents = documents.filter(Exists(waiting))
    return documents.order_by("due_date", "pk")


@dataclass
class QueueRow:
    document: Document
    payable: Document
    amount: Decimal
    days_overdue: int
    exempt: bool
    last: DunningNotice | None
    next: DunningStep | None
    next_on: date | None
    suspended: list[int] = field(default_factory=list)  # services suspended for non-payment
    awaiting: DunningNotice | None = None


def queue_rows(documents: list[Document], *, today: date) -> list[QueueRow]:
    """What the queue shows of a page of documents, in three queries whatever its length: the
    schedule, the page's notices, and its services suspended for non-payment."""
    if not documents:
        return []
    ids = [document.pk for document in documents]
    steps = schedule()
    notices: dict[int, list[DunningNotice]] = defaultdict(list)
    for notice in DunningNotice.objects.filter(document_id__in=ids).order_by("days", "id"):
        notices[notice.document_id].append(notice)
    suspended: dict[int, list[int]] = defaultdict(list)
    rows = (
        Renewal.objects.filter(
            document_id__in=ids,
            status=RenewalStatus.BILLED,
            service__status=ServiceStatus.SUSPENDED,
            service__account__suspension_cause=SuspensionCause.UNPAID,
        )
        .order_by("service_id")
        .values_list("document_id", "service_id")
    )
    for document_id, service_id in rows:
        suspended[document_id].append(service_id)
    found = []
    for document in documents:
        payable = _payable_of_row(document)
        written = notices[document.pk]
        done = [notice for notice in written if notice.status != NoticeStatus.SKIPPED]
        step = next_step(steps, {(notice.days, notice.action) for notice in written})
        preference = getattr(document.customer, "billing_preference", None)
        found.append(
            QueueRow(
                document=document,
                payable=payable,
                amount=amount_owed(payable),
                days_overdue=(today - document.due_date).days,
                exempt=bool(preference and preference.dunning_exempt),
                last=done[-1] if done else None,
                next=step,
                next_on=document.due_date + timedelta(days=step.days) if step is not None else None,
                suspended=suspended[document.pk],
                awaiting=next((n for n in written if n.status == NoticeStatus.AWAITING_CONFIRMATION), None),
            )
        )
    return found


def _payable_of_row(document: Document) -> Document:
    """The page's documents come with their converted invoice (select_related): no query."""
    if document.status == DocumentStatus.CONVERTED:
        invoice: Document | None = getattr(document, "converted_to", None)
        if invoice is not None:
            return invoice
    return document


def awaiting_terminations() -> QuerySet[DunningNotice]:
    """Terminations due on documents still unpaid, waiting for staff to confirm them."""
    return (
        DunningNotice.objects.filter(
            status=NoticeStatus.AWAITING_CONFIRMATION,
            action=DunningAction.TERMINATE,
            document__in=unpaid_renewal_documents().values("pk"),
        )
        .select_related("document", "customer")
        .order_by("created_at", "id")
    )


def exempt_customers() -> QuerySet[BillingPreference]:
    return (
        BillingPreference.objects.filter(dunning_exempt=True)
        .select_related("customer", "exempt_by")
        .order_by("customer__name", "customer_id")
    )
