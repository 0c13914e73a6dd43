"""REST API v1 for change requests: /api/v1/customers/{id}/change-requests/.

A customer's owners and billing users ask staff to change what decides how the customer is
invoiced, list and read their requests and cancel a pending one; staff who may change
customers read them and approve or reject them. Everyone else who sees the customer gets 403
(members whose role may not ask, staff who may only look); whoever does not see it, 404.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from praho.accounts.models import User
from praho.core.api import LineField, TextField, user_of, validated
from praho.customers.api.customers import CUSTOMER_ID, AddressSerializer, error_responses
from praho.customers.models import (
    MAX_PAYMENT_TERMS_DAYS,
    PAYMENT_TERMS_MESSAGE,
    ChangeRequest,
    Currency,
    Customer,
    CustomerKind,
)
from praho.customers.selectors import change_requests_of, customer_for
from praho.customers.services import change_requests

REQUEST_ID = OpenApiParameter("request_id", OpenApiTypes.INT, OpenApiParameter.PATH)


class RequestedValuesSerializer(serializers.Serializer[Any]):
    """Values of a change request: only the fields asked for are present."""

    kind = serializers.ChoiceField(choices=CustomerKind.choices, required=False)
    country = LineField(max_length=8, required=False, help_text=_("ISO 3166-1 alpha-2 code, e.g. DE."))
    tax_id = LineField(max_length=64, required=False, allow_blank=True)
    vat_payer = serializers.BooleanField(required=False)
    vat_on_cash_basis = serializers.BooleanField(required=False)
    currency = serializers.ChoiceField(choices=Currency.choices, required=False)
    payment_terms_days = serializers.IntegerField(
        min_value=0,
        max_value=MAX_PAYMENT_TERMS_DAYS,
        required=False,
        error_messages={"max_value": PAYMENT_TERMS_MESSAGE},
    )
    address = AddressSerializer(required=False, help_text=_("The billing address."))


class ChangeRequestWriteSerializer(RequestedValuesSerializer):
    reason = TextField(max_length=change_requests.MAX_REASON, help_text=_("Why the change is asked for."))


class DecisionSerializer(serializers.Serializer[Any]):
    note = TextField(
        max_length=change_requests.MAX_REASON,
        required=False,
        allow_blank=True,
        help_text=_("Shown and emailed to the requester; required to reject."),
    )


class ChangeRequestSerializer(serializers.ModelSerializer[ChangeRequest]):
    changes = RequestedValuesSerializer(read_only=True, help_text=_("The values asked for, normalised."))
    previous = RequestedValuesSerializer(read_only=True, help_text=_("The values they replace, when asked."))
    requested_by = serializers.EmailField(source="requested_by.email", read_only=True, allow_null=True)
    decided_by = serializers.EmailField(source="decided_by.email", read_only=True, allow_null=True)

    class Meta:
        model = ChangeRequest
        fields = [
            "id",
            "status",
            "changes",
            "previous",
            "reason",
            "requested_by",
            "created_at",
            "decided_by",
            "decided_at",
            "decision_note",
        ]
        read_only_fields = fields


class ApprovalSerializer(ChangeRequestSerializer):
    vies_problem = serializers.CharField(
        read_only=True,
        help_text=_("Why VIES could not check the new VAT number (it stays not checked), or empty."),
    )

    class Meta(ChangeRequestSerializer.Meta):
        fields = [*ChangeRequestSerializer.Meta.fields, "vies_problem"]
        read_only_fields = fields


# --- Access ---------------------------------------------------------------------------------


def _readable_customer(user: User, customer_id: int) -> Customer:
    """404 for a customer the user does not see; 403 for those who may neither ask nor decide."""
    customer = customer_for(user, customer_id)
    allowed = (
        change_requests.may_decide(user) if user.is_staff else change_requests.may_request(user, customer)
    )
    if not allowed:
        raise PermissionDenied
    return customer


def _request(user: User, customer_id: int, request_id: int) -> ChangeRequest:
    customer = _readable_customer(user, customer_id)
    return get_object_or_404(change_requests_of(customer), pk=request_id)


# --- Views ----------------------------------------------------------------------------------


@extend_schema(tags=["customers"], parameters=[CUSTOMER_ID])
@extend_schema_view(
    get=extend_schema(responses={200: ChangeRequestSerializer(many=True), **error_responses(401, 403, 404)}),
    post=extend_schema(
        request=ChangeRequestWriteSerializer,
        responses={201: ChangeRequestSerializer, **error_responses(400, 401, 403, 404)},
        description=_(
            "Ask staff to change the kind, country, tax identifier, VAT status, currency, payment "
            "terms or billing address. Values are checked as a staff edit checks them; only those "
            "that differ from the current ones are kept. One pending request per customer (code "
            "pending_request); a request that changes nothing is refused (code nothing_changed)."
        ),
    ),
)
class ChangeRequestListView(generics.ListCreateAPIView[ChangeRequest]):
    """The customer's change requests, newest first (owners, billing users, deciding staff)."""

    serializer_class = ChangeRequestSerializer

    def get_queryset(self) -> QuerySet[ChangeRequest]:
        if getattr(self, "swagger_fake_view", False):
            return ChangeRequest.objects.none()
        return change_requests_of(_readable_customer(user_of(self.request), self.kwargs["customer_id"]))

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actor = user_of(request)
        customer = _readable_customer(actor, self.kwargs["customer_id"])
        data = validated(ChangeRequestWriteSerializer, request.data)
        created = change_requests.request_change(actor=actor, customer=customer, **data)
        return Response(ChangeRequestSerializer(created).data, status=status.HTTP_201_CREATED)


