"""Staff leave a service out of billing runs (a dispute, a service given free for a while) with a
reason, and take it back in; both audited."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from praho.audit.services import record_event
from praho.core.transactions import service_transaction
from praho.core.validation import FieldErrors, check_text
from praho.orders.models import Service
from praho.provisioning.locks import locked_service

REASON_MAX = 500


@service_transaction
def set_excluded(*, actor: Any, service_id: int, excluded: bool, reason: str = "") -> Service:
    errors = FieldErrors()
    reason = check_text(errors, "reason", reason or "", max_length=REASON_MAX)
    if excluded and not reason:
        errors.add("reason", _("Say why it is left out."), "required")
    errors.raise_if_any()
    service = locked_service(service_id)
    if service.renewals_excluded == excluded:
        return service
    service.renewals_excluded, service.renewals_excluded_reason = excluded, reason if excluded else ""
    service.save(update_fields=["renewals_excluded", "renewals_excluded_reason", "updated_at"])
    record_event(
        "recurring.service_excluded" if excluded else "recurring.service_included",
        actor=actor,
        target=service,
        data={"reason": reason} if excluded else {},
    )
    return service
