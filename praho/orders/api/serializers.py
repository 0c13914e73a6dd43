"""Serializers of the orders API (views in praho.orders.api.orders and services).

Reading: an order with its lines, a service, a customer's entitlements; amounts are decimal
strings ("121.00").

Writing: the serializers check the body's shape only (its keys, the customer's id, the currency,
the coupon's length); what an item means (plan, cycle, quantity, domain, add-ons) is checked by
praho.orders.quotes.quote(), the one function that prices the cart, the API and checkout, with the
same messages and the same keys ("items.0.cycle") everywhere. An item's values are therefore
passed to it as sent.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.settings import api_settings

from praho.catalog.models import Cycle
from praho.core.api import LineField, StrictIntegerField, TextField
from praho.core.money import Currency
from praho.orders.models import Order, OrderLine, OrderStatus, Service, ServiceStatus

COUPON_MAX_LENGTH = 40
REASON_MAX_LENGTH = Order._meta.get_field("decision_note").max_length or 500
PLAN_REFERENCE_MAX_LENGTH = 40

# --- Reading ------------------------------------------------------------------------
#
# The lists show 50 orders with their lines or 50 services a page: DRF's field-by-field reading
# was most of their time (bench/orders.py), so each serializer writes its rows itself, in the
# shapes and formats its declared fields give (the schema) and DRF would write (test_api_shapes).

_WHEN = serializers.DateTimeField()


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _when(value: datetime | None) -> str | None:
    return None if value is None else _WHEN.to_representation(value)


def _line(line: OrderLine) -> dict[str, Any]:
    return {
        "id": line.pk,
        "position": line.position,
        "role": line.role,
        "plan": line.plan_id,
        "plan_code": line.plan_code,
        "description": line.description,
        "cycle": line.cycle,
        "quantity": line.quantity,
        "domain": line.domain,
        "unit_price": _money(line.unit_price),
        "setup_fee": _money(line.setup_fee),
        "discount": _money(line.discount),
        "net_amount": _money(line.net_amount),
        "parent": line.parent_id,
    }


class OrderLineSerializer(serializers.ModelSerializer[OrderLine]):
    plan = serializers.IntegerField(source="plan_id", read_only=True, help_text=_("The plan's id."))
    discount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        read_only=True,
        help_text=_("Package and coupon discounts of the line, without VAT."),
    )
    # The metaclass moves declared fields out of the class: this does not shadow Field.parent at run
    # time; only the type checker sees a clash.
    parent = serializers.IntegerField(  # type: ignore[assignment]
        source="parent_id",
        read_only=True,
        allow_null=True,
        help_text=_("The line this add-on or included plan came with; null for an item."),
    )

    class Meta:
        model = OrderLine
        fields = [
            "id",
            "position",
            "role",
            "plan",
            "plan_code",
            "description",
            "cycle",
            "quantity",
            "domain",
            "unit_price",
            "setup_fee",
            "discount",
            "net_amount",
            "parent",
        ]
        read_only_fields = fields

    def to_representation(self, instance: OrderLine) -> dict[str, Any]:
        return _line(instance)


class OrderSerializer(serializers.ModelSerializer[Order]):
    lines = OrderLineSerializer(many=True, read_only=True)
    coupon = serializers.CharField(source="coupon_code", read_only=True, help_text=_("The coupon code used."))
    proforma = serializers.IntegerField(
        source="document_id",
        read_only=True,
        allow_null=True,
        help_text=_(
            "The id of the proforma (or invoice, by setting) issued for the order; null while the order "
            "awaits approval, and for an order that costs nothing."
        ),
    )
    invoice = serializers.IntegerField(
        source="invoice_id",
        read_only=True,
        allow_null=True,
        help_text=_("The id of the invoice that paid it."),
    )

    class Meta:
        model = Order
        fields = [
            "id",
            "number",
            "status",
            "customer",
            "currency",
            "lines",
            "coupon",
            "discount_total",
            "net_total",
            "vat_total",
            "total",
            "proforma",
            "invoice",
            "review_reason",
            "decision_note",
            "placed_at",
            "paid_at",
            "closed_at",
        ]
        read_only_fields = fields

    def to_representation(self, instance: Order) -> dict[str, Any]:
        order = instance
        return {
            "id": order.pk,
            "number": order.number,
            "status": order.status,
            "customer": order.customer_id,
            "currency": order.currency,
            "lines": [_line(line) for line in order.lines.all()],  # prefetched by the views
            "coupon": order.coupon_code,
            "discount_total": _money(order.discount_total),
            "net_total": _money(order.net_total),
            "vat_total": _money(order.vat_total),
            "total": _money(order.total),
            "proforma": order.document_id,
            "invoice": order.invoice_id,
            "review_reason": order.review_reason,
            "decision_note": order.decision_note,
            "placed_at": _when(order.placed_at),
            "paid_at": _when(order.paid_at),
            "closed_at": _when(order.closed_at),
        }


class ServiceSerializer(serializers.ModelSerializer[Service]):
    plan = serializers.IntegerField(source="plan_id", read_only=True, help_text=_("The plan's id."))
    plan_code = serializers.CharField(source="plan.code", read_only=True)
    parent = serializers.IntegerField(  # type: ignore[assignment]  # as OrderLineSerializer.parent
        source="parent_id", read_only=True, allow_null=True, help_text=_("The service this one belongs to.")
    )
    group = serializers.IntegerField(
        source="group_id",
        read_only=True,
        allow_null=True,
        help_text=_("The package (services bought together) it is part of."),
    )
    order = serializers.SerializerMethodField(help_text=_("The id of the order that created it."))
    auto_renew = serializers.BooleanField(
        read_only=True, help_text=_("Whether it renews at the end of its period (false once cancelled).")
    )
    cancel_at = serializers.DateField(
        read_only=True,
        allow_null=True,
        help_text=_("The last day it runs once cancelled at the end of its period."),
    )

    class Meta:
        model = Service
        fields = [
            "id",
            "customer",
            "status",
            "plan",
            "plan_code",
            "cycle",
            "quantity",
            "domain",
            "next_due_date",
            "auto_renew",
            "cancel_at",
            "price",
            "currency",
            "parent",
            "group",
            "order",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_order(self, service: Service) -> int | None:
        line = service.order_line  # the views read the order's id along (selectors.shown_services)
        return line.order_id if line is not None else None

    def to_representation(self, instance: Service) -> dict[str, Any]:
        service = instance
        due = service.next_due_date
        return {
            "id": service.pk,
            "customer": service.customer_id,
            "status": service.status,
            "plan": service.plan_id,
            "plan_code": getattr(service, "shown_plan_code", None) or service.plan.code,
            "cycle": service.cycle,
            "quantity": service.quantity,
            "domain": service.domain,
            "next_due_date": None if due is None else due.isoformat(),
            "auto_renew": service.auto_renew,
            "cancel_at": None if service.cancel_at is None else service.cancel_at.isoformat(),
            "price": _money(service.price),
            "currency": service.currency,
            "parent": service.parent_id,
            "group": service.group_id,
            "order": service.shown_order_id
            if hasattr(service, "shown_order_id")
            else self.get_order(service),
            "created_at": _when(service.created_at),
        }


class FeatureLimitSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()
    limit = serializers.DecimalField(
        max_digits=None, decimal_places=2, allow_null=True, help_text=_("null: unlimited.")
    )


class EntitlementsSerializer(serializers.Serializer[Any]):
    customer = serializers.IntegerField()
    features = FeatureLimitSerializer(many=True)


# --- Writing ------------------------------------------------------------------------


class _AsSent(serializers.Field):
    """A value passed to quote() as sent: it checks it and says what is wrong, keyed by field."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Any:
        return data

    def to_representation(self, value: Any) -> Any:
        return value


