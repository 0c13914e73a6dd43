"""Row locks recurring billing takes. Order: billing's customer (every money action of one
customer queues there) → the customer's services, by id (provisioning's) → what billing locks
next when the renewal document is issued (series counter) → the audit chain
(docs/decisions/0006-locking.md). A payment takes customer → documents → series → services, so
it queues behind a run billing the same customer instead of meeting it in a circle."""

from __future__ import annotations

from collections.abc import Iterable

from praho.billing.locks import lock_customer
from praho.orders.models import Service
from praho.provisioning.locks import locked_services


def locked_customer_services(customer_id: int, service_ids: Iterable[int]) -> list[Service]:
    lock_customer(customer_id)
    return locked_services(service_ids)
