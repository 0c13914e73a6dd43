"""Renewals paid or void (billing's signals, receivers.py): due dates move on, unpaid suspensions end."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils import timezone

from praho.audit.services import record_event
from praho.catalog.cycles import period
from praho.core.validation import fiscal_today
from praho.orders.models import ServiceStatus
from praho.provisioning.locks import locked_services
from praho.provisioning.models import SuspensionCause
from praho.provisioning.services import actions
from praho.recurring import pricing
from praho.recurring.models import Renewal, RenewalStatus


def renewals_paid(document_ids: list[int], *, actor: Any = None) -> None:
    """Inside the payment's transaction (billing's locks held: customer → documents)."""
    renewals = list(
        Renewal.objects.filter(status=RenewalStatus.BILLED)
        .filter(Q(document__in=document_ids) | Q(document__converted_to__in=document_ids))
        .order_by("service_id", "period_number")
    )
    if not renewals:
        return
    services = {service.pk: service for service in locked_services({r.service_id for r in renewals})}
    now = timezone.now()
    for renewal in renewals:
        renewal.status, renewal.paid_at = RenewalStatus.PAID, now
        service = services[renewal.service_id]
        anchor = pricing.anchor_of(service)
        if anchor is None:
            continue
        following = period(anchor, service.cycle, renewal.period_number + 1).start
        if service.next_due_date is None or following > service.next_due_date:
            before = service.next_due_date
            service.next_due_date = following
            service.save(update_fields=["next_due_date", "updated_at"])
            record_event(
                "recurring.due_date_advanced",
                actor=actor,
                target=service,
                data={"from": str(before), "to": str(following), "document": renewal.document_id},
            )
    Renewal.objects.bulk_update(renewals, ["status", "paid_at"])
    suspended = [pk for pk, service in services.items() if service.status == ServiceStatus.SUSPENDED]
    for service_id in sorted(set(suspended) - _still_owing(suspended)):
        actions.unsuspend(service_id=service_id, actor=actor, only_cause=SuspensionCause.UNPAID)


def _still_owing(service_ids: list[int]) -> set[int]:
    """Of these services, those with another renewal awaiting payment whose due date has passed."""
    if not service_ids:
        return set()
    return set(
        Renewal.objects.filter(
            service_id__in=service_ids, status=RenewalStatus.BILLED, period_start__lte=fiscal_today()
        ).values_list("service_id", flat=True)
    )


def renewals_void(document_id: int, *, actor: Any = None) -> None:
    voided = Renewal.objects.filter(document_id=document_id, status=RenewalStatus.BILLED).update(
        status=RenewalStatus.VOID
    )
    if voided:
        record_event(
            "recurring.renewals_void",
            actor=actor,
            object_type="billing.document",
            object_id=document_id,
            data={"renewals": voided},
        )
