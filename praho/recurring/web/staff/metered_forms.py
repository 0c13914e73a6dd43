"""The staff metered item form: shapes input (the tiers typed one per line); the rules are
praho.recurring.services.metered's, whose errors the view puts next to the fields they name."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from praho.billing.web.staff.money_forms import DateInput, NumberField
from praho.catalog.models import Plan
from praho.core.formatting import typed_number
from praho.core.money import Currency
from praho.core.validation import validate_date_range
from praho.recurring.models import Measure, MeteredItem, TierMode
from praho.recurring.rules.rating import MAX_TIERS

OPEN = "*"  # the last tier's limit: everything above
TIERS_MAX_LENGTH = 1000


class PlanChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} · {obj.name}"


def tiers_from_text(text: str) -> list[dict[str, str | None]]:
    """ "100: 0,50" lines (the last "*: 0,20") as the service's tiers; a ValidationError naming
    the line that is not written so. The numbers are read and checked by the service."""
    tiers: list[dict[str, str | None]] = []
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) > MAX_TIERS:
        raise ValidationError(gettext("Use at most %(max)s tiers.") % {"max": MAX_TIERS}, code="too_many")
    for number, line in enumerate(lines, start=1):
        limit, colon, price = line.partition(":")
        if not colon or not limit.strip() or not price.strip():
            message = gettext(
                "Line %(n)s: write “up to: unit price”, such as “100: 0.50”, and “*: 0.20” for the last tier."
            )
            raise ValidationError(message % {"n": number}, code="invalid")
        limit = limit.strip()
        tiers.append({"up_to": None if limit == OPEN else limit, "unit_price": price.strip()})
    return tiers


def tiers_as_text(tiers: list[dict[str, Any]]) -> str:
    def shown(value: Any) -> str:
        return typed_number(Decimal(str(value)))

    return "\n".join(
        f"{OPEN if tier.get('up_to') is None else shown(tier['up_to'])}: {shown(tier['unit_price'])}"
        for tier in tiers
    )


class MeteredItemForm(forms.Form):
    plan = PlanChoice(label=_("Plan"), queryset=Plan.objects.order_by("code"))
    measure = forms.ChoiceField(label=_("Measure"), choices=Measure.choices)
    currency = forms.ChoiceField(
        label=_("Currency"), choices=Currency.choices, help_text=_("It bills services sold in this currency.")
    )
    included = NumberField(
        label=_("Included quantity"),
        example="100",
        required=False,
        help_text=_("GB or hours each period includes; only what is over it is billed. Empty: none."),
    )
    tier_mode = forms.ChoiceField(
        label=_("Pricing"), choices=TierMode.choices, initial=TierMode.FLAT, widget=forms.RadioSelect
    )
    unit_price = NumberField(
        label=_("Unit price"),
        example="0.50",
        required=False,
        help_text=_("Without VAT, per GB or hour, for one unit price."),
    )
    tiers = forms.CharField(
        label=_("Tiers"),
        required=False,
        max_length=TIERS_MAX_LENGTH,
        widget=forms.Textarea(
            attrs={"rows": 5, "spellcheck": "false", "placeholder": "100: 0.50\n500: 0.40\n*: 0.20"}
        ),
        help_text=_(
            "For graduated or volume pricing: one tier a line, “up to: unit price”, the limits counted "
            "over the included quantity and going up, the last line “*: price” for everything above; "
            "at most 10 tiers."
        ),
    )
    billed_from = forms.DateField(
        label=_("Bills usage from"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=DateInput(),
        validators=[validate_date_range],
        help_text=_("Usage before this day is never billed. Empty: today."),
    )

    def clean_tiers(self) -> list[dict[str, str | None]]:
        return tiers_from_text(self.cleaned_data.get("tiers") or "")

    def service_values(self) -> dict[str, Any]:
        values = dict(self.cleaned_data)
        values["included"] = values.get("included") or Decimal("0")
        values["unit_price"] = values.get("unit_price") or Decimal("0")
        return values

    @staticmethod
    def initial_of(item: MeteredItem) -> dict[str, Any]:
        return {
            "plan": item.plan_id,
            "measure": item.measure,
            "currency": item.currency,
            "included": item.included,
            "tier_mode": item.tier_mode,
            "unit_price": item.unit_price,
            "tiers": tiers_as_text(item.tiers),
            "billed_from": item.billed_from,
        }
