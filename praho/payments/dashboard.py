"""Payments' panel on the staff dashboard (praho.core.dashboards): what waits for billing staff —
bank transfers to review, inbound webhook events that failed, disputes reported by Stripe. For
staff who see bank transfers; three counting queries."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from praho.core.dashboards import WORK, Panel
from praho.inbox.models import EventStatus, InboundEvent
from praho.payments.models import BankTransaction, Dispute, TransactionStatus

TEMPLATES = "payments/dashboard/"


def waiting() -> dict[str, Any]:
    return {
        "transfers": BankTransaction.objects.filter(
            status__in=(TransactionStatus.PROPOSED, TransactionStatus.UNMATCHED)
        ).count(),
        "failed_events": InboundEvent.objects.filter(status=EventStatus.FAILED).count(),
        "disputes": Dispute.objects.exclude(status__in=("won", "lost", "warning_closed")).count(),
    }


def staff_panels(request: HttpRequest) -> list[Panel]:
    if not request.user.has_perm("payments.view_banktransaction"):
        return []
    return [Panel(TEMPLATES + "_waiting.html", waiting(), WORK + 2)]
