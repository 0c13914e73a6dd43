"""Row locks recurring billing takes. Order: billing's customer (every money action of one
customer queues there) → the customer's services, by id (provisioning's) → what billing locks
next when the renewal document is issued (series counter) → the audit chain
(docs/decisions/0006-locking.md). A payment takes customer → documents → series → services, so
it queues behind a run billing the same customer instead of meeting it in a circle."""

from __future__ import annotations

from collections.abc import Iterable

from praho.customers.models import Customer
from praho.orders.models import Service
from praho.provisioning.locks import locked_services


def locked_customers_and_services(
    customer_ids: Iterable[int], service_ids: Iterable[int]
) -> tuple[dict[int, Customer], list[Service]]:
    """The customers by id (locked as billing's lock_customer locks one, in id order), then their
    services (by id, with their plans)."""
    customers = Customer.objects.select_for_update(no_key=True, of=("self",)).filter(
        pk__in=list(customer_ids)
    )
    found = {customer.pk: customer for customer in customers.order_by("pk")}
    return found, locked_services(service_ids)
