"""Write operations on customers. Each is one business action in one
transaction and leaves an audit event."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from praho.accounts.models import User
from praho.audit.services import record_event
from praho.core.countries import EU_MEMBER_STATES
from praho.customers import identifiers
from praho.customers.models import Address, Customer, CustomerKind, TaxProfile

PROFILE_FIELDS = (
    "vat_payer",
    "vat_on_cash_basis",
    "currency",
    "payment_terms_days",
    "invoice_email",
    "document_language",
)


class _Errors:
    """Collects every field's error so one submission reports them all."""

    def __init__(self) -> None:
        self.by_field: dict[str, list[ValidationError]] = {}

    def check(self, call: Callable[[], Any], *, prefix: str = "") -> Any:
        try:
            return call()
        except ValidationError as error:
            for field, errors in error.error_dict.items():
                self.by_field.setdefault(prefix + field, []).extend(errors)
            return None

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)


def _customer_link(customer: Customer) -> str:
    try:
        return reverse("customers:detail", args=[customer.pk])
    except NoReverseMatch:  # the staff pages come with a later step
        return f"#customer-{customer.pk}"


def _check_country(country: str) -> str:
    country = (country or "").strip().upper()
    if len(country) != 2 or not country.isalpha():
        raise ValidationError(
            {
                "country": ValidationError(
                    _("Enter a two-letter ISO 3166-1 country code, e.g. RO."), code="invalid"
                )
            }
        )
    return country


def _check_unique_tax_id(tax_id: str, *, exclude: Customer | None = None) -> None:
    if not tax_id:
        return
    others = Customer.objects.filter(tax_id=tax_id)
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    clash = others.first()
    if clash is not None:
        message = _('This tax identifier already belongs to customer "%(name)s" (%(link)s).')
        raise ValidationError(
            {
                "tax_id": ValidationError(
                    message % {"name": clash.name, "link": _customer_link(clash)},
                    code="duplicate",
                    params={"customer_id": clash.pk},
                )
            }
        )


def _clean_address(address: dict[str, str]) -> dict[str, str]:
    cleaned = {
        key: (address.get(key) or "").strip()
        for key in ("street", "city", "postal_code", "county", "country")
    }
    cleaned["country"] = cleaned["country"].upper()
    errors = _Errors()
    for key in ("street", "city", "country"):
        if not cleaned[key]:
            errors.by_field.setdefault(key, []).append(
                ValidationError(_("This field is required."), code="required")
            )
    if cleaned["country"] == "RO":
        errors.check(
            lambda: identifiers.check_romanian_address(
                **{k: cleaned[k] for k in ("country", "county", "city")}
            )
        )
    errors.raise_if_any()
    return cleaned


def create_customer(
    *,
    actor: User,
    kind: str,
    name: str,
    country: str,
    tax_id: str = "",
    trade_name: str = "",
    trade_register_number: str = "",
    iban: str = "",
    email: str = "",
    phone: str = "",
    address: dict[str, str] | None = None,
    **profile: Any,
) -> Customer:
    """Create a company or an individual with its first tax profile and address.

    Every identifier is checked (checksums by python-stdnum); a tax identifier
    already used by another customer is refused. All errors are reported at
    once, keyed by field, and nothing is saved unless everything is valid.
    """
    errors = _Errors()
    if kind not in CustomerKind.values:
        errors.by_field["kind"] = [ValidationError(_("Choose company or individual."), code="invalid_choice")]
    if not (name or "").strip():
        errors.by_field["name"] = [ValidationError(_("This field is required."), code="required")]
    country = errors.check(lambda: _check_country(country)) or ""
    normalized_tax_id = ""
    if country and kind in CustomerKind.values:
        normalized_tax_id = (
            errors.check(lambda: identifiers.normalize_tax_id(kind=kind, country=country, value=tax_id)) or ""
        )
    register = ""
    if trade_register_number and country == "RO":
        register = errors.check(lambda: identifiers.normalize_trade_register(trade_register_number)) or ""
    elif trade_register_number:
        register = trade_register_number.strip()
    clean_iban = errors.check(lambda: identifiers.normalize_iban(iban)) or ""
    clean_phone = errors.check(lambda: identifiers.normalize_phone(phone)) or ""
    clean_address = errors.check(lambda: _clean_address(address), prefix="address.") if address else None
    errors.raise_if_any()

    with transaction.atomic():
        _check_unique_tax_id(normalized_tax_id)
        customer = Customer(
            kind=kind,
            name=name.strip(),
            trade_name=(trade_name or "").strip(),
            country=country,
            tax_id=normalized_tax_id,
            trade_register_number=register,
            iban=clean_iban,
            email=(email or "").strip().lower(),
            phone=clean_phone,
        )
        customer.full_clean(validate_constraints=False)
        customer.save()
        _add_profile_version(customer, actor=actor, values=_profile_defaults(country) | profile)
        if clean_address:
            Address.objects.create(customer=customer, is_billing=True, **clean_address)
        record_event(
            "customers.created",
            actor=actor,
            target=customer,
            data={"kind": kind, "country": country, "tax_id": normalized_tax_id},
        )
    return customer


def _profile_defaults(country: str) -> dict[str, Any]:
    return {
        "currency": "RON" if country == "RO" else "EUR" if country in EU_MEMBER_STATES else "USD",
        "document_language": "ro" if country == "RO" else "bg" if country == "BG" else "en",
    }


def _add_profile_version(customer: Customer, *, actor: User | None, values: dict[str, Any]) -> TaxProfile:
    unknown = set(values) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown profile fields: {sorted(unknown)}")
    last = customer.tax_profiles.order_by("-version").first()
    profile = TaxProfile(
        customer=customer,
        version=(last.version + 1) if last else 1,
        valid_from=timezone.now(),
        created_by=actor,
        **{field: getattr(last, field) for field in PROFILE_FIELDS if last},
    )
    for field, value in values.items():
        setattr(profile, field, value)
    profile.full_clean(exclude=["customer", "created_by"])
    profile.save()
    return profile


def current_profile(customer: Customer) -> TaxProfile:
    profile = customer.tax_profiles.order_by("-version").first()
    if profile is None:
        raise TaxProfile.DoesNotExist(f"{customer} has no tax profile")
    return profile


def change_tax_profile(*, actor: User, customer: Customer, **changes: Any) -> TaxProfile:
    """Record new tax/billing data as a new version; earlier versions stay as they were.

    Returns the current version (unchanged when nothing differs).
    """
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        before = current_profile(customer)
        changed = {field: value for field, value in changes.items() if getattr(before, field) != value}
        if not changed:
            return before
        profile = _add_profile_version(customer, actor=actor, values=changed)
        record_event(
            "customers.profile_changed",
            actor=actor,
            target=customer,
            data={
                "version": profile.version,
                "changes": {field: [getattr(before, field), value] for field, value in changed.items()},
            },
        )
    return profile


def delete_customer(*, actor: User, customer: Customer) -> None:
    """Hide the customer; everything that points at it keeps working."""
    with transaction.atomic():
        updated = Customer.objects.filter(pk=customer.pk, deleted_at__isnull=True).update(
            deleted_at=timezone.now()
        )
        if updated:
            record_event("customers.deleted", actor=actor, target=customer)


def restore_customer(*, actor: User, customer: Customer) -> None:
    with transaction.atomic():
        updated = Customer.objects.filter(pk=customer.pk, deleted_at__isnull=False).update(deleted_at=None)
        if updated:
            record_event("customers.restored", actor=actor, target=customer)
