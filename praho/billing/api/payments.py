"""The billing API's money: payments (list, record, read) and a customer's balance per currency.
The rules these endpoints share with the documents' (isolation, who writes, the error shape)
are in praho.billing.api.schema and praho.core.api.

Payments are only recorded, never changed: a correction is a new movement in the ledger, so
there is no PATCH or DELETE here. Balances are derived from the ledger, never stored.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from praho.accounts.models import User
from praho.billing import ledger_queries
from praho.billing.api.schema import error_responses
from praho.billing.api.serializers import (
    BalanceSerializer,
    PaymentFilterSerializer,
    PaymentSerializer,
    PaymentWriteSerializer,
)
from praho.billing.models import Document, Payment
from praho.billing.selectors import (
    PaymentFilters,
    billing_customers_of,
    document_for,
    filter_payments,
    payment_for,
    payments_visible_to,
)
from praho.billing.services import payments
from praho.core.api import id_parameter, refused, renamed, require_staff_permission, user_of, validated
from praho.customers.models import Customer
from praho.customers.selectors import customer_for

# --- Access -----------------------------------------------------------------------


def _payable(user: User, document_id: int) -> Document:
    """The document a payment is for: the service decides whether it can be paid."""
    try:
        return document_for(user, document_id)
    except Http404:
        raise refused("invoice", _("There is no such invoice."), "does_not_exist") from None


def _billing_customer(user: User, customer_id: int) -> Customer:
    """A customer whose billing the user may see: staff with billing.view_document, or a
    customer's user whose role has the BILLING capability; 404 for anyone else."""
    if user.is_staff:
        if not user.has_perm("billing.view_document"):
            raise Http404
        return customer_for(user, customer_id)
    return get_object_or_404(billing_customers_of(user), pk=customer_id)


# --- Payments ---------------------------------------------------------------------


@extend_schema(tags=["payments"])
@extend_schema_view(
    get=extend_schema(
        parameters=[PaymentFilterSerializer],
        responses={200: PaymentSerializer(many=True), **error_responses(400, 401)},
    ),
    post=extend_schema(
        request=PaymentWriteSerializer,
        responses={201: PaymentSerializer, **error_responses(400, 401, 403)},
        description=gettext_lazy(
            "Record money received for an issued invoice, in its currency; beyond what the invoice owes "
            "it becomes customer credit."
        ),
    ),
)
class PaymentListView(generics.ListCreateAPIView[Payment]):
    """Payments the user may see, newest first, and recording one (staff)."""

    serializer_class = PaymentSerializer

    def get_queryset(self) -> QuerySet[Payment]:
        if getattr(self, "swagger_fake_view", False):
            return Payment.objects.none()
        filters = PaymentFilters.from_values(
            validated(PaymentFilterSerializer, self.request.query_params, query=True)
        )
        return filter_payments(payments_visible_to(user_of(self.request)), filters)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actor = user_of(request)
        require_staff_permission(actor, "billing.add_payment")
        data = validated(PaymentWriteSerializer, request.data)
        document = _payable(actor, data["invoice"])
        try:
            payment = payments.record_payment(
                actor=actor,
                invoice=document,
                amount=data["amount"],
                currency=data["currency"],
                method=data["method"],
                reference=data["reference"],
                received_on=data["date"],
                external_id=data.get("external_id", ""),
            )
        except DjangoValidationError as error:
            raise renamed(error, {"received_on": "date"}) from None
        shown = payment_for(actor, payment.pk)
        return Response(PaymentSerializer(shown).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["payments"], parameters=[id_parameter("payment_id")])
@extend_schema_view(get=extend_schema(responses={200: PaymentSerializer, **error_responses(401, 404)}))
class PaymentDetailView(generics.RetrieveAPIView[Payment]):
    """One payment; payments are never changed (a correction is a new movement)."""

    serializer_class = PaymentSerializer

    def get_object(self) -> Payment:
        return payment_for(user_of(self.request), self.kwargs["payment_id"])


# --- Balances ---------------------------------------------------------------------


@extend_schema(tags=["customers"], parameters=[id_parameter("customer_id")])
@extend_schema_view(
    get=extend_schema(
        responses={200: BalanceSerializer(many=True), **error_responses(401, 404)},
        description=gettext_lazy(
            "The customer's receivable, credit and overdue amounts per currency, from the ledger."
        ),
    )
)
class CustomerBalanceView(APIView):
    """A customer's balance per currency (only currencies with ledger entries)."""

    def get(self, request: Request, customer_id: int) -> Response:
        customer = _billing_customer(user_of(request), customer_id)
        balances = ledger_queries.customer_balance(customer)
        rows = [{"currency": currency, **asdict(balances[currency])} for currency in sorted(balances)]
        return Response(BalanceSerializer(rows, many=True).data)
