"""Operations under /staff/provisioning/operations/: every panel action, those that need staff
first, filtered by state, kind and server, each failed one with its retry button."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from praho.core.http import AuthenticatedHttpRequest
from praho.core.paginator import DeferredJoinPaginator
from praho.provisioning.models import Operation
from praho.provisioning.services.actions import may_retry
from praho.provisioning.web.staff import queries
from praho.provisioning.web.staff.action_views import retry_operation
from praho.provisioning.web.staff.forms import OperationFilterForm
from praho.provisioning.web.staff.server_views import PAGE_SIZE, TEMPLATES


@permission_required("provisioning.view_operation", raise_exception=True)
def operation_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = OperationFilterForm(request.GET or None)
    valid = not form.is_bound or form.is_valid()
    data = form.cleaned_data if form.is_bound and valid else {}
    found = queries.operations(data) if valid else Operation.objects.none()
    page_obj = DeferredJoinPaginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    operations = list(page_obj)
    context: dict[str, Any] = {
        "form": form,
        "page_obj": page_obj,
        "operations": operations,
        "retryable_ids": {op.pk for op in operations if may_retry(op, op.service.status)},
    }
    template = "_operation_results.html" if request.htmx else "operation_list.html"
    return render(request, TEMPLATES + template, context)


@require_POST
@permission_required("provisioning.manage_service", raise_exception=True)
def operation_retry(request: AuthenticatedHttpRequest, operation_id: int) -> HttpResponse:
    retry_operation(request, get_object_or_404(Operation, pk=operation_id))
    return redirect("provisioning:operations")
