"""Object labels of audit events in the viewer's language.

An event keeps `object_repr` as it was at the time (it is part of the hashed chain and is never
rewritten), in the language of whoever acted: a draft invoice is "Factură #18" for ever. An app
whose labels are translated registers, per object type, how to say a stored label again in the
active language; the audit pages and dashboards show `object_label(event)`. Apps register in
their AppConfig.ready, so the audit app imports none of them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# (object_repr, object_id) -> the label in the active language, or None to show object_repr.
Relabel = Callable[[str, str], str | None]

_RELABELS: dict[str, Relabel] = {}


def register_label(object_type: str, relabel: Relabel) -> None:
    _RELABELS[object_type] = relabel


def object_label(event: Any) -> str:
    relabel = _RELABELS.get(event.object_type)
    stored: str = event.object_repr
    if relabel is None:
        return stored
    return relabel(stored, str(event.object_id)) or stored
