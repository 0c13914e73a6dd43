"""Write operations on customers. Each is one business action in one
transaction and leaves an audit event."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from praho.accounts.models import User
from praho.audit.services import record_event
from praho.core.countries import EU_MEMBER_STATES, is_country
from praho.core.validation import FieldErrors, check_text, normalize_email
from praho.customers import locks
from praho.customers.models import (
    MAX_PAYMENT_TERMS_DAYS,
    PAYMENT_TERMS_MESSAGE,
    Address,
    Customer,
    CustomerKind,
    Membership,
    MembershipRole,
    TaxProfile,
    ViesStatus,
)
from praho.customers.rules import identifiers

# Callers read a customer's current profile as services.current_profile too.
from praho.customers.selectors import current_profile, current_profile_or_none

# The longest text taken at input. Where a value goes into e-Factura, the CIUS-RO limit (the
# columns may be wider, and longer values stored before stay readable): a name is BT-44
# (BR-RO-L203), a city BT-52 (BR-RO-L0502). Raw identifiers may carry spaces and a prefix.
MAX_NAME = 200
MAX_CITY = 50
IDENTITY_TEXT_LIMITS = {
    "name": MAX_NAME,
    "trade_name": MAX_NAME,
    "tax_id": 64,
    "trade_register_number": 64,
    "iban": 64,
    "email": 254,
    "phone": 32,
}
ADDRESS_TEXT_LIMITS = {"street": 255, "city": MAX_CITY, "postal_code": 16, "county": 64, "country": 8}
MAX_EMAIL = 254

# What decides how a customer is invoiced: the VAT treatment (billing.vat.buyer_facts reads the
# kind, country and tax identifier; the profile says VAT payer and VAT on cash basis), the
# currency and due date of every invoice, and where the buyer is (an address's country). Staff
# change these; a customer's users request a change (change_requests.py) that staff approve.
STAFF_ONLY_IDENTITY = ("kind", "country", "tax_id")
STAFF_ONLY_PROFILE = ("vat_payer", "vat_on_cash_basis", "currency", "payment_terms_days")
STAFF_ONLY_FIELDS = (*STAFF_ONLY_IDENTITY, *STAFF_ONLY_PROFILE)

PROFILE_FIELDS = (
    "vat_payer",
    "vat_on_cash_basis",
    "currency",
    "payment_terms_days",
    "invoice_email",
    "document_language",
)


def _refuse_staff_only(errors: FieldErrors, fields: list[str]) -> None:
    """Each field a customer's user tried to change is refused, whatever else was wrong with it."""
    message = _("Only staff can change this: it decides how you are invoiced. Request a change instead.")
    for field in fields:
        errors.by_field[field] = [ValidationError(message, code="staff_only")]


def _customer_link(customer: Customer) -> str:
    return reverse("customers:detail", args=[customer.pk])


def _check_country(country: str) -> str:
    """An assigned ISO 3166-1 alpha-2 code, upper case; "XX" has two letters but is no country."""
    country = (country or "").strip().upper()
    if len(country) != 2 or not country.isalpha():
        raise ValidationError(
            {
                "country": ValidationError(
                    _("Enter a two-letter ISO 3166-1 country code, e.g. RO."), code="invalid"
                )
            }
        )
    if not is_country(country):
        message = _("%(code)s is not a country code: enter an ISO 3166-1 code such as RO.")
        raise ValidationError(
            {"country": ValidationError(message, code="invalid_choice", params={"code": country})}
        )
    return country


def _check_unique_tax_id(tax_id: str, *, actor: User, exclude: Customer | None = None) -> None:
    """Refuse a tax identifier another customer has (deleted ones included).

    Staff are told which customer, with a link; a customer's user only that the
    number is taken, since the other customer is none of their business.
    """
    if not tax_id:
        return
    others = Customer.objects.filter(tax_id=tax_id)
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    clash = others.first()
    if clash is None:
        return
    if actor.is_staff:
        # Django fills the placeholders from params, so a "%" in the name is harmless.
        message = _('This tax identifier already belongs to customer "%(name)s" (%(link)s).')
        params = {"name": clash.name, "link": _customer_link(clash), "customer_id": clash.pk}
        raise ValidationError({"tax_id": ValidationError(message, code="duplicate", params=params)})
    message = _("This tax identifier is already registered for another customer.")
    raise ValidationError({"tax_id": ValidationError(message, code="duplicate")})


