"""Helpers of dunning's tests: renewal documents made directly (a proforma or invoice issued by
billing's services with one Renewal row per service), services without a panel module (nothing
is queued to a panel), and dunning run on a day relative to the due date. The `shop` and
`billing_ready` fixtures come from the app's conftest."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from praho.billing.models import Document
from praho.billing.services.drafts import create_document
from praho.billing.services.issuing import issue_document
from praho.billing.services.payments import record_payment
from praho.core.validation import fiscal_today
from praho.customers.services.customers import change_tax_profile
from praho.orders.models import Service, ServiceStatus
from praho.recurring.models import Renewal
from praho.recurring.services.dunning import DunningSummary, run_dunning
from praho.testing.provisioning import make_service
from praho.testing.shop import Shop

DUE = fiscal_today() + timedelta(days=20)


INVOICE_EMAIL = "billing@carol.test"


def invoice_email(actor: Any, customer: Any, *, language: str = "ro", email: str = INVOICE_EMAIL) -> None:
    """Where billing sends the customer's documents, and in which language."""
    change_tax_profile(actor=actor, customer=customer, invoice_email=email, document_language=language)


def service(
    shop: Shop, customer: Any, *, plan: str = "backup", status: str = ServiceStatus.ACTIVE, **fields: Any
) -> Service:
    """An active service on a plan without a panel module."""
    return make_service(shop.plans[plan], customer, status=status, **fields)


def renewal_document(
    actor: Any,
    customer: Any,
    services: list[Service],
    *,
    due: date = DUE,
    kind: str = "proforma",
    amount: str = "100.00",
) -> Document:
    """An issued renewal proforma (or invoice) due on `due`, one line and one Renewal per service."""
    lines = [
        {"description": f"Renewal of #{s.pk}", "quantity": "1", "unit_code": "MON", "unit_price": amount}
        for s in services
    ]
    draft = create_document(actor=actor, document_type=kind, customer=customer, lines=lines, due_date=due)
    document = issue_document(actor=actor, document=draft)
    for s in services:
        Renewal.objects.create(
            service=s,
            period_number=1,
            period_start=due,
            period_end=due + timedelta(days=29),
            document=document,
            net_amount=Decimal(amount),
            currency=document.currency,
        )
    return document


def pay(actor: Any, document: Document, amount: Decimal | None = None) -> None:
    document.refresh_from_db()
    record_payment(
        actor=actor,
        invoice=document,
        amount=amount if amount is not None else document.total,
        currency=document.currency,
        method="bank_transfer",
        reference="test",
        received_on=fiscal_today(),
    )


def dun(day: int, *, due: date = DUE, capture: Any = None) -> DunningSummary:
    """Run dunning `day` days after `due` (negative: before), running what waits for the commit
    when `capture` (django_capture_on_commit_callbacks) is given."""
    if capture is None:
        return run_dunning(on=due + timedelta(days=day))
    with capture(execute=True):
        return run_dunning(on=due + timedelta(days=day))
