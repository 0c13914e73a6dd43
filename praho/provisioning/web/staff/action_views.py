"""What the buttons of provisioning's panel on a service page do, under
/staff/provisioning/services/<id>/<action>/: each parses the form, calls one function of
praho.provisioning.services.actions and goes back to the service page with a message saying what
happened, or why nothing did (a refused move, a missing reason: never an error page)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from praho.core.http import AuthenticatedHttpRequest
from praho.orders.models import Service
from praho.orders.selectors import service_for
from praho.provisioning.models import Operation, OperationState
from praho.provisioning.services import actions
from praho.provisioning.services.welcome import send_welcome
from praho.provisioning.web.staff.forms import ReasonForm, TerminateForm

Action = Callable[[AuthenticatedHttpRequest, Service], str]


def error_messages(error: ValidationError) -> list[str]:
    """Every message of a service's error, a field's name left out (the panel's forms are small)."""
    return [str(message) for message in error.messages]


def service_action(action: Action) -> Callable[..., HttpResponse]:
    """A POST view for `action`: the user needs provisioning.manage_service (403 otherwise) and must
    see the service (404); `action` returns the success message or raises ValidationError."""

    @require_POST
    @permission_required("provisioning.manage_service", raise_exception=True)
    @wraps(action)
    def view(request: AuthenticatedHttpRequest, service_id: int) -> HttpResponse:
        service = service_for(request.user, service_id)
        try:
            done = action(request, service)
        except ValidationError as error:
            for message in error_messages(error):
                messages.error(request, message)
        else:
            messages.success(request, done)
        return redirect("orders:service", service_id=service.pk)

    return view


def _form(form_class: type[Any], request: AuthenticatedHttpRequest) -> Any:
    form = form_class(request.POST)
    if not form.is_valid():
        raise ValidationError([message for errors in form.errors.values() for message in errors])
    return form.cleaned_data


@service_action
def create(request: AuthenticatedHttpRequest, service: Service) -> str:
    operation = actions.create(service_id=service.pk, actor=request.user)
    if operation is None:
        return _("The service is being set up by hand; mark it active once it is ready.")
    if operation.state == OperationState.NEEDS_ATTENTION:  # no server takes its plan
        raise ValidationError(operation.last_error)
    return _("Creating it on the panel.")


@service_action
def activate(request: AuthenticatedHttpRequest, service: Service) -> str:
    actions.activate(service_id=service.pk, actor=request.user)
    return _("The service is active.")


@service_action
def suspend(request: AuthenticatedHttpRequest, service: Service) -> str:
    queued = actions.suspend(
        service_id=service.pk, actor=request.user, reason=_form(ReasonForm, request)["reason"]
    )
    return _("Service suspended.") if not queued else _("Service suspended; the panel is being told.")


@service_action
def unsuspend(request: AuthenticatedHttpRequest, service: Service) -> str:
    queued = actions.unsuspend(service_id=service.pk, actor=request.user)
    return _("Service resumed.") if not queued else _("Service resumed; the panel is being told.")


@service_action
def terminate(request: AuthenticatedHttpRequest, service: Service) -> str:
    data = _form(TerminateForm, request)
    actions.terminate(
        service_id=service.pk, actor=request.user, reason=data["reason"], children=data["children"]
    )
    return _("Service terminated.")


@service_action
def cancel(request: AuthenticatedHttpRequest, service: Service) -> str:
    actions.cancel(service_id=service.pk, actor=request.user, reason=_form(ReasonForm, request)["reason"])
    return _("Service cancelled.")


@service_action
def reset_password(request: AuthenticatedHttpRequest, service: Service) -> str:
    actions.reset_password(service_id=service.pk, actor=request.user)
    return _("A new panel password is being set; send the welcome e-mail once it is done.")


@service_action
def welcome(request: AuthenticatedHttpRequest, service: Service) -> str:
    if not send_welcome(service.pk, actor=request.user):
        raise ValidationError(_("The customer has no e-mail address to send it to."))
    return _("Welcome e-mail sent.")


def retry_operation(request: AuthenticatedHttpRequest, operation: Operation) -> None:
    """Try the operation again; the outcome as a message."""
    try:
        actions.retry(operation_id=operation.pk, actor=request.user)
    except ValidationError as error:
        for message in error_messages(error):
            messages.error(request, message)
    else:
        messages.success(request, _("Operation %(id)s tried again.") % {"id": operation.pk})


@require_POST
@permission_required("provisioning.manage_service", raise_exception=True)
def retry(request: AuthenticatedHttpRequest, service_id: int, operation_id: int) -> HttpResponse:
    service = service_for(request.user, service_id)
    operation = Operation.objects.filter(pk=operation_id, service=service).first()
    if operation is None:
        raise Http404
    retry_operation(request, operation)
    return redirect("orders:service", service_id=service.pk)