ADDRESS_FIELDS = ("street", "city", "postal_code", "county", "country")


def _clean_address(address: dict[str, str]) -> dict[str, str]:
    errors = FieldErrors()
    cleaned = {
        key: check_text(errors, key, address.get(key) or "", max_length=limit)
        for key, limit in ADDRESS_TEXT_LIMITS.items()
    }
    for key in ("street", "city", "country"):
        if not cleaned[key] and key not in errors.by_field:
            errors.add(key, _("This field is required."), "required")
    if cleaned["country"] and "country" not in errors.by_field:
        cleaned["country"] = errors.check(lambda: _check_country(cleaned["country"])) or cleaned["country"]
    if cleaned["country"] == "RO" and not {"county", "city"} & set(errors.by_field):
        errors.check(
            lambda: identifiers.check_romanian_address(
                **{k: cleaned[k] for k in ("country", "county", "city")}
            )
        )
    errors.raise_if_any()
    return cleaned


IDENTITY_FIELDS = (
    "kind",
    "name",
    "trade_name",
    "country",
    "tax_id",
    "trade_register_number",
    "iban",
    "email",
    "phone",
)


def _clean_identity(errors: FieldErrors, values: dict[str, Any]) -> dict[str, str]:
    """Checked and normalised identity fields; errors are collected, not raised.

    Text is checked first (no control characters, no line breaks, IDENTITY_TEXT_LIMITS); a
    field refused there is not read further.
    """
    text = {
        field: check_text(errors, field, str(values.get(field) or ""), max_length=limit)
        for field, limit in IDENTITY_TEXT_LIMITS.items()
    }

    def normalized(field: str, normalize: Any) -> str:
        if field in errors.by_field:
            return ""
        return errors.check(lambda: normalize(text[field])) or ""

    kind = values.get("kind") or ""
    if kind not in CustomerKind.values:
        errors.by_field["kind"] = [ValidationError(_("Choose company or individual."), code="invalid_choice")]
    if not text["name"] and "name" not in errors.by_field:
        errors.add("name", _("This field is required."), "required")
    country = errors.check(lambda: _check_country(values.get("country") or "")) or ""
    tax_id = ""
    if country and kind in CustomerKind.values:
        tax_id = normalized(
            "tax_id", lambda value: identifiers.normalize_tax_id(kind=kind, country=country, value=value)
        )
    register = text["trade_register_number"]
    if register and country == "RO":
        register = normalized("trade_register_number", identifiers.normalize_trade_register)
    return {
        "kind": kind,
        "name": text["name"],
        "trade_name": text["trade_name"],
        "country": country,
        "tax_id": tax_id,
        "trade_register_number": register,
        "iban": normalized("iban", identifiers.normalize_iban),
        "email": normalized("email", normalize_email),
        "phone": normalized("phone", identifiers.normalize_phone),
    }


