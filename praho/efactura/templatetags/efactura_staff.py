"""The e-Factura parts of billing's staff document page, so billing's template only loads them:

{% load efactura_staff %}
{% efactura_xml_button document %}   the "e-Factura XML" download, among the page's buttons
{% efactura_panel document %}        state, ANAF index, deadline, failures, errors, actions
"""

from __future__ import annotations

from typing import Any

from django import template

from praho.billing.models import Document
from praho.efactura.web.staff import panels

register = template.Library()


@register.inclusion_tag("efactura/staff/_xml_button.html")
def efactura_xml_button(document: Document) -> dict[str, Any]:
    return {"document": document, "has_xml": panels.has_xml(document)}


@register.inclusion_tag("efactura/staff/_document_panel.html", takes_context=True)
def efactura_panel(context: template.Context, document: Document) -> dict[str, Any]:
    request = context["request"]
    return {
        "panel": panels.document_panel(document, request.user),
        "csrf_token": context.get("csrf_token"),
        "perms": context.get("perms"),
    }
