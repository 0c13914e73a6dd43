"""Exchange rates: RON per unit of a currency we invoice in, for one day.

Most rows come from the National Bank of Romania's daily reference rates
(source "bnr"); staff may enter a rate by hand for a day BNR has not published
(source "manual"). The rules about which one wins live in praho/billing/services/fx.py.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from praho.core.money import Currency

# The currencies an invoice can be in besides RON: each needs a rate to show its VAT in RON.
FOREIGN_CURRENCIES: tuple[str, ...] = tuple(code for code in Currency.values if code != Currency.RON)

# BNR publishes four decimals per quoted amount; a rate quoted per 100 units
# (HUF, JPY, ...) needs two more once divided down to one unit.
RATE_DECIMAL_PLACES = 6
_FOUR_PLACES = Decimal("0.0001")


class RateSource(models.TextChoices):
    BNR = "bnr", _("BNR")
    MANUAL = "manual", _("Entered by hand")


def rate_text(rate: Decimal) -> str:
    """A rate as BNR writes it: "5.0915" (at least four decimals, more only when needed)."""
    four = rate.quantize(_FOUR_PLACES)
    return str(four) if four == rate else f"{rate.normalize():f}"


class ExchangeRate(models.Model):
    currency = models.CharField(
        _("currency"), max_length=3, choices=[(code, code) for code in FOREIGN_CURRENCIES]
    )
    date = models.DateField(_("date"), help_text=_("The day the rate is for (Europe/Bucharest)."))
    rate = models.DecimalField(
        _("rate"),
        max_digits=12,
        decimal_places=RATE_DECIMAL_PLACES,
        help_text=_("RON for one unit of the currency."),
    )
    source = models.CharField(_("source"), max_length=8, choices=RateSource.choices)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ("-date", "currency")
        constraints = [
            # One rate per currency and day; its index also serves "the last rate on or before a day".
            models.UniqueConstraint(fields=["currency", "date"], name="billing_exchange_rate_one_per_day"),
            models.CheckConstraint(condition=Q(rate__gt=0), name="billing_exchange_rate_positive"),
        ]

    def __str__(self) -> str:
        return f"1 {self.currency} = {rate_text(self.rate)} RON ({self.date.isoformat()}, {self.source})"
