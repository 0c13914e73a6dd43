"""The inbox list's filter form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from praho.core.validation import validate_single_line
from praho.core.widgets import live_filter
from praho.inbox import handlers
from praho.inbox.models import EVENT_TYPE_MAX, EventStatus


class EventFilterForm(forms.Form):
    source = forms.ChoiceField(label=_("Source"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    event_type = forms.CharField(
        label=_("Type"),
        required=False,
        max_length=EVENT_TYPE_MAX,
        validators=[validate_single_line],
        help_text=_("Exactly as sent, e.g. checkout.session.completed."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        sources = [(source, source) for source in handlers.sources()]
        self.fields["source"].choices = [("", _("Any")), *sources]  # type: ignore[attr-defined]
        self.fields["status"].choices = [("", _("Any")), *EventStatus.choices]  # type: ignore[attr-defined]
        for name in self.fields:
            self.fields[name].widget.attrs.update(live_filter(reverse_lazy("inbox:events")))