@extend_schema_field(
    {"oneOf": [{"type": "integer"}, {"type": "string", "maxLength": PLAN_REFERENCE_MAX_LENGTH}]}
)
class PlanReferenceField(_AsSent):
    """A plan's id or code."""


@extend_schema_field(serializers.ChoiceField(choices=Cycle.choices))
class CycleField(_AsSent):
    pass


@extend_schema_field(OpenApiTypes.INT)
class QuantityField(_AsSent):
    pass


@extend_schema_field(OpenApiTypes.STR)
class DomainField(_AsSent):
    pass


@extend_schema_field(serializers.ListField(child=PlanReferenceField()))
class AddonsField(_AsSent):
    pass


class _Items(serializers.ListSerializer[Any]):
    """An order's items: at most settings.ORDERS_MAX_ITEMS, refused before any is read."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, list) and len(data) > settings.ORDERS_MAX_ITEMS:
            message = gettext("An order has at most %(max)d items.") % {"max": settings.ORDERS_MAX_ITEMS}
            raise serializers.ValidationError({api_settings.NON_FIELD_ERRORS_KEY: [message]}, code="too_many")
        return super().to_internal_value(data)


class OrderItemSerializer(serializers.Serializer[Any]):
    class Meta:
        list_serializer_class = _Items

    plan = PlanReferenceField(help_text=_("The plan's id or code."))
    cycle = CycleField(
        help_text=_("The billing cycle; the plan must be priced in it in the order's currency.")
    )
    quantity = QuantityField(required=False, help_text=_("1 (default) up to the plan's maximum."))
    domain = DomainField(
        required=False, help_text=_("The domain name, for plans that need one (quantity 1 then).")
    )
    addons = AddonsField(
        required=False, help_text=_("Add-ons the plan offers, by id or code, each at most once.")
    )


class OrderCreateSerializer(serializers.Serializer[Any]):
    customer = StrictIntegerField(help_text=_("The customer's id."))
    currency = serializers.ChoiceField(choices=Currency.choices)
    items = OrderItemSerializer(many=True, help_text=_("What is ordered, one entry per plan."))
    coupon = LineField(max_length=COUPON_MAX_LENGTH, required=False, allow_blank=True)

    def to_internal_value(self, data: Any) -> Any:
        values = super().to_internal_value(data)
        # The items as sent (only the keys sent): quote() checks and reads them.
        values["items"] = [{key: item[key] for key in item} for item in values["items"]]
        return values


class CancelSerializer(serializers.Serializer[Any]):
    reason = TextField(max_length=REASON_MAX_LENGTH, required=False, allow_blank=True)


class RefuseSerializer(serializers.Serializer[Any]):
    reason = TextField(max_length=REASON_MAX_LENGTH, help_text=_("Why the order is refused; required."))


class ApproveSerializer(serializers.Serializer[Any]):
    note = TextField(max_length=REASON_MAX_LENGTH, required=False, allow_blank=True)


# --- Filters ------------------------------------------------------------------------


class OrderFilterSerializer(serializers.Serializer[Any]):
    customer = StrictIntegerField(required=False, help_text=_("A customer's id."))
    status = serializers.ChoiceField(
        choices=[choice for choice in OrderStatus.choices if choice[0] != OrderStatus.DRAFT],
        required=False,
        allow_blank=True,
    )


class ServiceFilterSerializer(serializers.Serializer[Any]):
    customer = StrictIntegerField(required=False, help_text=_("A customer's id."))
    status = serializers.ChoiceField(choices=ServiceStatus.choices, required=False, allow_blank=True)
    plan = LineField(
        max_length=PLAN_REFERENCE_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text=_("A plan's id or code."),
    )
