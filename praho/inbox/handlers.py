"""Which code handles an inbound event: the apps above the inbox say so in a `webhooks.py` module
with `HANDLERS = {source: {event type: handler}}` (core.contributions finds them), so the inbox
imports none of them. A handler takes the stored event, runs inside the transaction that marks it
processed, and must be safe to run again (a replay): it looks up what it already did."""

from __future__ import annotations

import functools
from collections.abc import Callable

from praho.core.contributions import contributions
from praho.inbox.models import InboundEvent

Handler = Callable[[InboundEvent], None]


@functools.cache
def registry() -> dict[str, dict[str, Handler]]:
    merged: dict[str, dict[str, Handler]] = {}
    for handlers in contributions("webhooks", "HANDLERS"):
        for source, by_type in handlers.items():  # type: ignore[attr-defined]
            merged.setdefault(source, {}).update(by_type)
    return merged


def handler_for(source: str, event_type: str) -> Handler | None:
    return registry().get(source, {}).get(event_type)


def sources() -> list[str]:
    return sorted(registry())
