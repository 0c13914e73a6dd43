"""The billing run: every service due for renewal billed once for its next period.

Documents (one per customer's services due on one day in one currency, selection.py) are made
RECURRING_RUN_CHUNK at a time in one durable transaction, under the customers' locks and their
services' locks, with billing's batch drafting and issuing (one INSERT of documents, one of lines, one counter
update): the renewal rows and the issued documents commit together or not at all. A chunk with a
document that cannot be made is made again one document at a time, so only that one is left out
(noted in the run's summary). A run that dies between two chunks has committed the first ones;
the next run finds their renewals and bills only the rest. Two runs at once queue on the
customers' locks (taken in id order), and the second finds the renewals the first made; should
anything get past that, the unique (service, period) constraint refuses it and the chunk is
rolled back with it.

The documents are proformas (RECURRING_DOCUMENT, Romanian practice: the invoice is issued when
it is paid) or invoices, issued today, due on the services' due date (today when that has passed).
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from praho.audit.services import EventSpec, record_event, record_events
from praho.billing.models import Document, DocumentType
from praho.billing.services.drafts_batch import DraftSpec, create_documents
from praho.billing.services.issuing_batch import issue_documents, issue_proformas
from praho.catalog.models import Cycle
from praho.catalog.models.translated import translated
from praho.core.transactions import service_transaction
from praho.core.validation import fiscal_today
from praho.customers.models import Customer
from praho.recurring import selection
from praho.recurring.locks import locked_customers_and_services
from praho.recurring.models import BillingRun, Renewal, RunStatus, RunTrigger
from praho.recurring.rules.proration import period_text
from praho.recurring.selection import Bill, Due
from praho.recurring.services.usage import PendingUsage, pending_usage, record_usages

logger = logging.getLogger(__name__)

STALE_RUN = timedelta(hours=6)


@dataclass
class Outcome:
    documents: int = 0
    services: int = 0
    totals: dict[str, Decimal] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)

    def add(self, billed: list[tuple[Document, int]]) -> None:
        for document, services in billed:
            self.documents += 1
            self.services += services
            self.totals[document.currency] = self.totals.get(document.currency, Decimal("0")) + document.total


def run_billing(
    *, on: date, trigger: str = RunTrigger.COMMAND, actor: Any = None, run: BillingRun | None = None
) -> BillingRun:
    """Bill what is due by `on` (see the module docstring) and write the run's summary; `run`: a
    run row made beforehand (staff's "run now", whose page follows its progress)."""
    _close_interrupted_runs()
    if run is None:
        run = BillingRun.objects.create(run_date=on, trigger=trigger, started_by=actor)
    outcome = Outcome()
    try:
        planned = selection.plan_run(on=on)
        bills = planned.bills
        outcome.errors += [
            {
                "customer": service.customer_id,
                "currency": service.currency,
                "message": _(
                    "Service #%(service)s: its next due date %(due)s is not the start of one of its periods "
                    "(counted from %(anchor)s); correct one of them."
                )
                % {"service": service.pk, "due": service.next_due_date, "anchor": service.billing_anchor},
            }
            for service in planned.misaligned
        ]
        BillingRun.objects.filter(pk=run.pk).update(planned=len(bills))
        size = max(settings.RECURRING_RUN_CHUNK, 1)
        for first in range(0, len(bills), size):
            _bill_chunk(run, bills[first : first + size], outcome, actor=actor)
            BillingRun.objects.filter(pk=run.pk).update(
                documents=outcome.documents, services=outcome.services
            )
    except Exception as error:
        _finish(run, outcome, RunStatus.FAILED, failure=str(error))
        raise
    _finish(run, outcome, RunStatus.COMPLETED)
    return run


@service_transaction
def start_run(*, actor: Any, on: date) -> BillingRun:
    """Staff's "run now": the run's row at once, the run itself on a worker after commit."""
    from praho.recurring.tasks import run_now  # tasks import this module

    if BillingRun.objects.filter(
        status=RunStatus.RUNNING, started_at__gte=timezone.now() - STALE_RUN
    ).exists():
        raise ValidationError(_("A billing run is under way; wait for it to finish."), code="run_under_way")
    run = BillingRun.objects.create(run_date=on, trigger=RunTrigger.STAFF, started_by=actor)
    record_event("recurring.billing_run_started", actor=actor, target=run, data={"date": str(on)})
    transaction.on_commit(functools.partial(run_now.delay, run.pk), robust=True)
    return run


def _bill_chunk(run: BillingRun, bills: list[Bill], outcome: Outcome, *, actor: Any) -> None:
    """Up to RECURRING_RUN_CHUNK documents in one transaction; when one of them cannot be made (a
    customer without a billing address…), the chunk is made again one document at a time, so that only
    that one is left out and noted in the run's summary."""
    if len(bills) > 1:
        try:
            outcome.add(bill_customers(run=run, bills=bills, on=run.run_date, actor=actor))
            return
        except (ValidationError, IntegrityError):
            logger.info("Billing run %s: a chunk failed; billing its customers one by one", run.pk)
    for bill in bills:
        try:
            outcome.add(bill_customers(run=run, bills=[bill], on=run.run_date, actor=actor))
        except (ValidationError, IntegrityError) as error:
            messages = error.messages if isinstance(error, ValidationError) else [str(error)]
            logger.warning("Billing run %s: customer %s not billed: %s", run.pk, bill.customer_id, messages)
            outcome.errors.append(
                {"customer": bill.customer_id, "currency": bill.currency, "message": "; ".join(messages)}
            )


@service_transaction
def bill_customers(
    *, run: BillingRun | None, bills: list[Bill], on: date, actor: Any = None
) -> list[tuple[Document, int]]:
    """Issue the bills' documents, each with one renewal per service period and the services'
    usage of their completed periods (services.usage), under the customers' and services' locks;
    a bill whose periods turn out billed already (another run got there first, or the service was
    paid or cancelled meanwhile) makes no document."""
    customers, services = locked_customers_and_services(
        {bill.customer_id for bill in bills}, [item.service.pk for bill in bills for item in bill.items]
    )
    today = fiscal_today()
    fresh = {service.pk: service for service in services}
    billed = selection.billed_periods(fresh)
    kept: list[tuple[Bill, list[Due]]] = []
    for bill in bills:
        items = selection.still_due(bill.items, fresh, billed)
        if items:
            kept.append((bill, items))
    if not kept:
        return []
    metered = pending_usage([item.service for _, items in kept for item in items], on=on)
    usages = [[found for item in items for found in metered.get(item.service.pk, [])] for _, items in kept]
    specs = [_draft_spec(bill, items, customers[bill.customer_id], today, metered) for bill, items in kept]
    proforma = settings.RECURRING_DOCUMENT == "proforma"
    drafts = create_documents(
        actor=actor, document_type=DocumentType.PROFORMA if proforma else DocumentType.INVOICE, specs=specs
    )
    issued = (issue_proformas if proforma else issue_documents)(actor=actor, documents=drafts)
    by_id = {document.pk: document for document in issued}
    documents = [by_id[draft.pk] for draft in drafts]
    Renewal.objects.bulk_create(
        Renewal(
            service=item.service,
            period_number=item.period.number,
            period_start=item.period.start,
            period_end=item.period.end,
            run=run,
            document=document,
            net_amount=item.price.net,
            currency=bill.currency,
        )
        for (bill, items), document in zip(kept, documents, strict=True)
        for item in items
    )
    record_usages(
        billed=[(document, found) for document, found in zip(documents, usages, strict=True) if found]
    )
    record_events(
        [
            EventSpec(
                "recurring.services_renewed",
                actor=actor,
                target=document,
                data={
                    "run": run.pk if run else None,
                    "number": document.number,
                    "services": [
                        {"service": item.service.pk, "period": item.period.number} for item in items
                    ],
                },
            )
            for (bill, items), document in zip(kept, documents, strict=True)
        ]
    )
    return [(document, len(items)) for (bill, items), document in zip(kept, documents, strict=True)]


def _draft_spec(
    bill: Bill, items: list[Due], customer: Customer, today: date, metered: dict[int, list[PendingUsage]]
) -> DraftSpec:
    """The document of one bill: each service's renewal line followed by its usage lines."""
    with translation.override(bill.language):
        lines = []
        for item in items:
            lines.append(renewal_line(item))
            lines += [line for found in metered.get(item.service.pk, []) for line in found.lines()]
        notes = _("Renewal of your services for the period starting %(day)s.") % {
            "day": bill.due_date.strftime("%d.%m.%Y")
        }
    return DraftSpec(
        customer=customer,
        currency=bill.currency,
        issue_date=today,
        due_date=max(bill.due_date, today),
        lines=lines,
        notes=notes,
    )


def renewal_line(item: Due) -> dict[str, Any]:
    """The document line of one service's period, in the active language."""
    service = item.service
    name = translated(service.plan, "name", translation.get_language())
    label = f"{name} ({str(Cycle(service.cycle).label).lower()})"
    if service.domain:
        label += f": {service.domain}"
    quantity = max(service.quantity, 1)
    unit_price = item.price.unit_price
    if (unit_price * quantity).quantize(Decimal("0.01")) != item.price.net:
        quantity, unit_price = 1, item.price.net  # a price that does not divide by the units
    return {
        "description": f"{label}, {period_text(item.period.start, item.period.end)}",
        "quantity": str(quantity),
        "unit_price": str(unit_price),
    }


def _finish(run: BillingRun, outcome: Outcome, status: str, *, failure: str = "") -> None:
    errors = outcome.errors[: settings.RECURRING_RUN_ERRORS_KEPT]
    if failure:
        errors.append({"customer": None, "message": failure})
    BillingRun.objects.filter(pk=run.pk).update(
        status=status,
        finished_at=timezone.now(),
        documents=outcome.documents,
        services=outcome.services,
        totals={currency: str(total) for currency, total in sorted(outcome.totals.items())},
        errors=errors,
    )
    run.refresh_from_db()
    record_event(
        "recurring.billing_run_finished",
        actor=run.started_by,
        target=run,
        data={"date": str(run.run_date), "status": status, "documents": run.documents, "errors": len(errors)},
    )


def _close_interrupted_runs() -> None:
    """Runs still "running" long after they started died on the way (their documents are kept;
    this run bills what they did not)."""
    BillingRun.objects.filter(status=RunStatus.RUNNING, started_at__lt=timezone.now() - STALE_RUN).update(
        status=RunStatus.FAILED,
        finished_at=timezone.now(),
        errors=[{"customer": None, "message": "interrupted"}],
    )


@dataclass(frozen=True)
class DryLine:
    customer_id: int
    currency: str
    due_date: date
    service_id: int
    description: str
    net: Decimal


def dry_run(*, on: date) -> list[DryLine]:
    """What a run on `on` would bill (renewals and usage), without writing anything."""
    bills = selection.plan_run(on=on).bills
    metered = pending_usage([item.service for bill in bills for item in bill.items], on=on)
    lines = []
    for bill in bills:
        with translation.override(bill.language):
            for item in bill.items:
                shown = [(renewal_line(item)["description"], item.price.net)]
                shown += [
                    (line["description"], line["net"])
                    for found in metered.get(item.service.pk, [])
                    for line in found.lines()
                ]
                lines += [
                    DryLine(bill.customer_id, bill.currency, bill.due_date, item.service.pk, text, net)
                    for text, net in shown
                ]
    return lines
