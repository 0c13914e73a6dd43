"""Customers: companies and people, their versioned tax and billing profile,
addresses and the users who act for them."""

from __future__ import annotations

import unicodedata
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from praho.core.invitations import InvitationBase
from praho.core.money import Currency


class CustomerKind(models.TextChoices):
    COMPANY = "company", _("Company")
    INDIVIDUAL = "individual", _("Individual")


class ViesStatus(models.TextChoices):
    UNCHECKED = "unchecked", _("Not checked")
    VALID = "valid", _("Valid")
    INVALID = "invalid", _("Invalid")


class CustomerQuerySet(models.QuerySet["Customer"]):
    def active(self) -> CustomerQuerySet:
        return self.filter(deleted_at__isnull=True)


class Customer(models.Model):
    kind = models.CharField(_("kind"), max_length=16, choices=CustomerKind.choices)
    name = models.CharField(
        _("name"), max_length=255, help_text=_("Legal name of a company, full name of a person.")
    )
    trade_name = models.CharField(_("trade name"), max_length=255, blank=True)
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166-1 alpha-2 code, e.g. RO."))
    # Normalised (see identifiers.normalize_tax_id) so "RO123" and "123" compare equal.
    tax_id = models.CharField(_("tax identifier"), max_length=32, blank=True, db_index=True)
    trade_register_number = models.CharField(_("trade register number"), max_length=32, blank=True)
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, help_text=_("E.164, e.g. +40721234567."))
    vies_status = models.CharField(
        _("VIES result"), max_length=16, choices=ViesStatus.choices, default=ViesStatus.UNCHECKED
    )
    vies_checked_at = models.DateTimeField(_("VIES checked at"), null=True, blank=True)
    vies_reference = models.CharField(_("VIES consultation reference"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True, db_index=True)
    # Lower-cased, accent-free name, trade name, tax id, email and phone, kept by
    # save(); one trigram index on PostgreSQL serves the staff search box.
    search_text = models.TextField(editable=False, default="")

    objects = CustomerQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ("name", "id")
        # Lists are ordered by name: the index gives any page without sorting every row.
        indexes = [models.Index(fields=["name", "id"], name="customers_name_id")]
        constraints = [
            # Across deleted customers too: restoring one can never clash.
            models.UniqueConstraint(
                fields=["tax_id"], condition=~Q(tax_id=""), name="customers_unique_tax_id"
            ),
        ]
        permissions = [("restore_customer", _("Can restore deleted customers"))]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.search_text = searchable_text(
            self.name, self.trade_name, self.tax_id, self.email, self.phone.lstrip("+")
        )
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "search_text"}
        super().save(*args, **kwargs)

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


def searchable_text(*parts: str) -> str:
    """Lower case without diacritics, so "ș" in a query matches "s" in a name and vice versa."""
    text = " ".join(part for part in parts if part)
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


# Law 72/2013 caps payment terms between businesses at 60 days unless both agree on longer ones
# that are not unfair to the seller; 120 days covers such agreements and refuses the absurd
# (365 days moves a due date past the next year's invoices).
MAX_PAYMENT_TERMS_DAYS = 120


def _payment_terms_message() -> str:
    return gettext("Payment terms are 0 to %(days)s days.") % {"days": MAX_PAYMENT_TERMS_DAYS}


# One translated message for the model, the forms and the API, in the language active when shown.
PAYMENT_TERMS_MESSAGE = lazy(_payment_terms_message, str)()


class TaxProfile(models.Model):
    """One version of a customer's tax and billing data; edits add a version.

    Issued documents point at the version in force when they were issued.
    """

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="tax_profiles")
    version = models.PositiveIntegerField(_("version"))
    vat_payer = models.BooleanField(_("VAT payer"), default=False)
    vat_on_cash_basis = models.BooleanField(_("VAT on cash basis (TVA la încasare)"), default=False)
    currency = models.CharField(
        _("default currency"), max_length=3, choices=Currency.choices, default=Currency.RON
    )
    payment_terms_days = models.PositiveSmallIntegerField(
        _("payment terms (days)"), default=14, validators=[MaxValueValidator(MAX_PAYMENT_TERMS_DAYS)]
    )
    invoice_email = models.EmailField(_("invoice email"), blank=True)
    document_language = models.CharField(
        _("document language"), max_length=8, choices=settings.LANGUAGES, default="ro"
    )
    valid_from = models.DateTimeField(_("valid from"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("tax and billing profile")
        verbose_name_plural = _("tax and billing profiles")
        ordering = ("customer", "-version")
        constraints = [
            models.UniqueConstraint(fields=["customer", "version"], name="customers_profile_version")
        ]

    def __str__(self) -> str:
        return f"{self.customer} v{self.version}"


class Address(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="addresses")
    street = models.CharField(_("street"), max_length=255)
    city = models.CharField(_("city"), max_length=128, help_text=_("In Bucharest: Sector 1 to Sector 6."))
    postal_code = models.CharField(_("postal code"), max_length=16, blank=True)
    county = models.CharField(
        _("county"), max_length=64, blank=True, help_text=_("In Romania: ISO 3166-2:RO code.")
    )
    country = models.CharField(_("country"), max_length=2)
    is_billing = models.BooleanField(_("billing address"), default=True)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        ordering = ("customer", "-is_billing", "id")

    def __str__(self) -> str:
        return ", ".join(part for part in (self.street, self.city, self.county, self.country) if part)


class MembershipRole(models.TextChoices):
    OWNER = "owner", _("Owner")
    BILLING = "billing", _("Billing")
    TECHNICAL = "technical", _("Technical")
    VIEWER = "viewer", _("Viewer")


class Membership(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=MembershipRole.choices)
    created_at = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["customer", "user"], name="customers_one_membership")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.customer} ({self.role})"


class Invitation(InvitationBase):
    """An emailed link that lets someone join a customer with a role (core.invitations)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="invitations")
    role = models.CharField(_("role"), max_length=16, choices=MembershipRole.choices)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"{self.email} -> {self.customer} ({self.role})"

    @staticmethod
    def default_expiry() -> Any:
        return timezone.now() + timedelta(days=settings.CUSTOMER_INVITATION_DAYS)


class ChangeRequestStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


class ChangeRequest(models.Model):
    """A customer's user asks staff to change what decides how the customer is invoiced
    (services.STAFF_ONLY_FIELDS and the billing address); staff approve or reject it.

    `changes` holds the requested values as the services normalised them when asked
    ({"country": "DE", "tax_id": "DE136695976", "address": {...}}), `previous` the values they
    were to replace then. A customer has at most one pending request.
    """

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="change_requests")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changes = models.JSONField(_("requested values"))
    previous = models.JSONField(_("values when requested"))
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=16, choices=ChangeRequestStatus.choices, default=ChangeRequestStatus.PENDING
    )
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.TextField(_("reason for the decision"), blank=True)

    class Meta:
        verbose_name = _("change request")
        verbose_name_plural = _("change requests")
        ordering = ("-created_at", "-id")
        # The staff list: pending requests, oldest first.
        indexes = [models.Index(fields=["status", "created_at"], name="customers_change_status")]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(status="pending"),
                name="customers_one_pending_change_request",
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer} #{self.pk} ({self.status})"

    @property
    def is_pending(self) -> bool:
        return self.status == ChangeRequestStatus.PENDING