@extend_schema(
    tags=["customers"],
    parameters=[CUSTOMER_ID, REQUEST_ID],
    responses={200: ChangeRequestSerializer, **error_responses(401, 403, 404)},
)
class ChangeRequestDetailView(generics.RetrieveAPIView[ChangeRequest]):
    """One change request of the customer."""

    serializer_class = ChangeRequestSerializer

    def get_object(self) -> ChangeRequest:
        return _request(user_of(self.request), self.kwargs["customer_id"], self.kwargs["request_id"])


@extend_schema(
    tags=["customers"],
    parameters=[CUSTOMER_ID, REQUEST_ID],
    request=None,
    responses={200: ChangeRequestSerializer, **error_responses(400, 401, 403, 404)},
    description=_("Withdraw a pending request (its users who may ask); a decided one: code decided."),
)
class ChangeRequestCancelView(APIView):
    def post(self, request: Request, customer_id: int, request_id: int) -> Response:
        actor = user_of(request)
        found = _request(actor, customer_id, request_id)
        cancelled = change_requests.cancel_change_request(actor=actor, request=found)
        return Response(ChangeRequestSerializer(cancelled).data)


@extend_schema(
    tags=["customers"],
    parameters=[CUSTOMER_ID, REQUEST_ID],
    request=DecisionSerializer,
    responses={200: ApprovalSerializer, **error_responses(400, 401, 403, 404)},
    description=_(
        "Staff apply the requested values as a staff edit (a new tax profile version; VIES checks "
        "a new EU VAT number) and the requester is emailed."
    ),
)
class ChangeRequestApproveView(APIView):
    def post(self, request: Request, customer_id: int, request_id: int) -> Response:
        actor = user_of(request)
        found = _request(actor, customer_id, request_id)
        data = validated(DecisionSerializer, request.data)
        approval = change_requests.approve_change_request(actor=actor, request=found, **data)
        approval.request.vies_problem = approval.vies_problem  # type: ignore[attr-defined]
        return Response(ApprovalSerializer(approval.request).data)


@extend_schema(
    tags=["customers"],
    parameters=[CUSTOMER_ID, REQUEST_ID],
    request=DecisionSerializer,
    responses={200: ChangeRequestSerializer, **error_responses(400, 401, 403, 404)},
    description=_("Staff refuse the request with a reason (note), which the requester is emailed."),
)
class ChangeRequestRejectView(APIView):
    def post(self, request: Request, customer_id: int, request_id: int) -> Response:
        actor = user_of(request)
        found = _request(actor, customer_id, request_id)
        data = validated(DecisionSerializer, request.data)
        rejected = change_requests.reject_change_request(
            actor=actor, request=found, note=data.get("note", "")
        )
        return Response(ChangeRequestSerializer(rejected).data)