def create_customer(
    *,
    actor: User,
    address: dict[str, str] | None = None,
    owner: User | None = None,
    **values: Any,
) -> Customer:
    """Create a company or an individual with its first tax profile and address.

    `values` holds the identity fields (IDENTITY_FIELDS) and the profile
    fields (PROFILE_FIELDS). Every identifier is checked (checksums by
    python-stdnum); a tax identifier already used by another customer is
    refused. All errors are reported at once, keyed by field ("address.county"
    for the address), and nothing is saved unless everything is valid.
    """
    unknown = set(values) - set(IDENTITY_FIELDS) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown customer fields: {sorted(unknown)}")
    profile = {field: values.pop(field) for field in PROFILE_FIELDS if field in values}
    errors = FieldErrors()
    identity = _clean_identity(errors, values)
    profile = _clean_profile(errors, profile)
    clean_address = errors.check(lambda: _clean_address(address), prefix="address.") if address else None
    errors.raise_if_any()

    with transaction.atomic():
        _check_unique_tax_id(identity["tax_id"], actor=actor)
        customer = Customer(**identity)
        customer.full_clean(validate_constraints=False)
        customer.save()
        _add_profile_version(customer, actor=actor, values=_profile_defaults(identity["country"]) | profile)
        if clean_address:
            Address.objects.create(customer=customer, is_billing=True, **clean_address)
        record_event(
            "customers.created",
            actor=actor,
            target=customer,
            data={"kind": customer.kind, "country": customer.country, "tax_id": customer.tax_id},
        )
        if owner is not None:
            Membership.objects.create(customer=customer, user=owner, role=MembershipRole.OWNER)
            record_event(
                "customers.member_added",
                actor=actor,
                target=customer,
                data={"user": owner.email, "role": MembershipRole.OWNER},
            )
    return customer


def update_customer(*, actor: User, customer: Customer, **changes: Any) -> Customer:
    """Change identity fields; the audit event lists each changed field with its old and new value.

    A customer's user may not change STAFF_ONLY_IDENTITY (code "staff_only").
    """
    unknown = set(changes) - set(IDENTITY_FIELDS)
    if unknown:
        raise TypeError(f"Unknown customer fields: {sorted(unknown)}")
    errors = FieldErrors()
    merged = {field: getattr(customer, field) for field in IDENTITY_FIELDS} | changes
    identity = _clean_identity(errors, merged)
    if not actor.is_staff:
        # The current value sent again (as read, in any spelling) is no change.
        tried = [
            field
            for field in STAFF_ONLY_IDENTITY
            if field in changes and (field in errors.by_field or identity[field] != getattr(customer, field))
        ]
        if tried:
            # The rest is checked as it would be saved: without the refused values and what they imply.
            errors = FieldErrors()
            kept = {field: getattr(customer, field) for field in STAFF_ONLY_IDENTITY}
            _clean_identity(errors, merged | kept)
            _refuse_staff_only(errors, tried)
    errors.raise_if_any()
    with transaction.atomic():
        locked = locks.locked_customer(customer.pk)
        changed = {f: [getattr(locked, f), v] for f, v in identity.items() if getattr(locked, f) != v}
        if not changed:
            return locked
        if "tax_id" in changed:
            _check_unique_tax_id(identity["tax_id"], actor=actor, exclude=locked)
        for field, (_before, after) in changed.items():
            setattr(locked, field, after)
        if "tax_id" in changed or "country" in changed:
            # A new VAT number has not been checked by VIES.
            locked.vies_status, locked.vies_checked_at, locked.vies_reference = ViesStatus.UNCHECKED, None, ""
            changed_fields = [*changed, "vies_status", "vies_checked_at", "vies_reference"]
        else:
            changed_fields = list(changed)
        locked.save(update_fields=[*changed_fields, "updated_at"])
        record_event("customers.changed", actor=actor, target=locked, data={"changes": changed})
    return locked


def change_customer(
    *, actor: User, customer: Customer, address: dict[str, str] | None = None, **values: Any
) -> Customer:
    """Identity fields, profile fields (a new version) and billing address at once.

    All or nothing: a refusal of any part saves no part. Address errors are
    keyed "address.<field>" as in create_customer.
    """
    identity = {field: values.pop(field) for field in IDENTITY_FIELDS if field in values}
    profile = {field: values.pop(field) for field in PROFILE_FIELDS if field in values}
    if values:
        raise TypeError(f"Unknown customer fields: {sorted(values)}")
    with transaction.atomic():
        if identity:
            customer = update_customer(actor=actor, customer=customer, **identity)
        if profile:
            change_tax_profile(actor=actor, customer=customer, **profile)
        if address:
            billing = customer.addresses.filter(is_billing=True).first()
            before = {field: getattr(billing, field) for field in ADDRESS_FIELDS} if billing else {}
            try:
                save_address(actor=actor, customer=customer, values=before | address, address=billing)
            except ValidationError as error:
                raise ValidationError(
                    {f"address.{key}": errors for key, errors in error.error_dict.items()}
                ) from None
    return customer


