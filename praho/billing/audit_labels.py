"""How billing's audit labels are said in the viewer's language (praho.audit.labels).

A document without a number is labelled "<type> #<id>" (Document.__str__) in the language of
whoever acted ("Factură #18"); the type is recognised from its label in any of our languages and
named again in the active one ("Invoice #18"). Numbered documents keep their number as stored.
"""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.utils import translation

from praho.billing.models import DocumentType


@cache
def _types_by_label() -> dict[str, DocumentType]:
    found: dict[str, DocumentType] = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            found |= {str(kind.label): kind for kind in DocumentType}
    return found


def document_label(object_repr: str, object_id: str) -> str | None:
    label, separator, number = object_repr.rpartition(" #")
    kind = _types_by_label().get(label)
    if not separator or kind is None or number != object_id:
        return None
    return f"{kind.label} #{number}"
