"""Orders hear from billing, which does not know orders exist (docs/architecture.md)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from praho.billing.signals import invoices_paid, proforma_cancelled


@receiver(invoices_paid, dispatch_uid="orders.orders_paid_by")
def _orders_paid(sender: Any, document_ids: list[int], **kwargs: Any) -> None:
    from praho.orders.services.fulfilment import orders_paid_by

    orders_paid_by(document_ids)


@receiver(proforma_cancelled, dispatch_uid="orders.orders_of_cancelled_proforma")
def _proforma_cancelled(sender: Any, document_id: int, actor: Any = None, **kwargs: Any) -> None:
    from praho.orders.services.fulfilment import orders_of_cancelled_proforma

    orders_of_cancelled_proforma(document_id, actor=actor)
