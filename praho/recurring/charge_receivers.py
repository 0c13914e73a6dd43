"""What recurring billing hears from payments (which does not know it exists): the outcome of an
automatic card charge (`payments.signals.card_charge_finished`), from the webhook inbox or from
Stripe's own answer; heard once or many times, it finishes the charge once."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from praho.payments.signals import card_charge_finished
from praho.recurring.models import AutoCharge
from praho.recurring.services import autocharge


@receiver(card_charge_finished, dispatch_uid="recurring.autocharge_finished")
def charge_finished(
    sender: Any,
    *,
    document_id: int,
    payment_intent: str,
    succeeded: bool,
    error: str,
    autocharge_id: int,
    **kwargs: Any,
) -> None:
    if not AutoCharge.objects.filter(pk=autocharge_id, document_id=document_id).exists():
        return  # not one of ours (another PRAHO on the same Stripe account, a test charge)
    autocharge.finish(
        autocharge_id=autocharge_id, succeeded=succeeded, error=error, payment_intent=payment_intent
    )
