"""The services API (list, read) and a customer's entitlements: what it may use now. The rules
these endpoints share (isolation, the error shape) are in praho.orders.api.schema."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from praho.core.api import id_parameter, user_of, validated
from praho.customers.selectors import customer_for
from praho.orders.api.schema import error_responses
from praho.orders.api.serializers import EntitlementsSerializer, ServiceFilterSerializer, ServiceSerializer
from praho.orders.entitlements import entitlements_of
from praho.orders.models import Service
from praho.orders.selectors import ServiceFilters, filter_services, services_visible_to, shown_services


@extend_schema(tags=["services"])
@extend_schema_view(
    get=extend_schema(
        parameters=[ServiceFilterSerializer],
        responses={200: ServiceSerializer(many=True), **error_responses(400, 401)},
    )
)
class ServiceListView(generics.ListAPIView[Service]):
    """Services the user may see, newest first."""

    serializer_class = ServiceSerializer

    def get_queryset(self) -> QuerySet[Service]:
        if getattr(self, "swagger_fake_view", False):
            return Service.objects.none()
        values = validated(ServiceFilterSerializer, self.request.query_params, query=True)
        return filter_services(
            shown_services(services_visible_to(user_of(self.request))), ServiceFilters.from_values(values)
        )


@extend_schema(tags=["services"], parameters=[id_parameter("customer_id")])
@extend_schema_view(
    get=extend_schema(
        responses={200: EntitlementsSerializer, **error_responses(401, 404)},
        description=gettext_lazy(
            "What the customer may use now: its active services' features (add-ons and included plans "
            "too) summed per feature; a null limit is unlimited. Any member of the customer, or staff "
            "with customers.view_customer."
        ),
    )
)
class EntitlementsView(APIView):
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        customer = customer_for(user_of(request), self.kwargs["customer_id"])
        features = [
            {"code": e.code, "name": e.name, "unit": e.unit, "limit": e.limit}
            for e in entitlements_of(customer)
        ]
        return Response(EntitlementsSerializer({"customer": customer.pk, "features": features}).data)
