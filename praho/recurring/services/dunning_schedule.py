"""What staff change about dunning: the schedule's steps (days relative to the due date and what
happens then) and the customers exempted from it. Every change is checked whole (errors keyed
by field, nothing half-saved) and audited."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from praho.audit.services import record_event
from praho.core.transactions import service_transaction
from praho.core.validation import FieldErrors, check_text
from praho.customers.models import Customer
from praho.recurring.models import BillingPreference, DunningAction, DunningStep

DAYS_MIN = -60
DAYS_MAX = 365
REASON_MAX = BillingPreference._meta.get_field("exempt_reason").max_length or 500


def _days(errors: FieldErrors, value: Any) -> int | None:
    if isinstance(value, bool):
        value = None
    try:
        days = int(str(value).strip()) if value is not None else None
    except ValueError:
        days = None
    if days is None:
        errors.add("days", _("Enter a whole number of days, e.g. -7, 0 or 10."), "invalid")
        return None
    if not DAYS_MIN <= days <= DAYS_MAX:
        errors.add(
            "days",
            _("Enter a number of days from %(min)d (before the due date) to %(max)d (after it).")
            % {"min": DAYS_MIN, "max": DAYS_MAX},
            "out_of_range",
        )
        return None
    return days


@service_transaction
def add_step(*, actor: Any, days: Any, action: Any) -> DunningStep:
    """Add a step: `days` after the due date (negative: before it), `action` remind, suspend or
    terminate. Suspension and termination come after the due date; a step is in the schedule once."""
    errors = FieldErrors()
    number = _days(errors, days)
    if action not in DunningAction.values:
        errors.add("action", _("Choose remind, suspend or terminate."), "invalid_choice")
    elif number is not None and action != DunningAction.REMIND and number <= 0:
        errors.add(
            "days",
            _("Services are suspended or terminated only after the due date: enter at least 1 day."),
            "not_after_due",
        )
    if (
        number is not None
        and action in DunningAction.values
        and DunningStep.objects.filter(days=number, action=action).exists()
    ):
        errors.add("days", _("This step is in the schedule already."), "duplicate")
    errors.raise_if_any()
    assert number is not None
    try:
        with transaction.atomic():
            step = DunningStep.objects.create(days=number, action=action)
    except IntegrityError:  # added by someone else meanwhile
        raise ValidationError(
            {"days": ValidationError(_("This step is in the schedule already."), code="duplicate")}
        ) from None
    record_event(
        "recurring.dunning_step_added", actor=actor, target=step, data={"days": number, "action": action}
    )
    return step


@service_transaction
def delete_step(*, actor: Any, step_id: int) -> None:
    """Take a step out of the schedule; what it did already stays in the notices."""
    step = DunningStep.objects.filter(pk=step_id).first()
    if step is None:
        raise ValidationError(_("This step is not in the schedule (any more)."), code="not_found")
    data = {"days": step.days, "action": step.action}
    step.delete()
    record_event(
        "recurring.dunning_step_deleted",
        actor=actor,
        object_type="recurring.dunningstep",
        object_id=step_id,
        object_repr=f"{data['days']:+d} {data['action']}",
        data=data,
    )


def _reason(value: Any) -> str:
    errors = FieldErrors()
    reason = check_text(errors, "reason", str(value or ""), max_length=REASON_MAX)
    if not reason and not errors.by_field:
        errors.add("reason", _("Say why the customer is exempt."), "required")
    errors.raise_if_any()
    return reason


@service_transaction
def set_exemption(*, actor: Any, customer: Customer, reason: Any) -> BillingPreference:
    """Exempt the customer from dunning (no reminder, suspension or termination) with a reason;
    exempting a customer already exempt replaces the reason."""
    reason = _reason(reason)
    preference, _created = BillingPreference.objects.get_or_create(customer=customer)
    was_exempt = preference.dunning_exempt
    preference.dunning_exempt = True
    preference.exempt_reason = reason
    preference.exempt_by = actor if getattr(actor, "is_authenticated", False) else None
    preference.exempt_at = timezone.now()
    preference.save(update_fields=["dunning_exempt", "exempt_reason", "exempt_by", "exempt_at", "updated_at"])
    record_event(
        "recurring.dunning_exemption_set",
        actor=actor,
        target=customer,
        data={"reason": reason, "changed": was_exempt},
    )
    return preference


@service_transaction
def lift_exemption(*, actor: Any, customer: Customer) -> None:
    """Dunning applies to the customer again, from the next run (the steps whose day has passed
    meanwhile: only the latest reminder is sent)."""
    preference = BillingPreference.objects.filter(customer=customer, dunning_exempt=True).first()
    if preference is None:
        raise ValidationError(_("This customer is not exempt from dunning."), code="not_exempt")
    reason = preference.exempt_reason
    preference.dunning_exempt = False
    preference.exempt_reason = ""
    preference.exempt_by = None
    preference.exempt_at = None
    preference.save(update_fields=["dunning_exempt", "exempt_reason", "exempt_by", "exempt_at", "updated_at"])
    record_event("recurring.dunning_exemption_lifted", actor=actor, target=customer, data={"reason": reason})
