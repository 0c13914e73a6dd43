"""Forms of the staff catalog pages. They shape input (types, lengths, choices); the rules and
their messages are the services' (praho.catalog.services), shown next to the fields they name."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from praho.billing.web.staff.money_forms import DateInput, NumberField
from praho.catalog.models import (
    Cycle,
    GroupKind,
    Module,
    Plan,
    ProductGroup,
    RelationBilling,
    RelationKind,
    Visibility,
)
from praho.core.money import Currency
from praho.core.validation import EARLIEST_DATE, LATEST_DATE, validate_date_range

LANGUAGE_LABELS = {"en": _("English"), "ro": _("Romanian"), "bg": _("Bulgarian")}


def iso_date(label: Any, **options: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        input_formats=["%Y-%m-%d"],
        widget=DateInput(attrs={"min": EARLIEST_DATE.isoformat(), "max": LATEST_DATE.isoformat()}),
        validators=[validate_date_range],
        **options,
    )


def _code(**attrs: str) -> forms.CharField:
    return forms.CharField(
        label=_("Code"),
        max_length=40,
        help_text=_("Lower-case letters, digits and dashes, e.g. vps-m."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", **attrs}),
    )


class TranslatedForm(forms.Form):
    """Name and description in English (required), Romanian and Bulgarian."""

    name_en = forms.CharField(label=_("Name (English)"), max_length=120)
    name_ro = forms.CharField(label=_("Name (Romanian)"), max_length=120, required=False)
    name_bg = forms.CharField(label=_("Name (Bulgarian)"), max_length=120, required=False)
    description_en = forms.CharField(
        label=_("Description (English)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    description_ro = forms.CharField(
        label=_("Description (Romanian)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    description_bg = forms.CharField(
        label=_("Description (Bulgarian)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class GroupForm(TranslatedForm):
    code = _code()
    kind = forms.ChoiceField(label=_("Kind"), choices=GroupKind.choices)
    position = forms.IntegerField(label=_("Position"), min_value=0, max_value=32767, initial=0)
    visible = forms.BooleanField(label=_("Shown in the catalog"), required=False, initial=True)

    field_order = ["code", "kind", "position", "visible"]


class FeatureForm(TranslatedForm):
    code = _code()
    unit = forms.CharField(label=_("Unit"), max_length=16, required=False, help_text=_("GB, pcs, ..."))
    position = forms.IntegerField(label=_("Position"), min_value=0, max_value=32767, initial=0)

    field_order = ["code", "unit", "position"]


# The module parameters each module takes, as form fields (the service checks them).
MODULE_FIELDS: dict[str, tuple[str, ...]] = {
    Module.VIRTUALMIN: ("package",),
    Module.HESTIACP: ("package",),
    Module.PROXMOX: ("template", "cores", "memory_mb", "disk_gb"),
}


class PlanForm(TranslatedForm):
    group = forms.ModelChoiceField(label=_("Group"), queryset=ProductGroup.objects.order_by("position", "id"))
    code = _code()
    visibility = forms.ChoiceField(label=_("Visibility"), choices=Visibility.choices)
    module = forms.ChoiceField(
        label=_("Provisioning module"),
        required=False,
        choices=[("", _("None (set up by hand)")), *Module.choices],
    )
    package = forms.CharField(
        label=_("Panel package"),
        required=False,
        max_length=64,
        help_text=_("Virtualmin or HestiaCP: the package (plan) name on the panel."),
    )
    template = forms.IntegerField(
        label=_("Template VM id"), required=False, help_text=_("Proxmox: the template to clone.")
    )
    cores = forms.IntegerField(label=_("vCPU cores"), required=False)
    memory_mb = forms.IntegerField(label=_("Memory (MB)"), required=False)
    disk_gb = forms.IntegerField(label=_("Disk (GB)"), required=False)
    position = forms.IntegerField(label=_("Position"), min_value=0, max_value=32767, initial=0)
    max_quantity = forms.IntegerField(
        label=_("Most per order line"),
        initial=1,
        help_text=_("1 for accounts and servers; more for add-ons such as extra IP addresses."),
    )
    requires_domain = forms.BooleanField(label=_("Asks for a domain name"), required=False)
    flag = forms.CharField(
        label=_("Feature flag"),
        max_length=100,
        required=False,
        help_text=_("Offered only to those this flag is on for; empty for everyone."),
    )

    field_order = [
        "group",
        "code",
        "visibility",
        "module",
        "package",
        "template",
        "cores",
        "memory_mb",
        "disk_gb",
        "position",
        "max_quantity",
        "requires_domain",
        "flag",
    ]

    def service_values(self) -> dict[str, Any]:
        """The cleaned values as save_plan takes them (module parameters gathered)."""
        values = dict(self.cleaned_data)
        module = values.get("module") or ""
        names = {name for module_names in MODULE_FIELDS.values() for name in module_names}
        every = {name: values.pop(name, None) for name in names}
        params = {name: every[name] for name in MODULE_FIELDS.get(module, ())}
        values["module_params"] = params
        return values

    @staticmethod
    def initial_of(plan: Plan) -> dict[str, Any]:
        fields = [name for name in PlanForm.base_fields if hasattr(plan, name)]
        initial = {name: getattr(plan, name) for name in fields}
        initial.update(plan.module_params or {})
        return initial


class FeatureLimitsForm(forms.Form):
    """One row per feature: whether the plan has it and its limit (empty: unlimited)."""

    def __init__(self, *args: Any, features: list[Any], current: dict[int, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.features = features
        for feature in features:
            has = feature.pk in current
            limit = current.get(feature.pk)
            self.fields[f"has_{feature.code}"] = forms.BooleanField(
                label=feature.name, required=False, initial=has
            )
            self.fields[f"limit_{feature.code}"] = NumberField(
                label=_("Limit of %(feature)s") % {"feature": feature.name},
                example="10",
                required=False,
                initial=limit,
                help_text=_("Empty for unlimited."),
            )

    def rows(self) -> list[tuple[Any, forms.BoundField, forms.BoundField]]:
        return [(f, self[f"has_{f.code}"], self[f"limit_{f.code}"]) for f in self.features]

    def limits(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {f.code: data.get(f"limit_{f.code}") for f in self.features if data.get(f"has_{f.code}")}


class PriceForm(forms.Form):
    cycle = forms.ChoiceField(label=_("Billing cycle"), choices=Cycle.choices)
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices)
    amount = NumberField(label=_("Price without VAT"), example="49.90")
    setup_fee = NumberField(label=_("Setup fee without VAT"), example="0.00", required=False)
    valid_from = iso_date(
        _("Valid from"),
        help_text=_("Today or a later day; a planned price replaces one planned for the same day."),
    )


class RelationForm(forms.Form):
    kind = forms.ChoiceField(label=_("Relationship"), choices=RelationKind.choices)
    other = forms.ModelChoiceField(label=_("Other plan"), queryset=Plan.objects.order_by("code"))
    billing = forms.ChoiceField(label=_("Billing"), choices=RelationBilling.choices)
    discount_percent = NumberField(label=_("Discount (%)"), example="50", required=False)
    cycles = forms.MultipleChoiceField(
        label=_("Only with these cycles"),
        choices=Cycle.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: every cycle."),
    )


class PlanFilterForm(forms.Form):
    group = forms.ModelChoiceField(
        label=_("Group"),
        required=False,
        queryset=ProductGroup.objects.order_by("position", "id"),
        empty_label=_("Any"),
    )
    visibility = forms.ChoiceField(
        label=_("Visibility"), required=False, choices=[("", _("Any")), *Visibility.choices]
    )
