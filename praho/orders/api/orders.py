"""The orders API: place an order (checkout), list and read orders, cancel one, and for staff
approve or refuse one. The rules these endpoints share (isolation, who writes, the error shape)
are in praho.orders.api.schema and praho.core.api."""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from praho.accounts.models import User
from praho.core.api import id_parameter, require_staff_permission, user_of, validated
from praho.customers.models import Customer
from praho.orders.api.schema import error_responses
from praho.orders.api.serializers import (
    ApproveSerializer,
    CancelSerializer,
    OrderCreateSerializer,
    OrderFilterSerializer,
    OrderSerializer,
    RefuseSerializer,
)
from praho.orders.models import Order
from praho.orders.selectors import (
    OrderFilters,
    filter_orders,
    may_order,
    member_customers_of,
    order_for,
    orders_visible_to,
    with_lines,
)
from praho.orders.services import checkout, fulfilment


def _shown(order: Order) -> dict[str, Any]:
    """An order as GET shows it, read again after a write by someone allowed to make it."""
    return dict(OrderSerializer(with_lines(Order.objects.all()).get(pk=order.pk)).data)


def _ordering_customer(actor: User, customer_id: int) -> tuple[Customer, bool]:
    """The customer an order is placed for, and whether staff place it. Staff need
    orders.place_order (403); a customer's user must be a member (404) whose role may order (403)."""
    if actor.is_staff:
        require_staff_permission(actor, "orders.place_order")
        return get_object_or_404(Customer.objects.active(), pk=customer_id), True
    customer = get_object_or_404(member_customers_of(actor), pk=customer_id)
    if not may_order(actor, customer):
        raise PermissionDenied
    return customer, False


@extend_schema(tags=["orders"])
@extend_schema_view(
    get=extend_schema(
        parameters=[OrderFilterSerializer],
        responses={200: OrderSerializer(many=True), **error_responses(400, 401)},
    ),
    post=extend_schema(
        request=OrderCreateSerializer,
        responses={201: OrderSerializer, **error_responses(400, 401, 403, 404)},
        description=gettext_lazy(
            "Place an order: priced like the cart, with its coupon, and billed by an issued proforma "
            "(`proforma`), unless it waits for staff approval (status awaiting_approval, `proforma` "
            "null until approved). Owner and billing members order for their customer; staff with "
            "orders.place_order for any customer."
        ),
    ),
)
class OrderListView(generics.ListCreateAPIView[Order]):
    """Orders the user may see, newest first; placing an order."""

    serializer_class = OrderSerializer

    def get_queryset(self) -> QuerySet[Order]:
        if getattr(self, "swagger_fake_view", False):
            return Order.objects.none()
        filters = OrderFilters.from_values(
            validated(OrderFilterSerializer, self.request.query_params, query=True)
        )
        return filter_orders(with_lines(orders_visible_to(user_of(self.request))), filters)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actor = user_of(request)
        if actor.is_staff:  # before reading the body: staff without the permission learn nothing more
            require_staff_permission(actor, "orders.place_order")
        data = validated(OrderCreateSerializer, request.data)
        customer, staff = _ordering_customer(actor, data["customer"])
        order = checkout.place_order(
            actor=actor,
            customer=customer,
            currency=data["currency"],
            items=data["items"],
            coupon=data.get("coupon", ""),
            staff=staff,
        )
        return Response(_shown(order), status=status.HTTP_201_CREATED)


@extend_schema(tags=["orders"], parameters=[id_parameter("order_id")])
@extend_schema_view(get=extend_schema(responses={200: OrderSerializer, **error_responses(401, 404)}))
class OrderDetailView(generics.RetrieveAPIView[Order]):
    serializer_class = OrderSerializer

    def get_object(self) -> Order:
        shown = with_lines(orders_visible_to(user_of(self.request)))
        return get_object_or_404(shown, pk=self.kwargs["order_id"])


class _OrderActionView(APIView):
    """POST on one order: find it (404), check who may act (403), read the body, call one service."""

    body: ClassVar[type[Any]]

    def allowed(self, actor: User, order: Order) -> None:
        raise NotImplementedError

    def act(self, actor: User, order: Order, data: dict[str, Any]) -> Order:
        raise NotImplementedError

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actor = user_of(request)
        order = order_for(actor, self.kwargs["order_id"])
        self.allowed(actor, order)
        data = validated(self.body, request.data)
        return Response(_shown(self.act(actor, order, data)))


def _action_schema(request: Any, description: Any) -> Any:
    return extend_schema_view(
        post=extend_schema(
            request=request,
            responses={200: OrderSerializer, **error_responses(400, 401, 403, 404)},
            description=description,
        )
    )


@extend_schema(tags=["orders"], parameters=[id_parameter("order_id")])
@_action_schema(
    CancelSerializer,
    gettext_lazy(
        "Cancel an order not yet paid: its proforma is cancelled and its coupon use given back. A paid "
        "order is refused (400 not_cancellable): its services are cancelled instead. Owner and billing "
        "members, or staff with orders.change_order."
    ),
)
class OrderCancelView(_OrderActionView):
    body = CancelSerializer

    def allowed(self, actor: User, order: Order) -> None:
        if actor.is_staff:
            require_staff_permission(actor, "orders.change_order")
        elif not may_order(actor, order.customer):
            raise PermissionDenied

    def act(self, actor: User, order: Order, data: dict[str, Any]) -> Order:
        return fulfilment.cancel_order(actor=actor, order=order, reason=data.get("reason", ""))


class _DecisionView(_OrderActionView):
    def allowed(self, actor: User, order: Order) -> None:
        require_staff_permission(actor, "orders.approve_order")


@extend_schema(tags=["orders"], parameters=[id_parameter("order_id")])
@_action_schema(
    ApproveSerializer,
    gettext_lazy("Approve an order awaiting approval: its proforma is issued (`proforma` set). Staff only."),
)
class OrderApproveView(_DecisionView):
    body = ApproveSerializer

    def act(self, actor: User, order: Order, data: dict[str, Any]) -> Order:
        return fulfilment.approve_order(actor=actor, order=order, note=data.get("note", ""))


@extend_schema(tags=["orders"], parameters=[id_parameter("order_id")])
@_action_schema(
    RefuseSerializer,
    gettext_lazy("Refuse an order awaiting approval, saying why; its coupon use is given back. Staff only."),
)
class OrderRefuseView(_DecisionView):
    body = RefuseSerializer

    def act(self, actor: User, order: Order, data: dict[str, Any]) -> Order:
        return fulfilment.refuse_order(actor=actor, order=order, reason=data["reason"])
