"""/api/v1/services/{id}/cancel/, .../change-plan/preview/ and .../change-plan/ (this one in place of
provisioning's, with the proration; praho/urls.py includes these first).

- Isolation: the service comes from praho.orders.selectors (404 for one the user may not see).
- Who (praho.recurring.services.access): staff with provisioning.manage_service; a customer's
  users whose role has the BILLING capability may cancel at the period's end and move along the
  catalog's upgrade paths; "now" and other plans are 403 for them.
- Answers: a cancellation, the service as GET /api/v1/services/{id}/ shows it with the credit
  note's id; a plan change, provisioning's (202 with the operation queued for the panel, 200 with
  the service for a plan without one) with "proration". A move the lifecycle does not allow is
  409 `illegal_transition`; an `Idempotency-Key` sent again answers with the first change.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from praho.accounts.models import User
from praho.catalog.models import Plan
from praho.catalog.selectors import plans_by_reference
from praho.core.api import id_parameter, refused, user_of, validated
from praho.core.api.errors import error_body
from praho.orders.api.schema import error_responses
from praho.orders.models import Service
from praho.orders.selectors import services_visible_to
from praho.provisioning.api.serializers import OperationSerializer, ProvisionedServiceSerializer
from praho.provisioning.api.views import IDEMPOTENCY, _idempotency_key, provisioned
from praho.provisioning.lifecycle import IllegalTransitionError
from praho.recurring.api.serializers import (
    CancelledServiceSerializer,
    ChangedOperationSerializer,
    ChangedServiceSerializer,
    PlanChangePreviewSerializer,
    PlanChangeQuerySerializer,
    ProratedChangePlanSerializer,
    ServiceCancelSerializer,
)
from praho.recurring.services import access, cancellation, plan_change

CONFLICT = {409: error_responses(400)[400]}


def _service(actor: User, service_id: Any) -> Service:
    """The service if the user may see it (404 otherwise), with its plan read along."""
    try:
        return services_visible_to(actor).select_related("plan").get(pk=int(service_id))
    except (Service.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def _plan(reference: str) -> Plan:
    plan = plans_by_reference([reference]).get(reference.strip())
    if plan is None:
        raise refused("plan", str(gettext_lazy("No plan has this id or code.")), "does_not_exist")
    return plan


def _conflict(error: IllegalTransitionError) -> Response:
    return Response(error_body(409, "illegal_transition", error.messages[0]), status=status.HTTP_409_CONFLICT)


def _shown(actor: User, service: Service, **extra: Any) -> dict[str, Any]:
    fresh = provisioned(services_visible_to(actor)).get(pk=service.pk)
    return {**ProvisionedServiceSerializer(fresh, context={"staff": actor.is_staff}).data, **extra}


@extend_schema(
    tags=["services"],
    parameters=[id_parameter("service_id")],
    request=ServiceCancelSerializer,
    responses={200: CancelledServiceSerializer, **error_responses(400, 401, 403, 404), **CONFLICT},
    description=gettext_lazy(
        'Cancel the service: "period_end" (the default for customers) keeps it to the last day of its '
        'paid period, then it ends; "now" (staff only) terminates it at once with a credit note for '
        "the unused days (none when the period was not paid). Refused: already_cancelled, not_active, "
        "one_time, no_period."
    ),
)
class CancelView(APIView):
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actor = user_of(request)
        service = _service(actor, self.kwargs["service_id"])
        data = validated(ServiceCancelSerializer, request.data)
        when = data["when"]
        if not access.may_act(actor, service, staff_only=when == cancellation.NOW):
            raise PermissionDenied
        try:
            done = cancellation.cancel(
                actor=actor,
                service_id=service.pk,
                when=when,
                children=data.get("children", ""),
                client_key=_idempotency_key(request),
            )
        except IllegalTransitionError as error:
            return _conflict(error)
        note = done.credit_note.pk if done.credit_note is not None else None
        return Response(_shown(actor, service, credit_note=note))


@extend_schema(
    tags=["services"],
    parameters=[
        id_parameter("service_id"),
        OpenApiParameter("plan", str, OpenApiParameter.QUERY, required=True, description="id or code"),
    ],
    responses={200: PlanChangePreviewSerializer, **error_responses(400, 401, 403, 404), **CONFLICT},
    description=gettext_lazy(
        "What moving the service to `plan` today would bill or credit, by days: the credit for the old "
        "plan's unused days, the charge for the new plan's, and the document that would be issued."
    ),
)
class ChangePlanPreviewView(APIView):
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actor = user_of(request)
        service = _service(actor, self.kwargs["service_id"])
        plan = _plan(validated(PlanChangeQuerySerializer, request.query_params, query=True)["plan"])
        try:
            previewed = plan_change.preview(service, plan, actor=actor)
        except IllegalTransitionError as error:
            return _conflict(error)
        return Response(previewed.fields())


@extend_schema(
    tags=["services"],
    parameters=[id_parameter("service_id"), IDEMPOTENCY],
    request=ProratedChangePlanSerializer,
    responses={
        202: ChangedOperationSerializer,
        200: ChangedServiceSerializer,
        **error_responses(400, 401, 403, 404),
        **CONFLICT,
    },
    description=gettext_lazy(
        "Move the service to another plan of the same provisioning module, billing the difference for "
        "the rest of the period (see the preview); customers' users along the catalog's upgrade paths."
    ),
)
class ChangePlanView(APIView):
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actor = user_of(request)
        service = _service(actor, self.kwargs["service_id"])
        access.require(actor, service)
        if not access.is_staff(actor) and not access.has_upgrades(service.plan_id):
            raise PermissionDenied  # nothing a customer may move to, whatever the body says
        plan = _plan(validated(ProratedChangePlanSerializer, request.data)["plan"])
        access.require_plan(actor, service, plan)
        key = _idempotency_key(request)
        try:
            done = plan_change.change_plan(actor=actor, service_id=service.pk, plan=plan, client_key=key)
        except IllegalTransitionError as error:
            return _conflict(error)
        proration = {**done.fields(), "document_id": done.document_id}
        if done.operation is not None:
            operation = OperationSerializer(done.operation, context={"staff": actor.is_staff}).data
            return Response({**operation, "proration": proration}, status=status.HTTP_202_ACCEPTED)
        return Response(_shown(actor, service, proration=proration))
