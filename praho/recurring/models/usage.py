"""Metered items of a plan (billed in arrears from provisioning's usage samples) and what was billed."""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from praho.core.money import Currency
from praho.core.validation import fiscal_today


class Measure(models.TextChoices):
    BANDWIDTH_GB = "bandwidth_gb", _("Bandwidth (GB)")
    DISK_GB = "disk_gb", _("Disk (GB, the period's peak)")
    VM_HOURS = "vm_hours", _("Machine hours")


class TierMode(models.TextChoices):
    FLAT = "flat", _("One unit price")
    GRADUATED = "graduated", _("Graduated: each tier's units at its price")
    VOLUME = "volume", _("Volume: all units at the price of the tier reached")


class MeteredItem(models.Model):
    """What a plan bills by use in one currency: units over `included` at `unit_price`, or by tiers
    [{"up_to": "100", "unit_price": "0.50"}, …, {"up_to": null, "unit_price": "0.20"}]."""

    plan = models.ForeignKey("catalog.Plan", on_delete=models.CASCADE, related_name="metered_items")
    measure = models.CharField(_("measure"), max_length=16, choices=Measure.choices)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    included = models.DecimalField(
        _("included quantity"), max_digits=12, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    tier_mode = models.CharField(_("pricing"), max_length=10, choices=TierMode.choices, default=TierMode.FLAT)
    unit_price = models.DecimalField(
        _("unit price"), max_digits=12, decimal_places=4, default=0, validators=[MinValueValidator(0)]
    )
    tiers = models.JSONField(_("tiers"), default=list, blank=True)
    # Usage from this day on is billed (no charge reaches back before it): a plan given a metered
    # item does not bill its services' earlier samples.
    billed_from = models.DateField(_("bills usage from"), default=fiscal_today)

    class Meta:
        verbose_name = _("metered item")
        verbose_name_plural = _("metered items")
        constraints = [
            models.UniqueConstraint(fields=["plan", "measure", "currency"], name="recurring_metered_once")
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.measure} {self.currency}"


class UsageCharge(models.Model):
    """One metered item's use in one period of a service, billed on a renewal document once."""

    service = models.ForeignKey("orders.Service", on_delete=models.PROTECT, related_name="usage_charges")
    item = models.ForeignKey(MeteredItem, on_delete=models.PROTECT, related_name="charges")
    period_number = models.PositiveIntegerField(_("period"))
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=4)
    billed_quantity = models.DecimalField(_("billed quantity"), max_digits=14, decimal_places=4)
    net_amount = models.DecimalField(_("amount without VAT"), max_digits=14, decimal_places=2)
    document = models.ForeignKey("billing.Document", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("billed"), auto_now_add=True)

    class Meta:
        verbose_name = _("usage charge")
        verbose_name_plural = _("usage charges")
        constraints = [
            models.UniqueConstraint(
                fields=["service", "item", "period_number"], name="recurring_usage_once_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.service_id} {self.item_id} {self.period_start}"


class BilledSample(models.Model):
    """A usage sample counted in a charge: each sample is billed once per item, so a sample that
    came late (after its period was billed) goes to the next charge and never to two."""

    sample = models.ForeignKey("provisioning.UsageSample", on_delete=models.CASCADE, related_name="+")
    charge = models.ForeignKey(UsageCharge, on_delete=models.CASCADE, related_name="samples")
    item = models.ForeignKey(MeteredItem, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["sample", "item"], name="recurring_sample_once")]

    def __str__(self) -> str:
        return f"{self.sample_id} in {self.charge_id}"
