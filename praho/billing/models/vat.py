"""VAT rates with the dates they are in force, and the VAT categories of EN 16931.

A rate row says: in this country, this kind of rate (standard or one of the
reduced rates) was this percentage from `valid_from` to `valid_to` (inclusive;
empty while it is in force). Periods of the same country, kind and name never
overlap: `clean()` refuses it and the seed checks its own data. The rules that
choose a rate live in praho.billing.rules.vat.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class VatCategory(models.TextChoices):
    """VAT category codes of UNCL 5305 as restricted by EN 16931 (BT-118, BT-151)."""

    STANDARD = "S", _("Standard rate")
    ZERO = "Z", _("Zero rated")
    EXEMPT = "E", _("Exempt from VAT")
    REVERSE_CHARGE = "AE", _("Reverse charge")
    INTRA_COMMUNITY = "K", _("Intra-community supply (VAT exempt)")
    EXPORT = "G", _("Export outside the EU (VAT not charged)")
    OUTSIDE_SCOPE = "O", _("Outside the scope of VAT")


class VatRateKind(models.TextChoices):
    STANDARD = "standard", _("Standard")
    REDUCED = "reduced", _("Reduced")


class VatRateQuerySet(models.QuerySet["VatRate"]):
    def in_force(self, on: date) -> VatRateQuerySet:
        """Rows whose period contains the day `on`."""
        return self.filter(valid_from__lte=on).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))


class VatRate(models.Model):
    country = models.CharField(
        _("country"),
        max_length=2,
        validators=[RegexValidator(r"^[A-Z]{2}$", _("An ISO 3166-1 alpha-2 code in capitals, e.g. RO."))],
        help_text=_("ISO 3166-1 alpha-2 code: GR for Greece (its VAT numbers start with EL)."),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=VatRateKind.choices)
    # A country may have several reduced rates in force at once; they are numbered
    # from the highest ("1", "2", ...). The standard rate has no name.
    name = models.CharField(
        _("name"),
        max_length=32,
        blank=True,
        default="",
        help_text=_("Tells a country's reduced rates apart: 1 is the highest, 2 the next."),
    )
    rate = models.DecimalField(_("rate (%)"), max_digits=5, decimal_places=2)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(
        _("valid to"), null=True, blank=True, help_text=_("The last day in force; empty while in force.")
    )

    objects = VatRateQuerySet.as_manager()

    class Meta:
        verbose_name = _("VAT rate")
        verbose_name_plural = _("VAT rates")
        ordering = ("country", "kind", "name", "valid_from")
        constraints = [
            models.UniqueConstraint(
                fields=["country", "kind", "name", "valid_from"], name="billing_vat_rate_period_start"
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="billing_vat_rate_period_order",
            ),
            models.CheckConstraint(
                condition=Q(rate__gte=0) & Q(rate__lte=100), name="billing_vat_rate_percentage"
            ),
        ]

    def __str__(self) -> str:
        until = self.valid_to.isoformat() if self.valid_to else "open"
        label = f"{self.kind} {self.name}".strip()
        return f"{self.country} {label} {self.rate}% ({self.valid_from.isoformat()} to {until})"

    def clean(self) -> None:
        super().clean()
        if self.valid_from is None:
            return
        overlapping = VatRate.objects.filter(country=self.country, kind=self.kind, name=self.name).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=self.valid_from)
        )
        if self.valid_to is not None:
            overlapping = overlapping.filter(valid_from__lte=self.valid_to)
        if self.pk is not None:
            overlapping = overlapping.exclude(pk=self.pk)
        other = overlapping.first()
        if other is not None:
            raise ValidationError(
                {
                    "valid_from": ValidationError(
                        _("This period overlaps another rate of the same country and kind: %(other)s."),
                        code="overlap",
                        params={"other": str(other)},
                    )
                }
            )
