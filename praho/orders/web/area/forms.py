"""The shop's forms. They only shape what was typed; the rules (cycles sold, quantity range,
domain names, add-ons offered, coupons) are quotes.quote()'s, whose field errors are put back
next to the fields here (add_quote_errors)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from praho.catalog.models import Cycle
from praho.orders.web.area.offer import Configurable


class ConfigureForm(forms.Form):
    cycle = forms.ChoiceField(label=_("Billing cycle"))
    quantity = forms.CharField(label=_("Quantity"), max_length=3, initial="1")
    domain = forms.CharField(
        label=_("Domain name"),
        max_length=253,
        required=False,
        help_text=_("The domain the service is for, e.g. example.ro."),
    )
    addons = forms.MultipleChoiceField(
        label=_("Add-ons"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, offer: Configurable, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.offer = offer
        plan = offer.plan
        cycle: Any = self.fields["cycle"]
        cycle.choices = offer.cycles
        quantity = self.fields["quantity"]
        quantity.widget = forms.NumberInput(
            attrs={"min": 1, "max": plan.max_quantity, "inputmode": "numeric"}
        )
        quantity.help_text = _("From 1 to %(max)d.") % {"max": plan.max_quantity}
        if plan.max_quantity == 1:
            quantity.widget = forms.HiddenInput()
        if not offer.needs_domain:  # else required: quote() says so, naming the plan
            del self.fields["domain"]
        if offer.addons:
            addons: Any = self.fields["addons"]
            addons.choices = [(str(addon.plan.pk), addon.plan.name) for addon in offer.addons]
        else:
            del self.fields["addons"]

    def item(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "plan": self.offer.plan.pk,
            "cycle": data["cycle"],
            "quantity": data["quantity"],
            "domain": data.get("domain", ""),
            "addons": [int(addon) for addon in data.get("addons", [])],
        }


class ChangeItemForm(forms.Form):
    cycle = forms.ChoiceField(label=_("Billing cycle"), choices=Cycle.choices)
    quantity = forms.CharField(label=_("Quantity"), max_length=3)


class CouponForm(forms.Form):
    coupon = forms.CharField(label=_("Coupon code"), max_length=40)


class CheckoutForm(forms.Form):
    total = forms.DecimalField(max_digits=14, decimal_places=2, widget=forms.HiddenInput)


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Why (optional)"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


# Where a quote's field errors for the new item go on the configure form.
ITEM_FIELDS = {"cycle": "cycle", "quantity": "quantity", "domain": "domain", "addons": "addons"}


def add_quote_errors(form: forms.Form, error: ValidationError, *, index: int | None = None) -> None:
    """Put the quote's errors next to the form's fields: `items.<index>.cycle` on `cycle`,
    `items.<index>.addons.2` on `addons`, `coupon` on `coupon`; anything else above the form."""
    if not hasattr(error, "error_dict"):
        for message in error.messages:
            form.add_error(None, message)
        return
    prefix = f"items.{index}." if index is not None else None
    for key, messages in error.message_dict.items():
        target = None
        if prefix and key.startswith(prefix):
            name = ITEM_FIELDS.get(key.removeprefix(prefix).split(".")[0])
            target = name if name in form.fields else None
        elif key in form.fields:
            target = key
        for message in messages:
            form.add_error(target, message)
