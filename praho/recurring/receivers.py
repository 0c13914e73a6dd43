"""What recurring billing hears from billing (which does not know it exists).

- invoices_paid: the renewals billed by those invoices, or by the proformas they were converted
  from, are paid: each service's next due date moves to the next period, and a service suspended
  for non-payment that owes nothing more is resumed (not one staff suspended for another reason).
- proforma_cancelled: its renewals are void, so the next run bills those periods again.
Both run in the sender's transaction.
"""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from praho.billing.signals import invoices_paid, proforma_cancelled


@receiver(invoices_paid, dispatch_uid="recurring.renewals_paid")
def _renewals_paid(sender: Any, document_ids: list[int], **kwargs: Any) -> None:
    from praho.recurring.services.payments import renewals_paid

    renewals_paid(document_ids)


@receiver(proforma_cancelled, dispatch_uid="recurring.renewals_void")
def _renewals_void(sender: Any, document_id: int, actor: Any = None, **kwargs: Any) -> None:
    from praho.recurring.services.payments import renewals_void

    renewals_void(document_id, actor=actor)
