"""Handlers of the "test" source, so the inbox's own tests run real handlers end to end (this app
is installed in the dev and test settings only). "test.recorded" writes an audit event per run,
so a test counts how often its effect was committed; "test.fragile" fails while the cache says so
(the cause staff fix before replaying); "test.foreign" is not for PRAHO."""

from __future__ import annotations

import json

from django.core.cache import cache

from praho.audit.services import record_event
from praho.inbox.models import InboundEvent
from praho.inbox.services import IgnoreEvent

FAIL_KEY = "testing.webhooks.fail"


def recorded(event: InboundEvent) -> None:
    record_event(
        "testing.webhook_handled",
        object_type="inbox.inboundevent",
        object_id=event.pk,
        data={"event_id": event.event_id, "body": json.loads(event.payload)},
    )


def fragile(event: InboundEvent) -> None:
    recorded(event)  # written, then undone with the failure
    if cache.get(FAIL_KEY):
        raise RuntimeError("the test handler was told to fail")


def foreign(event: InboundEvent) -> None:
    recorded(event)  # written, then undone: an ignored event keeps nothing
    raise IgnoreEvent("not one of ours")


HANDLERS = {"test": {"test.recorded": recorded, "test.fragile": fragile, "test.foreign": foreign}}
