"""Row locks billing takes, in the one order every billing action follows.

1. the customer's row (money postings of one customer queue on it: ledger, payments);
2. documents, by id (the one being issued, converted, credited or paid);
3. the series counter (numbering.py, while a number is taken);
4. the audit chain, last of all, when the action's events are linked just before commit
   (praho.audit.services, praho.core.transactions).

The other rows billing locks are each the only lock of their action: the newest seller version,
exchange rates, a queued email and the VAT rate table. Every row lock billing takes is taken here.

Rows are locked FOR NO KEY UPDATE: that is what an UPDATE of them takes anyway, and it lets
the foreign-key checks of other transactions (FOR KEY SHARE: a new draft or ledger entry
pointing at the same customer) through, where FOR UPDATE would make them wait. The reasons and
the deadlock this order removes are in docs/decisions/0006-locking.md.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date
from typing import Any

from django.db.models import QuerySet

from praho.billing.models import (
    DeliveryStatus,
    Document,
    DocumentDelivery,
    ExchangeRate,
    SellerProfile,
    SeriesCounter,
)
from praho.customers.models import Customer


def lock_customer(customer_id: int) -> None:
    """Serialise the money postings of one customer. Inside the caller's transaction; a no-op
    on SQLite, which has one writer at a time anyway."""
    list(Customer.objects.select_for_update(no_key=True).filter(pk=customer_id).values_list("pk", flat=True))


def locked_document(pk: int) -> Document:
    """The document as stored, locked until the caller's transaction ends (its customer is read
    along, not locked)."""
    return Document.objects.select_for_update(no_key=True, of=("self",)).select_related("customer").get(pk=pk)


def locked_documents(ids: Iterable[int]) -> list[Document]:
    """Documents by id, locked in numbering order (issue date, id), their customers read along."""
    return list(
        Document.objects.select_for_update(no_key=True, of=("self",))
        .select_related("customer")
        .filter(pk__in=ids)
        .order_by("issue_date", "pk")
    )


def counters_for_update(alias: str) -> QuerySet[SeriesCounter]:
    """Series counters (with their series) that are locked as they are read, on `alias`."""
    return (
        SeriesCounter.objects.using(alias)
        .select_for_update(no_key=True, of=("self",))
        .select_related("series")
    )


def lock_newest_seller_version() -> None:
    """Two admins saving the seller at once get consecutive versions: the second waits here."""
    SellerProfile.objects.select_for_update(no_key=True).order_by("-version").values_list("pk").first()


def locked_exchange_rates(currencies: Collection[str], dates: Collection[date]) -> list[ExchangeRate]:
    """The stored rates of those currencies on those days, locked, by id."""
    return list(
        ExchangeRate.objects.select_for_update()
        .filter(currency__in=currencies, date__in=dates)
        .order_by("pk")
    )


def locked_exchange_rate(currency: str, on: date) -> ExchangeRate | None:
    return ExchangeRate.objects.select_for_update().filter(currency=currency, date=on).first()


def locked_delivery(delivery_id: int) -> DocumentDelivery:
    """A delivery with what its email shows, locked while it is sent."""
    return (
        DocumentDelivery.objects.select_for_update(of=("self",))
        .select_related("document__customer", "document__seller", "document__credited_document")
        .get(pk=delivery_id)
    )


def lock_if_queued(delivery_id: int) -> bool:
    """Lock the delivery if it is still queued; False when it is not (sent or given up meanwhile)."""
    queued = DocumentDelivery.objects.filter(status=DeliveryStatus.QUEUED)
    return queued.select_for_update().filter(pk=delivery_id).exists()


def locked_vat_rates(manager: Any, countries: Collection[str]) -> list[Any]:
    """The VAT rates of those countries, locked while the table is seeded; `manager` is the
    model's in a migration (its historical model) or the app's."""
    return list(manager.select_for_update().filter(country__in=countries))
