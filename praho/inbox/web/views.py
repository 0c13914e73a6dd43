"""The webhook inbox under /staff/inbox/: every delivery received, filtered by source, status and
type; one event's payload; replaying one event or every failed one of the filter."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from praho.core.http import AuthenticatedHttpRequest
from praho.core.paginator import DeferredJoinPaginator
from praho.inbox import selectors, services
from praho.inbox.models import EventStatus, InboundEvent
from praho.inbox.web.forms import EventFilterForm

PAGE_SIZE = 50
TEMPLATES = "inbox/staff/"


@permission_required("inbox.view_inboundevent", raise_exception=True)
def event_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = EventFilterForm(request.GET or None)
    valid = not form.is_bound or form.is_valid()
    data = form.cleaned_data if form.is_bound and valid else {}
    found = selectors.events(data) if valid else InboundEvent.objects.none()
    page_obj = DeferredJoinPaginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    context: dict[str, Any] = {"form": form, "page_obj": page_obj, "events": list(page_obj), "filters": data}
    template = "_event_results.html" if request.htmx else "event_list.html"
    return render(request, TEMPLATES + template, context)


@permission_required("inbox.view_inboundevent", raise_exception=True)
def event_detail(request: AuthenticatedHttpRequest, event_id: int) -> HttpResponse:
    event = get_object_or_404(InboundEvent, pk=event_id)
    return render(
        request, TEMPLATES + "event_detail.html", {"event": event, "payload": _pretty(event.payload)}
    )


def _pretty(payload: str) -> str:
    """The payload indented for reading (the stored text stays as received)."""
    try:
        return json.dumps(json.loads(payload), indent=2, ensure_ascii=False, sort_keys=True)
    except ValueError:
        return payload


@require_POST
@permission_required("inbox.replay_event", raise_exception=True)
def event_replay(request: AuthenticatedHttpRequest, event_id: int) -> HttpResponse:
    event = get_object_or_404(InboundEvent, pk=event_id)
    event = services.replay(actor=request.user, event_pk=event.pk)
    messages.success(
        request,
        _("Event %(event)s replayed: it is %(status)s.")
        % {"event": event.event_id, "status": str(EventStatus(event.status).label).lower()},
    )
    return redirect("inbox:event", event_id=event.pk)


@require_POST
@permission_required("inbox.replay_event", raise_exception=True)
def replay_failed(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = EventFilterForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The filter is not valid; nothing was replayed."))
        return redirect("inbox:events")
    data = form.cleaned_data
    count = services.replay_failed(actor=request.user, source=data["source"], event_type=data["event_type"])
    messages.success(
        request,
        ngettext("%(count)d failed event replayed.", "%(count)d failed events replayed.", count)
        % {"count": count},
    )
    return redirect("inbox:events")
