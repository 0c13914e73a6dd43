"""Form widgets shared by every app."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django_stubs_ext import StrOrPromise


class LongSelect(forms.Select):
    """A <select> for long lists (countries), rendered in Python.

    Django renders each option through a template; with 250 countries that costs
    about 10 ms a field, a fifth of a list page. Same markup, same attributes
    (aria-describedby, aria-invalid), no option groups.
    """

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (option["value"], " selected" if option["selected"] else "", option["label"])
                for _group, group_options, _index in widget["optgroups"]
                for option in group_options
            ),
        )
        return format_html('<select name="{}"{}>{}</select>', name, flatatt(widget["attrs"]), options)


# The triggers of a live filter: a choice refreshes on change, a search box as one types.
ON_CHANGE = "change"
AS_ONE_TYPES = "input changed delay:150ms, search"


def live_filter(url: StrOrPromise, trigger: str = ON_CHANGE) -> dict[str, Any]:
    """htmx attributes for a filter control: refresh the list's results from `url` with the whole
    filter form when `trigger` fires. The form itself names the target and pushes the URL (its
    hx-target and hx-push-url are inherited); a newer request replaces one still running."""
    return {
        "hx-get": url,
        "hx-trigger": trigger,
        "hx-include": "closest form",
        "hx-sync": "closest form:replace",
    }