def check_changes(
    *, actor: User, customer: Customer, address: dict[str, str] | None = None, **values: Any
) -> dict[str, Any]:
    """What change_customer would change, checked and normalised as it would save it, keeping
    only what differs from the current values ("address": the whole billing address); saves
    nothing. Errors are keyed as change_customer's; a tax identifier another customer has is
    refused as for `actor`. Change requests check what a customer asks for with it.
    """
    identity = {field: values.pop(field) for field in IDENTITY_FIELDS if field in values}
    profile = {field: values.pop(field) for field in PROFILE_FIELDS if field in values}
    if values:
        raise TypeError(f"Unknown customer fields: {sorted(values)}")
    errors = FieldErrors()
    current = {field: getattr(customer, field) for field in IDENTITY_FIELDS}
    cleaned = _clean_identity(errors, current | identity)
    changes: dict[str, Any] = {
        field: cleaned[field] for field in identity if cleaned[field] != current[field]
    }
    profile = _clean_profile(errors, profile)
    before = current_profile(customer)
    errors.check(lambda: _new_profile_version(customer, actor=actor, values=profile))
    changes |= {field: value for field, value in profile.items() if getattr(before, field) != value}
    if address is not None:
        billing = customer.addresses.filter(is_billing=True).order_by("pk").first()
        old = {field: getattr(billing, field) for field in ADDRESS_FIELDS} if billing else {}
        new = errors.check(lambda: _clean_address(old | address), prefix="address.")
        if new is not None and new != old:
            changes["address"] = new
    errors.raise_if_any()
    if "tax_id" in changes:
        _check_unique_tax_id(changes["tax_id"], actor=actor, exclude=customer)
    return changes


def save_address(
    *, actor: User, customer: Customer, values: dict[str, str], address: Address | None = None
) -> Address:
    """Add an address, or change one; errors are keyed by the address field.

    A customer's user may not change an address's country and adds addresses in the customer's
    country only (code "staff_only"): the billing address's country is the buyer's on invoices.
    """
    if not actor.is_staff:
        _refuse_other_country(customer, values, address)
    cleaned = _clean_address(values)
    with transaction.atomic():
        if address is None:
            address = Address.objects.create(
                customer=customer, is_billing=not customer.addresses.exists(), **cleaned
            )
            record_event("customers.address_added", actor=actor, target=customer, data=cleaned)
            return address
        changed = {k: [getattr(address, k), v] for k, v in cleaned.items() if getattr(address, k) != v}
        if changed:
            for key, (_before, after) in changed.items():
                setattr(address, key, after)
            address.save(update_fields=list(changed))
            record_event(
                "customers.address_changed",
                actor=actor,
                target=customer,
                data={"address": address.pk, "changes": changed},
            )
    return address


def update_customer_and_billing_address(
    *,
    actor: User,
    customer: Customer,
    details: dict[str, Any],
    address_values: dict[str, str],
    address: Address | None,
) -> Customer:
    """The staff edit page's one save: the details and the billing address together or not at all.

    Two saves on one page dropped one of them silently; now the errors of both are reported at
    once (the address's keyed "address.<field>") and an error in either saves neither."""
    errors = FieldErrors()
    with transaction.atomic():
        updated = errors.check(lambda: update_customer(actor=actor, customer=customer, **details))
        errors.check(
            lambda: save_address(actor=actor, customer=customer, values=address_values, address=address),
            prefix="address.",
        )
        if errors.by_field:
            transaction.set_rollback(True)
    errors.raise_if_any()
    assert updated is not None
    return updated


