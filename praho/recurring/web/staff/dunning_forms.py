"""Forms of the dunning pages: they shape input (types, lengths); the services check the rest
(praho.recurring.services.dunning_schedule) and name the field they refuse."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from praho.core.validation import validate_single_line
from praho.recurring.models import DunningAction

STATE_CHOICES = [
    ("", _("Any")),
    ("upcoming", _("Not due yet")),
    ("overdue", _("Overdue")),
    ("suspended", _("Services suspended for non-payment")),
    ("awaiting", _("Termination awaiting confirmation")),
]


class _CustomerPicked(forms.Form):
    customer = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    customer_q = forms.CharField(required=False)  # the picker's search box (cut to 100 characters)

    def shown_fields(self) -> list[forms.BoundField]:
        """The fields rendered one by one; the customer picker is rendered apart."""
        return [self[name] for name in self.fields if name not in ("customer", "customer_q")]


class QueueFilterForm(_CustomerPicked):
    state = forms.ChoiceField(label=_("State"), required=False, choices=STATE_CHOICES)


class StepForm(forms.Form):
    days = forms.CharField(
        label=_("Days after the due date"),
        max_length=5,
        help_text=_("Negative before the due date: -7 is a week before, 0 the due date, 10 ten days after."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    action = forms.ChoiceField(label=_("Action"), choices=[("", "—"), *DunningAction.choices])

    def values(self) -> dict[str, Any]:
        return {"days": self.cleaned_data["days"], "action": self.cleaned_data["action"]}


class ExemptionForm(_CustomerPicked):
    reason = forms.CharField(
        label=_("Reason"), max_length=500, validators=[validate_single_line], required=False
    )
