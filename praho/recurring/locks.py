"""Row locks recurring billing takes, after everything below it: inbound event (inbox) → customer →
documents (billing.locks) → payments' rows → automatic charges, billing preferences (these) → the
audit chain (docs/decisions/0006-locking.md). A charge's outcome arrives inside the transaction
that recorded its payment (billing's locks first), so the charge's row comes after them."""

from __future__ import annotations

from praho.recurring.models import AutoCharge, BillingPreference


def locked_autocharge(pk: int) -> AutoCharge | None:
    return AutoCharge.objects.select_for_update(no_key=True).filter(pk=pk).first()


def locked_preference(customer_id: int) -> BillingPreference | None:
    return BillingPreference.objects.select_for_update(no_key=True).filter(customer_id=customer_id).first()
