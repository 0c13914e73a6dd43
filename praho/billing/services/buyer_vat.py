"""Reverse charge only for a VAT number VIES has confirmed (issue 11, item 5).

An EU business outside Romania pays the VAT itself (reverse charge, AE) only when VIES says its
VAT number is valid. When reverse charge is first determined for such a customer (its number was
never checked), VIES is asked here, through customers.lookups.check_vies, which stores and audits
the answer and caches a "valid" for a day; later documents reuse the stored status.

When VIES cannot be reached, PRAHO never guesses either way: the lines whose VAT the engine would
determine are refused with `vies_unavailable`, naming the number; staff try again later, or
choose each line's VAT category themselves with a reason (a VAT override, audited with the
document). The policy is in docs/decisions/0004-billing.md.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.eu import vat as eu_vat

from praho.accounts.models import User
from praho.customers.gateways import vies
from praho.customers.models import Customer, ViesStatus
from praho.customers.services.lookups import check_vies, vies_applies


def needs_vies(customer: Customer) -> bool:
    """An EU company outside Romania with a well-formed VAT number that VIES was never asked about."""
    return (
        vies_applies(customer)
        and customer.vies_status == ViesStatus.UNCHECKED
        and eu_vat.is_valid(customer.tax_id)
    )


def confirm_vat_number(customer: Customer, *, actor: User) -> ValidationError | None:
    """Ask VIES about the customer's VAT number if it was never checked (the customer's status is
    then updated in place); the refusal to give lines without an override when VIES did not answer."""
    if not needs_vies(customer):
        return None
    try:
        checked = check_vies(actor=actor, customer=customer)
    except (vies.UnavailableError, vies.RefusedError):
        return ValidationError(
            _(
                "VIES could not be reached to confirm VAT number %(number)s, so reverse charge cannot be "
                "applied. Try again later, or choose this line's VAT category yourself with a reason."
            ),
            code="vies_unavailable",
            params={"number": customer.tax_id},
        )
    customer.vies_status = checked.vies_status
    customer.vies_checked_at = checked.vies_checked_at
    customer.vies_reference = checked.vies_reference
    return None
