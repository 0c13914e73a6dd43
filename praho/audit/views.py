from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from praho.audit.models import AuditEvent


@permission_required("audit.view_auditevent", raise_exception=True)
def event_list(request: HttpRequest) -> HttpResponse:
    events = AuditEvent.objects.order_by("-id")[:50]
    return render(request, "audit/event_list.html", {"events": events})
