"""Orders hear from billing, which does not know orders exist (docs/architecture.md)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from praho.billing.signals import invoices_paid


@receiver(invoices_paid, dispatch_uid="orders.orders_paid_by")
def _orders_paid(sender: Any, document_ids: list[int], **kwargs: Any) -> None:
    from praho.orders.services.fulfilment import orders_paid_by

    orders_paid_by(document_ids)
