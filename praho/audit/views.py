from __future__ import annotations

import json

from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from praho.audit.forms import AuditFilterForm
from praho.audit.models import AuditEvent
from praho.audit.selectors import audit_events
from praho.core.http import HtmxHttpRequest

PAGE_SIZE = 50


@permission_required("audit.view_auditevent", raise_exception=True)
def event_list(request: HtmxHttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    page = Paginator(audit_events(filters) if not form.errors else AuditEvent.objects.none(), PAGE_SIZE)
    context = {"form": form, "page_obj": page.get_page(request.GET.get("page"))}
    template = "audit/_event_table.html" if request.htmx else "audit/event_list.html"
    return render(request, template, context)


@permission_required("audit.view_auditevent", raise_exception=True)
def event_detail(request: HttpRequest, event_id: int) -> HttpResponse:
    event = get_object_or_404(AuditEvent, pk=event_id)
    data = json.dumps(event.data, indent=2, sort_keys=True, ensure_ascii=False)
    return render(request, "audit/event_detail.html", {"event": event, "data": data})