def _refuse_other_country(customer: Customer, values: dict[str, str], address: Address | None) -> None:
    country = (values.get("country") or "").strip().upper()
    if address is not None:
        if country != address.country:
            errors = FieldErrors()
            _refuse_staff_only(errors, ["country"])
            errors.raise_if_any()
    elif country != customer.country:
        message = _(
            "An address you add is in your country (%(country)s); to add one elsewhere, request a change."
        )
        raise ValidationError(
            {"country": ValidationError(message, code="staff_only", params={"country": customer.country})}
        )


def delete_address(*, actor: User, address: Address) -> None:
    """Remove an address; the billing address goes only when another takes its place."""
    with transaction.atomic():
        if address.is_billing:
            successor = address.customer.addresses.exclude(pk=address.pk).order_by("id").first()
            if successor is None:
                raise ValidationError(
                    _("The billing address cannot be removed; change it instead."), code="billing_address"
                )
            successor.is_billing = True
            successor.save(update_fields=["is_billing"])
        address.delete()
        record_event(
            "customers.address_removed", actor=actor, target=address.customer, data={"address": str(address)}
        )


def _clean_profile(errors: FieldErrors, values: dict[str, Any]) -> dict[str, Any]:
    """Profile values with their text checked; the model checks choices and bounds."""
    cleaned = dict(values)
    if "invoice_email" in cleaned:
        cleaned["invoice_email"] = check_text(
            errors, "invoice_email", str(cleaned["invoice_email"] or ""), max_length=MAX_EMAIL
        )
    return cleaned


def _check_payment_terms(days: Any) -> None:
    """0..MAX_PAYMENT_TERMS_DAYS, with one message for staff and customers (the model checks the type)."""
    if isinstance(days, int) and not 0 <= days <= MAX_PAYMENT_TERMS_DAYS:
        raise ValidationError(
            {"payment_terms_days": ValidationError(str(PAYMENT_TERMS_MESSAGE), code="max_value")}
        )


def _profile_defaults(country: str) -> dict[str, Any]:
    return {
        "currency": "RON" if country == "RO" else "EUR" if country in EU_MEMBER_STATES else "USD",
        "document_language": "ro" if country == "RO" else "bg" if country == "BG" else "en",
    }


def _new_profile_version(customer: Customer, *, actor: User | None, values: dict[str, Any]) -> TaxProfile:
    """The next version with `values` over the current one, checked but not saved."""
    unknown = set(values) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown profile fields: {sorted(unknown)}")
    last = current_profile_or_none(customer)
    profile = TaxProfile(
        customer=customer,
        version=(last.version + 1) if last else 1,
        valid_from=timezone.now(),
        created_by=actor,
        **{field: getattr(last, field) for field in PROFILE_FIELDS if last},
    )
    for field, value in values.items():
        setattr(profile, field, value)
    _check_payment_terms(profile.payment_terms_days)
    profile.full_clean(exclude=["customer", "created_by"])
    return profile


def _add_profile_version(customer: Customer, *, actor: User | None, values: dict[str, Any]) -> TaxProfile:
    profile = _new_profile_version(customer, actor=actor, values=values)
    profile.save()
    return profile


def change_tax_profile(*, actor: User, customer: Customer, **changes: Any) -> TaxProfile:
    """Record new tax/billing data as a new version; earlier versions stay as they were.

    A customer's user may change the invoice email and document language only; the rest
    (STAFF_ONLY_PROFILE) is refused with the code "staff_only".

    Returns the current version (unchanged when nothing differs).
    """
    errors = FieldErrors()
    changes = _clean_profile(errors, changes)
    if not actor.is_staff:
        before = current_profile(customer)
        _refuse_staff_only(
            errors, [f for f in STAFF_ONLY_PROFILE if f in changes and changes[f] != getattr(before, f)]
        )
    errors.raise_if_any()
    with transaction.atomic():
        customer = locks.locked_customer(customer.pk)
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
