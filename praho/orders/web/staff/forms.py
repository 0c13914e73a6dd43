"""Forms of the staff orders pages. They only shape input (types, lengths, choices); the services
(praho.orders.services) check the rest and their errors, keyed by field, are put next to these
fields by the views."""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from praho.catalog.models import Cycle, Plan, Visibility
from praho.core.money import Currency
from praho.core.validation import EARLIEST_DATE, LATEST_DATE, validate_date_range
from praho.core.widgets import live_filter
from praho.orders.models import OrderStatus, ServiceStatus

ITEM_ROWS = 5
TARGETS_TEXT_MAX = 20_000  # the users or customers of a flag, as typed


def _date(label: Any) -> forms.DateField:
    attrs = {"type": "date", "min": EARLIEST_DATE.isoformat(), "max": LATEST_DATE.isoformat()}
    return forms.DateField(
        label=label, required=False, widget=forms.DateInput(attrs=attrs), validators=[validate_date_range]
    )


class _CustomerPicked(forms.Form):
    customer = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    customer_q = forms.CharField(required=False)  # the picker's search box (cut to 100 characters)

    def shown_fields(self) -> list[forms.BoundField]:
        """The fields rendered one by one; the customer picker is rendered apart."""
        return [self[name] for name in self.fields if name not in ("customer", "customer_q")]


class OrderFilterForm(_CustomerPicked):
    status = forms.ChoiceField(label=_("Status"), required=False)
    placed_from = _date(_("Placed from"))
    placed_to = _date(_("Placed to"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        status = self.fields["status"]
        assert isinstance(status, forms.ChoiceField)
        status.choices = [
            ("", _("Placed (not carts)")),
            ("all", _("Any, carts included")),
            *OrderStatus.choices,
        ]
        for name in ("status", "placed_from", "placed_to"):
            self.fields[name].widget.attrs.update(live_filter(reverse_lazy("orders:orders")))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("placed_from"), cleaned.get("placed_to")
        if start and end and start > end:
            self.add_error("placed_to", _("The end of the period is before its start."))
        return cleaned


def _plan_choices(*, blank: Any = None, orderable: bool = False) -> list[tuple[Any, Any]]:
    """Plans grouped by their product group, by id (one query); `orderable`: retired ones left out."""
    groups: dict[str, list[tuple[str, str]]] = {}
    plans = Plan.objects.select_related("group")
    if orderable:
        plans = plans.exclude(visibility=Visibility.RETIRED)
    for plan in plans:
        groups.setdefault(plan.group.name, []).append((str(plan.pk), f"{plan.name} ({plan.code})"))
    choices: list[tuple[Any, Any]] = [("", blank)] if blank is not None else []
    return choices + list(groups.items())


class ServiceFilterForm(_CustomerPicked):
    status = forms.ChoiceField(label=_("Status"), required=False)
    plan = forms.ChoiceField(label=_("Plan"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        status, plan = self.fields["status"], self.fields["plan"]
        assert isinstance(status, forms.ChoiceField)
        assert isinstance(plan, forms.ChoiceField)
        status.choices = [("", _("Any")), *ServiceStatus.choices]
        plan.choices = _plan_choices(blank=_("Any"))
        for name in ("status", "plan"):
            self.fields[name].widget.attrs.update(live_filter(reverse_lazy("orders:services")))


class DecisionForm(forms.Form):
    """The note of an approval, or the reason of a refusal or cancellation."""

    text = forms.CharField(
        label=_("Reason"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )


# --- placing an order for a customer -------------------------------------------------------------


class PlaceOrderForm(_CustomerPicked):
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices)
    coupon = forms.CharField(label=_("Coupon code"), required=False, max_length=40)
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class ItemForm(forms.Form):
    """One item row; a row without a plan is left out."""

    plan = forms.ChoiceField(label=_("Plan"), required=False)
    cycle = forms.ChoiceField(label=_("Billing cycle"), required=False, choices=[("", "—"), *Cycle.choices])
    quantity = forms.IntegerField(label=_("Quantity"), required=False, min_value=1, max_value=100, initial=1)
    domain = forms.CharField(label=_("Domain"), required=False, max_length=253)
    addons = forms.MultipleChoiceField(
        label=_("Add-ons"), required=False, widget=forms.SelectMultiple(attrs={"size": 4})
    )

    def __init__(self, *args: Any, plans: list[tuple[Any, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        plan, addons = self.fields["plan"], self.fields["addons"]
        assert isinstance(plan, forms.ChoiceField)
        assert isinstance(addons, forms.MultipleChoiceField)
        plan.choices = [("", "—"), *plans]
        addons.choices = plans

    def item(self) -> dict[str, Any] | None:
        """The item as place_order takes it; None for an empty row."""
        data = self.cleaned_data
        if not data.get("plan"):
            return None
        item: dict[str, Any] = {
            "plan": int(data["plan"]),
            "cycle": data.get("cycle") or "",
            "quantity": data.get("quantity") or 1,
        }
        if data.get("domain"):
            item["domain"] = data["domain"].strip()
        if data.get("addons"):
            item["addons"] = [int(pk) for pk in data["addons"]]
        return item


def item_forms(data: Any = None) -> list[ItemForm]:
    plans = _plan_choices(orderable=True)
    return [ItemForm(data, plans=plans, prefix=f"items-{index}") for index in range(ITEM_ROWS)]


# --- policy ------------------------------------------------------------------------------------------


class ReviewFlagForm(_CustomerPicked):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class ThresholdForm(forms.Form):
    def __init__(self, *args: Any, current: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for currency in Currency.values:
            self.fields[currency] = forms.CharField(
                label=_("Approval needed from (%(currency)s, VAT included)") % {"currency": currency},
                required=False,
                max_length=20,
                initial=current.get(currency, ""),
                help_text=_("Empty: no threshold in this currency."),
                widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
            )


EVERYONE_CHOICES = [
    ("", _("Not set: as the other rules say")),
    ("on", _("On for everyone")),
    ("off", _("Off for everyone")),
]


class FeatureFlagForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("Lower-case letters, digits, dashes and underscores; what the code and plans ask for."),
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
    everyone = forms.ChoiceField(label=_("Everyone"), required=False, choices=EVERYONE_CHOICES)
    percent = forms.CharField(
        label=_("Share of customers (%)"),
        required=False,
        max_length=5,
        help_text=_("0 to 99.9; the same customers stay in the share."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    users = forms.CharField(
        label=_("Users"),
        required=False,
        max_length=TARGETS_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false"}),
        help_text=_("Their emails, separated by spaces, commas or lines."),
    )
    customers = forms.CharField(
        label=_("Customers"),
        required=False,
        max_length=TARGETS_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false"}),
        help_text=_("Their tax IDs, emails or #numbers, separated by spaces, commas or lines."),
    )
    plans = forms.MultipleChoiceField(
        label=_("Plans"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("On for customers with a pending, active or suspended service on one of them."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        plans = self.fields["plans"]
        assert isinstance(plans, forms.MultipleChoiceField)
        plans.choices = _plan_choices()

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        everyone = {"on": True, "off": False}.get(data.get("everyone") or "")
        return {
            "name": data["name"],
            "note": data.get("note", ""),
            "everyone": everyone,
            "percent": data.get("percent", ""),
            "users": data.get("users", ""),
            "customers": data.get("customers", ""),
            "plans": data.get("plans", []),
        }
