"""Coupons: a percent or a fixed amount per currency off some plans, groups or cycles."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _


class CouponKind(models.TextChoices):
    PERCENT = "percent", _("Percent")
    FIXED = "fixed", _("Fixed amount")


class Coupon(models.Model):
    # Stored upper case; customers type it in any case.
    code = models.CharField(_("code"), max_length=40)
    description = models.CharField(_("description"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=8, choices=CouponKind.choices)
    percent = models.DecimalField(
        _("percent off"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    # {"RON": "50.00", "EUR": "10.00"}: a fixed coupon applies only in the currencies it names.
    amounts = models.JSONField(_("amount off per currency"), default=dict, blank=True)
    plans = models.ManyToManyField(
        "catalog.Plan", blank=True, related_name="+", verbose_name=_("only for plans")
    )
    groups = models.ManyToManyField(
        "catalog.ProductGroup", blank=True, related_name="+", verbose_name=_("only for groups")
    )
    cycles = models.JSONField(_("only for cycles"), default=list, blank=True)
    # None: every period while the service lasts; 1: the first period only; N: the first N.
    periods = models.PositiveSmallIntegerField(
        _("periods discounted"),
        null=True,
        blank=True,
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_("1 for the first period only; empty for every period."),
    )
    valid_from = models.DateTimeField(_("valid from"), null=True, blank=True)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    max_uses = models.PositiveIntegerField(_("uses in all"), null=True, blank=True)
    max_uses_per_customer = models.PositiveIntegerField(_("uses per customer"), null=True, blank=True)
    # {"RON": "100.00"}: the order's net total before discounts must reach it in its currency.
    minimum_order = models.JSONField(_("minimum order value per currency"), default=dict, blank=True)
    combinable = models.BooleanField(
        _("combinable"),
        default=False,
        help_text=_("Also applies to lines already discounted by a plan relationship."),
    )
    active = models.BooleanField(_("active"), default=True)
    uses = models.PositiveIntegerField(_("times used"), default=0, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("coupon")
        verbose_name_plural = _("coupons")
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(Upper("code"), name="catalog_coupon_code_unique"),
            models.CheckConstraint(
                condition=Q(kind="fixed") | Q(percent__isnull=False), name="catalog_coupon_percent_set"
            ),
        ]

    def __str__(self) -> str:
        return self.code
