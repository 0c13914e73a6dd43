"""{% load audit_labels %} {{ event|object_label }}: an event's object in the viewer's language."""

from __future__ import annotations

from typing import Any

from django import template

from praho.audit import labels

register = template.Library()


@register.filter
def object_label(event: Any) -> str:
    return labels.object_label(event)
