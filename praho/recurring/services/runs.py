"""The billing run: every service due for renewal billed once for its next period.

Each document (a customer's services due on one day in one currency, selection.py) is made in its
own durable transaction, under the customer's lock and its services' locks: the renewal rows and
the issued document commit together or not at all. A run that dies between two documents has
committed the first ones; the next run finds their renewals and bills only the rest. Two runs at
once queue on the customer's lock, and the second finds the renewals the first made; should
anything get past that, the unique (service, period) constraint refuses it and the document is
rolled back with it.

The documents are proformas (RECURRING_DOCUMENT, Romanian practice: the invoice is issued when
it is paid) or invoices, issued today, due on the services' due date (today when that has passed).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from praho.audit.services import record_event
from praho.billing.models import Document, DocumentType
from praho.billing.services.drafts import create_document
from praho.billing.services.issuing import issue_document
from praho.catalog.models import Cycle
from praho.catalog.models.translated import translated
from praho.core.transactions import service_transaction
from praho.core.validation import fiscal_today
from praho.recurring import selection
from praho.recurring.locks import locked_customer_services
from praho.recurring.models import BillingRun, Renewal, RunStatus, RunTrigger
from praho.recurring.selection import Bill, Due

logger = logging.getLogger(__name__)

STALE_RUN = timedelta(hours=6)


@dataclass
class Outcome:
    documents: int = 0
    services: int = 0
    totals: dict[str, Decimal] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)


def run_billing(*, on: date, trigger: str = RunTrigger.COMMAND, actor: Any = None) -> BillingRun:
    """Bill what is due by `on` (see the module docstring) and write the run's summary."""
    _close_interrupted_runs()
    run = BillingRun.objects.create(run_date=on, trigger=trigger, started_by=actor)
    outcome = Outcome()
    try:
        for bill in selection.bills_due(on=on):
            _bill_safely(run, bill, outcome, actor=actor)
    except Exception as error:
        _finish(run, outcome, RunStatus.FAILED, failure=str(error))
        raise
    _finish(run, outcome, RunStatus.COMPLETED)
    return run


def _bill_safely(run: BillingRun, bill: Bill, outcome: Outcome, *, actor: Any) -> None:
    """One document; a problem with it (the customer lacks a billing address, …) is noted in the
    run's summary and the run goes on with the next one."""
    try:
        document, billed = bill_customer(run=run, bill=bill, actor=actor)
    except (ValidationError, IntegrityError) as error:
        messages = error.messages if isinstance(error, ValidationError) else [str(error)]
        logger.warning("Billing run %s: customer %s not billed: %s", run.pk, bill.customer_id, messages)
        outcome.errors.append(
            {"customer": bill.customer_id, "currency": bill.currency, "message": "; ".join(messages)}
        )
        return
    if document is None:
        return
    outcome.documents += 1
    outcome.services += billed
    outcome.totals[document.currency] = outcome.totals.get(document.currency, Decimal("0")) + document.total


@service_transaction
def bill_customer(*, run: BillingRun | None, bill: Bill, actor: Any = None) -> tuple[Document | None, int]:
    """Issue the bill's document with one renewal per service period; (None, 0) when, under the
    locks, everything on it turned out billed already (another run got there first)."""
    services = locked_customer_services(bill.customer_id, [item.service.pk for item in bill.items])
    fresh = {service.pk: service for service in services}
    items = [item for item in selection.due_items(fresh.values(), on=bill.due_date) if _same_bill(item, bill)]
    if not items:
        return None, 0
    with translation.override(bill.language):
        lines = [renewal_line(item) for item in items]
        notes = _("Renewal of your services for the period starting %(day)s.") % {
            "day": bill.due_date.strftime("%d.%m.%Y")
        }
    today = fiscal_today()
    document = create_document(
        actor=actor,
        document_type=DocumentType.PROFORMA
        if settings.RECURRING_DOCUMENT == "proforma"
        else DocumentType.INVOICE,
        customer=items[0].service.customer,
        currency=bill.currency,
        issue_date=today,
        due_date=max(bill.due_date, today),
        lines=lines,
        notes=notes,
    )
    document = issue_document(actor=actor, document=document)
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
        for item in items
    )
    record_event(
        "recurring.services_renewed",
        actor=actor,
        target=document,
        data={
            "run": run.pk if run else None,
            "number": document.number,
            "services": [{"service": item.service.pk, "period": item.period.number} for item in items],
        },
    )
    return document, len(items)


def _same_bill(item: Due, bill: Bill) -> bool:
    return item.service.currency == bill.currency and item.period.start == bill.due_date


def period_label(start: date, end: date) -> str:
    return f"{start:%d.%m.%Y} – {end:%d.%m.%Y}"  # noqa: RUF001 (the en dash of a range)


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
        "description": f"{label}, {period_label(item.period.start, item.period.end)}",
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
    """What a run on `on` would bill, without writing anything."""
    lines = []
    for bill in selection.bills_due(on=on):
        with translation.override(bill.language):
            for item in bill.items:
                line = renewal_line(item)
                lines.append(
                    DryLine(
                        bill.customer_id,
                        bill.currency,
                        bill.due_date,
                        item.service.pk,
                        line["description"],
                        item.price.net,
                    )
                )
    return lines
