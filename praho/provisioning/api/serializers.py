"""The provisioning API's shapes: a service with its server, panel id and operations; an
operation; the bodies of the staff actions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from praho.core.api import LineField
from praho.orders.api.serializers import ServiceSerializer
from praho.orders.models import Service
from praho.provisioning.models import Operation, OperationKind, OperationState

REASON_MAX_LENGTH = 500
OPERATIONS_SHOWN = 20


def _when(value: datetime | None) -> str | None:
    return None if value is None else serializers.DateTimeField().to_representation(value)


class OperationSerializer(serializers.Serializer[Operation]):
    id = serializers.IntegerField()
    service = serializers.IntegerField(source="service_id")
    kind = serializers.ChoiceField(choices=OperationKind.choices)
    state = serializers.ChoiceField(choices=OperationState.choices)
    attempts = serializers.IntegerField()
    steps = serializers.ListField(child=serializers.CharField(), help_text=_("Completed steps, in order."))
    last_error = serializers.CharField(help_text=_("Staff only; empty for customers."))
    idempotency_key = serializers.CharField()
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)

    def to_representation(self, instance: Operation) -> dict[str, Any]:
        staff = bool(self.context.get("staff"))
        return {
            "id": instance.pk,
            "service": instance.service_id,
            "kind": instance.kind,
            "state": instance.state,
            "attempts": instance.attempts,
            "steps": [step["name"] for step in instance.steps],
            "last_error": instance.last_error if staff else "",
            "idempotency_key": instance.idempotency_key,
            "created_at": _when(instance.created_at),
            "started_at": _when(instance.started_at),
            "finished_at": _when(instance.finished_at),
        }


class ProvisionedServiceSerializer(ServiceSerializer):
    """orders' service, with where it lives and what was done on its panel (latest first)."""

    server = serializers.IntegerField(allow_null=True, help_text=_("The server's id (null: none yet)."))
    server_name = serializers.CharField(allow_null=True)
    external_id = serializers.CharField(help_text=_("The panel's id of the account or machine."))
    username = serializers.CharField(help_text=_("The account's user name on the panel."))
    suspension_cause = serializers.CharField(
        help_text=_("staff, unpaid or package; empty when not suspended.")
    )
    operations = OperationSerializer(many=True)

    class Meta(ServiceSerializer.Meta):
        fields = [
            *ServiceSerializer.Meta.fields,
            "server",
            "server_name",
            "external_id",
            "username",
            "suspension_cause",
            "operations",
        ]
        read_only_fields = fields

    def to_representation(self, instance: Service) -> dict[str, Any]:
        body = super().to_representation(instance)
        account = getattr(instance, "account", None) if hasattr(instance, "account") else None
        server = account.server if account is not None else None
        operations = list(instance.operations.all()[:OPERATIONS_SHOWN])
        return {
            **body,
            "server": server.pk if server is not None else None,
            "server_name": server.name if server is not None else None,
            "external_id": account.external_id if account is not None else "",
            "username": account.username if account is not None else "",
            "suspension_cause": account.suspension_cause if account is not None else "",
            "operations": [OperationSerializer(op, context=self.context).data for op in operations],
        }


class SuspendSerializer(serializers.Serializer[Any]):
    reason = LineField(max_length=REASON_MAX_LENGTH, help_text=_("Why it is suspended; required."))


class UnsuspendSerializer(serializers.Serializer[Any]):
    pass


class TerminateSerializer(serializers.Serializer[Any]):
    reason = LineField(max_length=REASON_MAX_LENGTH, required=False, allow_blank=True)
    children = serializers.ChoiceField(
        choices=[("terminate", "terminate"), ("keep", "keep")],
        required=False,
        help_text=_(
            "What to do with its live add-ons: terminate them too, or keep them; required when it has some."
        ),
    )


class ChangePlanSerializer(serializers.Serializer[Any]):
    plan = LineField(max_length=40, help_text=_("The new plan's id or code (same provisioning module)."))
