"""Asking the outside world about a customer: ANAF for a Romanian company's
registered data, VIES for an EU VAT number.

Both are helpers, never gates: when a service does not answer, staff type the
data by hand and billing treats the VAT number as not checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from praho.accounts.models import User
from praho.audit.services import record_event
from praho.core.countries import is_eu
from praho.core.validation import fiscal_today
from praho.customers import locks
from praho.customers.gateways import anaf, vies
from praho.customers.gateways.anaf import AnafCompany
from praho.customers.models import Customer, CustomerKind, ViesStatus
from praho.customers.rules import identifiers

# ANAF's register changes at most daily; VIES's "valid" holds for the day it was given.
ANAF_CACHE_SECONDS = 24 * 60 * 60
VIES_CACHE_SECONDS = 24 * 60 * 60
# Bump when AnafCompany or _Consultation change shape, so old pickles are never read.
_CACHE_VERSION = "v1"


@dataclass(frozen=True)
class _Consultation:
    """A VIES answer and when we received it (the date the check proves)."""

    result: vies.ViesResult
    consulted_at: datetime


def company_from_anaf(cui: str) -> AnafCompany:
    """A Romanian company's name, registered office, trade register number and VAT status, from ANAF.

    The CUI is checked first (check digit by python-stdnum): a wrong one raises
    ValidationError keyed "tax_id" and ANAF is not asked. Answers are cached for
    a day per CUI and date; "not found" and "did not answer" are never cached,
    so asking again really asks ANAF again. Raises anaf.NotFoundError or
    anaf.UnavailableError (their str() is a translated message for staff).
    """
    tax_id = identifiers.normalize_tax_id(kind=CustomerKind.COMPANY, country="RO", value=cui)
    digits = tax_id.removeprefix("RO")
    on = fiscal_today()
    key = f"customers:anaf:{_CACHE_VERSION}:{digits}:{on.isoformat()}"
    cached = cache.get(key)
    if isinstance(cached, AnafCompany):
        return cached
    company = anaf.lookup_company(digits, on=on)
    cache.set(key, company, ANAF_CACHE_SECONDS)
    return company


def check_vies(*, actor: User, customer: Customer) -> Customer:
    """Check the customer's VAT number with VIES and keep the outcome on the customer.

    Billing reverse-charges an EU business customer outside Romania only when
    its vies_status is "valid", so the status, the time of the check
    (vies_checked_at) and VIES's consultation number (vies_reference) are stored
    and audited ("customers.vies_checked").

    Only companies from other EU member states with a tax identifier can be
    checked; others raise ValidationError keyed "tax_id" (code "vies_not_applicable").
    A "valid" answer is reused for a day, so checking again within the day asks
    VIES nothing and changes nothing; an answer identical to what is stored is
    not saved or audited again.

    When VIES does not answer this raises vies.UnavailableError (vies.RefusedError when
    VIES rejects the request); the customer keeps the status, date and
    reference it had and nothing is audited, as nothing changed. Returns the
    customer as stored.
    """
    _check_vies_applies(customer)
    # Ask VIES before locking the row: a slow service must not hold a lock.
    consultation = _vies_consultation(customer.tax_id)
    result = consultation.result
    stored = {
        "vies_status": ViesStatus.VALID if result.valid else ViesStatus.INVALID,
        "vies_checked_at": consultation.consulted_at,
        "vies_reference": result.request_identifier,
    }
    with transaction.atomic():
        customer = locks.locked_customer(customer.pk)
        if all(getattr(customer, name) == value for name, value in stored.items()):
            return customer
        previous = customer.vies_status
        for name, value in stored.items():
            setattr(customer, name, value)
        customer.save(update_fields=[*stored, "updated_at"])
        record_event(
            "customers.vies_checked",
            actor=actor,
            target=customer,
            data={
                "vat_number": customer.tax_id,
                "status": customer.vies_status,
                "previous_status": previous,
                "reference": result.request_identifier,
                "checked_at": consultation.consulted_at,
                "vies_request_date": result.request_date,
            },
        )
    return customer


def vat_number_in_vies(tax_id: str) -> vies.ViesResult:
    """What VIES says of a VAT number now (a "valid" answer reused for the day); nothing is
    stored. Staff see it before approving a change request; raises as check_vies does."""
    return _vies_consultation(tax_id).result


def vies_applies(customer: Customer) -> bool:
    """Only a company of another EU member state with a VAT number can be checked."""
    country = customer.country.upper()
    return (
        customer.kind == CustomerKind.COMPANY and bool(customer.tax_id) and is_eu(country) and country != "RO"
    )


def _check_vies_applies(customer: Customer) -> None:
    if vies_applies(customer):
        return
    message = _("Only a company from another EU member state with a VAT number can be checked in VIES.")
    raise ValidationError({"tax_id": ValidationError(message, code="vies_not_applicable")})


def _vies_consultation(tax_id: str) -> _Consultation:
    key = f"customers:vies:{_CACHE_VERSION}:{tax_id}"
    cached = cache.get(key)
    if isinstance(cached, _Consultation):
        return cached
    result = vies.check_vat_number(tax_id, requester=settings.PRAHO_SELLER_VAT_NUMBER)
    consultation = _Consultation(result=result, consulted_at=timezone.now())
    # Only "valid" is reused: a number just registered must not stay "invalid" for a day.
    if result.valid:
        cache.set(key, consultation, VIES_CACHE_SECONDS)
    return consultation
