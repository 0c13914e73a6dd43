"""Reads of the customer area's renewals page: a customer's upcoming renewals, its renewal
documents still to be paid, its auto-pay choice and saved card. A fixed number of queries
whatever the number of services and documents (one more when a service follows the list price)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import OuterRef, Q, QuerySet, Subquery

from praho.accounts.models import User
from praho.billing.models import Document, DocumentStatus, DocumentType
from praho.billing.selectors import documents_visible_to
from praho.catalog.cycles import Period
from praho.customers.models import Customer
from praho.orders.models import Service, ServiceStatus
from praho.payments.services.card_charges import saved_card
from praho.recurring.models import AutoCharge, BillingPreference, Renewal, RenewalStatus
from praho.recurring.pricing import list_prices, next_period, price_key, renewal_price

RENEWING_STATUSES = (ServiceStatus.ACTIVE, ServiceStatus.SUSPENDED)


def unpaid_renewal_documents(documents: QuerySet[Document] | None = None) -> QuerySet[Document]:
    """Documents (of `documents`, default all) billing renewals awaiting payment that still ask
    for money: an issued proforma (not converted or cancelled), or an issued invoice with
    something outstanding."""
    billed = Renewal.objects.filter(status=RenewalStatus.BILLED).values("document_id")
    asks = Q(document_type=DocumentType.PROFORMA) | Q(
        document_type=DocumentType.INVOICE, outstanding_amount__gt=0
    )
    base = Document.objects.all() if documents is None else documents
    return base.filter(asks, pk__in=billed, status=DocumentStatus.ISSUED)


@dataclass(frozen=True)
class UpcomingRenewal:
    service: Service
    period: Period | None  # None: a one-time purchase, nothing renews
    net: Decimal | None  # the next period's price without VAT; None when it does not renew
    ends_on: date | None  # the last day it runs, once cancelled at the end of its period

    @property
    def renews(self) -> bool:
        return self.net is not None


def upcoming_renewals(customer: Customer, *, on: date) -> list[UpcomingRenewal]:
    """The customer's active and suspended services by next due date, each with the period it
    renews for next and its price (list prices in force on `on` for those following them)."""
    services = list(
        Service.objects.filter(customer=customer, status__in=RENEWING_STATUSES)
        .select_related("plan")
        .order_by("next_due_date", "pk")
    )
    prices = list_prices(services, on=on)
    rows = []
    for service in services:
        period = next_period(service)
        ends = service.cancel_at is not None and (period is None or service.cancel_at < period.start)
        net = None
        if period is not None and not ends:
            net = renewal_price(service, period.number, list_price=prices.get(price_key(service))).net
        rows.append(UpcomingRenewal(service=service, period=period, net=net, ends_on=service.cancel_at))
    return rows


def unpaid_documents_of(user: User, customer: Customer) -> list[Document]:
    """The customer's renewal documents still to be paid that the user may see (billing's rule:
    none for a member whose role does not see billing), by due date, each with `charge_status`:
    its automatic card charge's status, or None."""
    charge = AutoCharge.objects.filter(document_id=OuterRef("pk")).values("status")[:1]
    visible = documents_visible_to(user).filter(customer=customer)
    return list(
        unpaid_renewal_documents(visible).annotate(charge_status=Subquery(charge)).order_by("due_date", "pk")
    )


def auto_pay_of(customer: Customer) -> bool:
    return BillingPreference.objects.filter(customer=customer, auto_pay=True).exists()


def has_saved_card(customer: Customer) -> bool:
    return bool(saved_card(customer))
