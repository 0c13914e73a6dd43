"""Auto-pay: a customer's choice to have renewals charged to the saved card on their due date
(services.autocharge does the charging). Turning it on needs a saved card."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from praho.audit.services import record_event
from praho.core.transactions import service_transaction
from praho.customers.models import Customer
from praho.payments.services.card_charges import saved_card
from praho.recurring import locks
from praho.recurring.models import BillingPreference


def no_card_message() -> str:
    return _(
        "Save a card first: pay a document by card with “Save the card for future payments "
        "(renewals)” ticked, or add one in the card portal; then turn auto-pay on."
    )


@service_transaction
def set_auto_pay(*, actor: Any, customer: Customer, on: bool) -> BillingPreference:
    """Turn auto-pay on or off (audited when it changes). On without a saved card is refused on
    "auto_pay" with the way to save one."""
    if on and not saved_card(customer):
        raise ValidationError({"auto_pay": ValidationError(no_card_message(), code="no_saved_card")})
    BillingPreference.objects.get_or_create(customer=customer)
    preference = locks.locked_preference(customer.pk)
    assert preference is not None  # made just above, never deleted but with its customer
    if preference.auto_pay == on:
        return preference
    preference.auto_pay = on
    preference.save(update_fields=["auto_pay", "updated_at"])
    record_event(
        "recurring.auto_pay_changed",
        actor=actor,
        target=customer,
        data={"auto_pay": on, "payment_method": saved_card(customer) if on else ""},
    )
    return preference
