"""Views that fail on purpose, mounted by test_api.py to see each error leave the API."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.urls import include, path
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from praho.accounts.models import User

handler404 = "praho.core.api.errors.not_found"
handler500 = "praho.core.api.errors.server_error"


class AddressSerializer(serializers.Serializer):
    county = serializers.CharField(max_length=2)


class CustomerSerializer(serializers.Serializer):
    name = serializers.CharField()
    address = AddressSerializer()


@api_view(["GET"])
@permission_classes([AllowAny])
def user_detail(request, pk):
    user = get_object_or_404(User, pk=pk)
    return Response({"email": user.email})


@api_view(["POST"])
@permission_classes([AllowAny])
def customer_create(request):
    serializer = CustomerSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    return Response(serializer.validated_data, status=201)


@api_view(["POST"])
@permission_classes([AllowAny])
def service_field_error(request):
    raise ValidationError({"vat_number": ValidationError("Not a Romanian VAT number.", code="vat")})


@api_view(["POST"])
@permission_classes([AllowAny])
def service_error(request):
    raise ValidationError("The invoice is already issued.", code="issued")


@api_view(["GET"])
@permission_classes([AllowAny])
def django_permission_denied(request):
    raise PermissionDenied("not for you")


@api_view(["GET"])
@permission_classes([AllowAny])
def crash(request):
    raise RuntimeError("boom")


def page_crash(request):
    raise RuntimeError("boom")


api = [
    path("users/<int:pk>/", user_detail),
    path("customers/", customer_create),
    path("service-field-error/", service_field_error),
    path("service-error/", service_error),
    path("denied/", django_permission_denied),
    path("crash/", crash),
]

urlpatterns = [
    path("api/test/", include(api)),
    path("page-crash/", page_crash),
]
