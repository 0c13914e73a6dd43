"""Servers under /staff/provisioning/servers/: the list with each one's load and last test, the
form that registers or changes one (its login is write-only: never shown back, blank keeps it),
and the "Test connection" button (htmx answers the result in place; without JavaScript the page
comes back with a message)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from praho.core.http import AuthenticatedHttpRequest
from praho.core.paginator import DeferredJoinPaginator
from praho.core.validation import add_service_errors
from praho.provisioning.models import Server
from praho.provisioning.services import servers as server_services
from praho.provisioning.web.staff import queries
from praho.provisioning.web.staff.forms import ServerFilterForm, ServerForm

PAGE_SIZE = 25
TEMPLATES = "provisioning/staff/"


@permission_required("provisioning.view_server", raise_exception=True)
def server_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ServerFilterForm(request.GET or None)
    valid = not form.is_bound or form.is_valid()
    data = form.cleaned_data if form.is_bound and valid else {}
    found = queries.servers(data) if valid else Server.objects.none()
    page_obj = DeferredJoinPaginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    context: dict[str, Any] = {
        "form": form,
        "page_obj": page_obj,
        "rows": queries.server_rows(list(page_obj)),
    }
    template = "_server_results.html" if request.htmx else "server_list.html"
    return render(request, TEMPLATES + template, context)


def _server_form(request: AuthenticatedHttpRequest, server: Server | None) -> HttpResponse:
    editing = server is not None
    if request.method == "POST":
        form = ServerForm(request.POST, editing=editing)
        if form.is_valid():
            try:
                saved = server_services.save_server(actor=request.user, server=server, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Server %(name)s saved.") % {"name": saved.name})
                return redirect("provisioning:servers")
    else:
        form = ServerForm(initial=ServerForm.initial_of(server) if server else None, editing=editing)
    context = {"form": form, "server": server}
    return render(request, TEMPLATES + "server_form.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@permission_required("provisioning.add_server", raise_exception=True)
def server_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _server_form(request, None)


@require_http_methods(["GET", "POST"])
@permission_required("provisioning.change_server", raise_exception=True)
def server_edit(request: AuthenticatedHttpRequest, server_id: int) -> HttpResponse:
    return _server_form(request, get_object_or_404(Server, pk=server_id))


@require_POST
@permission_required("provisioning.change_server", raise_exception=True)
def server_test(request: AuthenticatedHttpRequest, server_id: int) -> HttpResponse:
    server = get_object_or_404(Server, pk=server_id)
    check = server_services.check_connection(server_id=server.pk, actor=request.user)
    if request.htmx:
        server.refresh_from_db()
        return render(request, TEMPLATES + "_server_check.html", {"server": server})
    if check.ok:
        messages.success(
            request, _("%(name)s answered: %(answer)s") % {"name": server.name, "answer": check.answer}
        )
    else:
        messages.error(
            request,
            _("%(name)s could not be reached: %(answer)s") % {"name": server.name, "answer": check.answer},
        )
    return redirect("provisioning:server-edit", server_id=server.pk)
