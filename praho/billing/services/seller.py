"""The seller's data (our company, as printed on every document), changed by admins.

A change never edits a version: it adds the next one. Every issued document points
at the version in force when it was issued (Document.seller), so what an issued
invoice shows never changes; drafts and new documents use the newest version
(praho.billing.services.drafts.current_seller).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from praho.accounts.models import User
from praho.audit.services import record_event
from praho.billing.locks import lock_newest_seller_version
from praho.billing.models import SellerProfile
from praho.core.validation import FieldErrors, normalize_email
from praho.customers.rules import identifiers

ROMANIA = "RO"
TEXT_FIELDS = (
    "name",
    "tax_id",
    "trade_register_number",
    "street",
    "city",
    "county",
    "postal_code",
    "country",
    "iban",
    "bank_name",
    "email",
    "phone",
)
FLAG_FIELDS = ("vat_payer", "vat_on_cash_basis", "oss_registered")
SELLER_FIELDS = (*TEXT_FIELDS, *FLAG_FIELDS)
# The law requires these on every invoice (Codul fiscal art. 319(20)): both parties' names,
# tax ids, trade register numbers and addresses; the bank account is printed for payment.
REQUIRED_FIELDS = ("name", "tax_id", "trade_register_number", "street", "city", "iban", "bank_name")


def _max_length(field: str) -> int:
    return getattr(SellerProfile._meta.get_field(field), "max_length", None) or 255


def _required(errors: FieldErrors, values: dict[str, Any]) -> None:
    for field in REQUIRED_FIELDS:
        if not values[field]:
            errors.add(field, _("This field is required."), "required")


def _romanian_cui(value: str) -> str:
    return identifiers.normalize_tax_id(kind=identifiers.COMPANY, country=ROMANIA, value=value)


# Each raises a ValidationError keyed by its field, with python-stdnum doing the checksums.
_NORMALISERS: dict[str, Callable[[str], str]] = {
    "tax_id": _romanian_cui,
    "trade_register_number": identifiers.normalize_trade_register,
    "iban": identifiers.normalize_iban,
    "phone": identifiers.normalize_phone,
    "email": normalize_email,
}


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    """Every field checked and normalised like a Romanian company customer's
    (praho.customers.rules.identifiers); all errors at once, keyed by field."""
    text = {field: str(values.get(field) or "").strip() for field in TEXT_FIELDS}
    text["country"] = text["country"].upper() or ROMANIA
    errors = FieldErrors()
    _required(errors, text)
    if text["country"] != ROMANIA:
        # The VAT engine and the legal mentions are Romania's (praho.billing.rules.vat.SellerFacts).
        errors.add("country", _("The seller is a company registered in Romania."), "country")
    for field, normalise in _NORMALISERS.items():
        if text[field]:
            text[field] = errors.check(partial(normalise, text[field])) or ""
    # The county first; a Bucharest city must then be a sector (a missing city is reported above).
    if text["city"] or text["county"] not in identifiers.ROMANIAN_COUNTIES:
        errors.check(
            partial(
                identifiers.check_romanian_address, country=ROMANIA, county=text["county"], city=text["city"]
            )
        )
    for field in TEXT_FIELDS:
        if field not in errors.by_field and len(text[field]) > _max_length(field):
            errors.add(
                field,
                _("Use at most %(count)s characters.") % {"count": _max_length(field)},
                "max_length",
            )
    flags = {field: bool(values.get(field)) for field in FLAG_FIELDS}
    if flags["vat_on_cash_basis"] and not flags["vat_payer"]:
        # Cash-basis VAT (art. 282 Codul fiscal) is a scheme of VAT-registered companies only.
        errors.add("vat_on_cash_basis", _("Only a VAT payer can apply VAT on cash basis."), "not_vat_payer")
    errors.raise_if_any()
    return text | flags


def _shown(value: Any) -> Any:
    return value if isinstance(value, bool) else str(value)


def update_seller_profile(*, actor: User, **fields: Any) -> SellerProfile:
    """Save the seller's data as a new version; earlier versions stay as they were.

    `fields` are SellerProfile fields (SELLER_FIELDS); those not given keep the current
    version's values (the first version needs them all). The whole new version is
    checked: CUI and IBAN checksums, the ONRC number, a Romanian county (a Bucharest
    sector as city), cash-basis VAT only for a VAT payer. Returns the current version
    unchanged when nothing differs; otherwise the new one, audited with each changed
    field's old and new value.
    """
    unknown = set(fields) - set(SELLER_FIELDS)
    if unknown:
        raise TypeError(f"Unknown seller fields: {sorted(unknown)}")
    with transaction.atomic():
        # Lock the newest version so two admins saving at once get consecutive versions;
        # read it again afterwards, as the lock may have waited for another save to commit.
        lock_newest_seller_version()
        current = SellerProfile.objects.order_by("-version").first()
        before = {field: getattr(current, field) for field in SELLER_FIELDS} if current else {}
        clean = _clean(before | fields)
        changed = {field: value for field, value in clean.items() if before.get(field) != value}
        if current is not None and not changed:
            return current
        version = current.version + 1 if current else 1
        try:
            with transaction.atomic():
                seller = SellerProfile.objects.create(
                    version=version, valid_from=timezone.now(), created_by=actor, **clean
                )
        except IntegrityError:
            # Only the very first version can race (there was no row to lock).
            raise ValidationError(
                _("Someone else saved the seller's data at the same time; reload the page and try again."),
                code="concurrent",
            ) from None
        record_event(
            "billing.seller_profile_changed",
            actor=actor,
            target=seller,
            data={
                "version": version,
                "changes": {
                    field: {"old": _shown(before[field]) if current else None, "new": _shown(value)}
                    for field, value in changed.items()
                },
            },
        )
    return seller


# --- reading ------------------------------------------------------------------------------


def newest_version() -> SellerProfile | None:
    """The version new documents are issued with (documents.current_seller), or None before
    an admin has configured the seller."""
    return SellerProfile.objects.order_by("-version").first()


@dataclass(frozen=True)
class Change:
    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class VersionEntry:
    seller: SellerProfile
    first: bool
    changes: list[Change]  # what differs from the version before


def version_history() -> list[VersionEntry]:
    """Every version, newest first, each with the fields it changed (one query)."""
    versions = list(SellerProfile.objects.select_related("created_by").order_by("version"))
    history = [
        VersionEntry(
            seller=version,
            first=before is None,
            changes=[]
            if before is None
            else [
                Change(field, getattr(before, field), getattr(version, field))
                for field in SELLER_FIELDS
                if getattr(before, field) != getattr(version, field)
            ],
        )
        for before, version in zip([None, *versions], versions, strict=False)
    ]
    return history[::-1]
