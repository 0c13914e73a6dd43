"""The staff coupon form: shapes input; praho.catalog.services.promotions checks the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from praho.billing.web.staff.money_forms import NumberField
from praho.catalog.models import Coupon, CouponKind, Cycle, Plan, ProductGroup
from praho.core.money import Currency


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


def _moment(label: Any, help_text: Any) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=False,
        input_formats=["%Y-%m-%dT%H:%M"],
        widget=DateTimeInput(),
        help_text=help_text,
    )


def _count(label: Any, help_text: Any) -> forms.IntegerField:
    return forms.IntegerField(label=label, required=False, min_value=1, help_text=help_text)


class CouponForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=40,
        help_text=_("What customers type, in any case, e.g. BUNVENIT10."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=CouponKind.choices, widget=forms.RadioSelect)
    percent = NumberField(label=_("Percent off"), example="10", required=False)
    periods = forms.IntegerField(
        label=_("Periods discounted"),
        required=False,
        min_value=1,
        initial=1,
        help_text=_("1 for the first period only; empty for every period."),
    )
    plans = forms.ModelMultipleChoiceField(
        label=_("Only for plans"),
        required=False,
        queryset=Plan.objects.order_by("code"),
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("None chosen: any plan."),
    )
    groups = forms.ModelMultipleChoiceField(
        label=_("Only for groups"),
        required=False,
        queryset=ProductGroup.objects.order_by("position", "id"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: any group."),
    )
    cycles = forms.MultipleChoiceField(
        label=_("Only for cycles"),
        required=False,
        choices=Cycle.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: any cycle."),
    )
    valid_from = _moment(_("Valid from"), _("Empty: at once."))
    valid_until = _moment(_("Valid until"), _("Empty: no end."))
    max_uses = _count(_("Uses in all"), _("Empty: no limit."))
    max_uses_per_customer = _count(_("Uses per customer"), _("Empty: no limit."))
    combinable = forms.BooleanField(
        label=_("Combinable"),
        required=False,
        help_text=_("Also applies to lines already discounted by a plan relationship."),
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for currency in Currency.values:
            self.fields[f"amount_{currency}"] = NumberField(
                label=_("Amount off in %(currency)s") % {"currency": currency},
                example="50.00",
                required=False,
            )
        for currency in Currency.values:
            self.fields[f"minimum_{currency}"] = NumberField(
                label=_("Minimum order in %(currency)s") % {"currency": currency},
                example="100.00",
                required=False,
                help_text=_("Without VAT, before discounts. Empty: none."),
            )

    def service_values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        amounts = {c: data.pop(f"amount_{c}") for c in Currency.values}
        minimum = {c: data.pop(f"minimum_{c}") for c in Currency.values}
        data["amounts"] = {c: v for c, v in amounts.items() if v is not None}
        data["minimum_order"] = {c: v for c, v in minimum.items() if v is not None}
        return data

    @staticmethod
    def initial_of(coupon: Coupon) -> dict[str, Any]:
        names = [name for name in CouponForm.base_fields if name not in ("plans", "groups")]
        initial: dict[str, Any] = {name: getattr(coupon, name) for name in names}
        initial["plans"] = list(coupon.plans.all())
        initial["groups"] = list(coupon.groups.all())
        for currency, amount in coupon.amounts.items():
            initial[f"amount_{currency}"] = amount
        for currency, amount in coupon.minimum_order.items():
            initial[f"minimum_{currency}"] = amount
        return initial

    def amount_fields(self) -> list[forms.BoundField]:
        return [self[f"amount_{c}"] for c in Currency.values]

    def minimum_fields(self) -> list[forms.BoundField]:
        return [self[f"minimum_{c}"] for c in Currency.values]
