"""Orders hear from billing, which does not know orders exist (docs/architecture.md), and tell
the apps above them (provisioning) what happened to services.

- services_created(service_ids, actor): sent in the transaction that created them (an order
  paid), so what a receiver writes commits or rolls back with them.
"""

from __future__ import annotations

from typing import Any

from django.dispatch import Signal, receiver

from praho.billing.signals import invoices_paid, proforma_cancelled

services_created = Signal()


@receiver(invoices_paid, dispatch_uid="orders.orders_paid_by")
def _orders_paid(sender: Any, document_ids: list[int], **kwargs: Any) -> None:
    from praho.orders.services.fulfilment import orders_paid_by

    orders_paid_by(document_ids)


@receiver(proforma_cancelled, dispatch_uid="orders.orders_of_cancelled_proforma")
def _proforma_cancelled(sender: Any, document_id: int, actor: Any = None, **kwargs: Any) -> None:
    from praho.orders.services.fulfilment import orders_of_cancelled_proforma

    orders_of_cancelled_proforma(document_id, actor=actor)
