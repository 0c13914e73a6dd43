"""Feature flags (django-waffle's flag, swapped in by WAFFLE_FLAG_MODEL) that staff also turn on
per customer and per plan; the percentage is a stable share of customers, not a coin per request."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from waffle.models import AbstractUserFlag


class FeatureFlag(AbstractUserFlag):
    customers = models.ManyToManyField(
        "customers.Customer", blank=True, related_name="+", verbose_name=_("customers")
    )
    plans = models.ManyToManyField(
        "catalog.Plan",
        blank=True,
        related_name="+",
        verbose_name=_("plans"),
        help_text=_("On for customers with a pending or active service on one of these plans."),
    )

    class Meta(AbstractUserFlag.Meta):
        verbose_name = _("feature flag")
        verbose_name_plural = _("feature flags")
