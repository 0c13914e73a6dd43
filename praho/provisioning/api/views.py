"""/api/v1/services/{id}/ with what provisioning knows of it, and the staff actions on it.

- Isolation: services come from praho.orders.selectors (404 for one the user may not see).
- Actions: staff with provisioning.manage_service; customers' users get 403. Each answers 202
  with the operation it queued for the panel, or 200 with the service when the change needed no
  panel (a service set up by hand). A move the lifecycle does not allow is 409
  `illegal_transition`, nothing changed. An `Idempotency-Key` header makes a retried request
  answer with the operation the first one queued instead of queueing another.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from praho.accounts.models import User
from praho.catalog.selectors import plans_by_reference
from praho.core.api import id_parameter, refused, require_staff_permission, user_of, validated
from praho.core.api.errors import error_body
from praho.orders.api.schema import error_responses
from praho.orders.models import Service
from praho.orders.selectors import service_for, services_visible_to, shown_services
from praho.provisioning.api.serializers import (
    ChangePlanSerializer,
    OperationSerializer,
    ProvisionedServiceSerializer,
    SuspendSerializer,
    TerminateSerializer,
    UnsuspendSerializer,
)
from praho.provisioning.lifecycle import IllegalTransitionError
from praho.provisioning.models import Operation
from praho.provisioning.services import actions

IDEMPOTENCY_KEY_MAX = 64
IDEMPOTENCY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description=gettext_lazy(
        "Sent again with the same key, the request answers with the first one's operation."
    ),
)


def provisioned(services: QuerySet[Service]) -> QuerySet[Service]:
    """Services with their account, server and latest operations: three queries in all."""
    return (
        shown_services(services)
        .select_related("account__server")
        .prefetch_related(Prefetch("operations", queryset=Operation.objects.order_by("-id")))
    )


def staff_context(request: Request) -> dict[str, Any]:
    return {"staff": user_of(request).is_staff}


@extend_schema(tags=["services"], parameters=[id_parameter("service_id")])
@extend_schema_view(
    get=extend_schema(responses={200: ProvisionedServiceSerializer, **error_responses(401, 404)})
)
class ServiceDetailView(generics.RetrieveAPIView[Service]):
    serializer_class = ProvisionedServiceSerializer

    def get_object(self) -> Service:
        shown = provisioned(services_visible_to(user_of(self.request)))
        return get_object_or_404(shown, pk=self.kwargs["service_id"])

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), **staff_context(self.request)}


class _ServiceActionView(APIView):
    """POST on one service: find it (404), check the permission (403), read the body, act."""

    body: ClassVar[type[Any]]

    def act(
        self, actor: User, service: Service, data: dict[str, Any], key: str
    ) -> list[Operation] | Operation | None:
        raise NotImplementedError

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actor = user_of(request)
        service = service_for(actor, self.kwargs["service_id"])
        require_staff_permission(actor, "provisioning.manage_service")
        data = validated(self.body, request.data)
        key = _idempotency_key(request)
        try:
            done = self.act(actor, service, data, key)
        except IllegalTransitionError as error:
            body = error_body(409, "illegal_transition", error.messages[0])
            return Response(body, status=status.HTTP_409_CONFLICT)
        operations = [op for op in (done if isinstance(done, list) else [done]) if op is not None]
        mine = [op for op in operations if op.service_id == service.pk] or operations
        if mine:
            return Response(OperationSerializer(mine[-1], context={"staff": True}).data, status=202)
        fresh = provisioned(services_visible_to(actor)).get(pk=service.pk)
        return Response(ProvisionedServiceSerializer(fresh, context={"staff": True}).data)


def _idempotency_key(request: Request) -> str:
    key = (request.headers.get("Idempotency-Key") or "").strip()
    if len(key) > IDEMPOTENCY_KEY_MAX or not key.isprintable():
        raise refused(
            "Idempotency-Key",
            gettext_lazy("Send at most %(max)d printable characters.") % {"max": IDEMPOTENCY_KEY_MAX},
            "invalid",
        )
    return key


def _action_schema(request: Any, description: Any) -> Any:
    return extend_schema_view(
        post=extend_schema(
            request=request,
            parameters=[IDEMPOTENCY],
            responses={
                202: OperationSerializer,
                200: ProvisionedServiceSerializer,
                **error_responses(400, 401, 403, 404),
                409: error_responses(400)[400],
            },
            description=description,
        )
    )


@extend_schema(tags=["services"], parameters=[id_parameter("service_id")])
@_action_schema(
    SuspendSerializer,
    gettext_lazy(
        "Suspend an active service, saying why; a package's add-ons and bound domains are suspended "
        "first. A domain bound to hosting that stays active is refused (400 domain_bound)."
    ),
)
class SuspendView(_ServiceActionView):
    body = SuspendSerializer

    def act(self, actor: User, service: Service, data: dict[str, Any], key: str) -> list[Operation]:
        return actions.suspend(service_id=service.pk, actor=actor, reason=data["reason"], client_key=key)


@extend_schema(tags=["services"], parameters=[id_parameter("service_id")])
@_action_schema(
    UnsuspendSerializer,
    gettext_lazy("Resume a suspended service, then the add-ons its suspension suspended."),
)
class UnsuspendView(_ServiceActionView):
    body = UnsuspendSerializer

    def act(self, actor: User, service: Service, data: dict[str, Any], key: str) -> list[Operation]:
        return actions.unsuspend(service_id=service.pk, actor=actor, client_key=key)


@extend_schema(tags=["services"], parameters=[id_parameter("service_id")])
@_action_schema(
    TerminateSerializer,
    gettext_lazy(
        "Terminate an active or suspended service (a pending one is cancelled). With live add-ons, "
        '`children` ("terminate" or "keep") is required (400 children_decision_required).'
    ),
)
class TerminateView(_ServiceActionView):
    body = TerminateSerializer

    def act(self, actor: User, service: Service, data: dict[str, Any], key: str) -> list[Operation]:
        return actions.terminate(
            service_id=service.pk,
            actor=actor,
            reason=data.get("reason", ""),
            children=data.get("children", ""),
            client_key=key,
        )


@extend_schema(tags=["services"], parameters=[id_parameter("service_id")])
@_action_schema(
    ChangePlanSerializer,
    gettext_lazy("Move the service to another plan of the same provisioning module."),
)
class ChangePlanView(_ServiceActionView):
    body = ChangePlanSerializer

    def act(self, actor: User, service: Service, data: dict[str, Any], key: str) -> Operation | None:
        plan = plans_by_reference([data["plan"]]).get(data["plan"].strip())
        if plan is None:
            raise refused("plan", str(gettext_lazy("No plan has this id or code.")), "does_not_exist")
        return actions.change_plan(service_id=service.pk, actor=actor, plan=plan, client_key=key)
