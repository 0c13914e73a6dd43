"""The shapes of recurring billing's service endpoints: a cancellation's body and answer, a plan
change's proration (the preview) and the change's answers (provisioning's, with the proration)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from praho.core.api import LineField
from praho.provisioning.api.serializers import OperationSerializer, ProvisionedServiceSerializer

PLAN_REFERENCE_MAX_LENGTH = 40
DOCUMENTS = [
    ("proforma", "proforma"),
    ("invoice", "invoice"),
    ("credit_note", "credit_note"),
    ("credit", "credit"),
]


class ServiceCancelSerializer(serializers.Serializer[Any]):
    when = serializers.ChoiceField(
        choices=[("period_end", "period_end"), ("now", "now")],
        help_text=_(
            '"period_end": the service runs to the end of its paid period and renews no more; '
            '"now" (staff only): it is terminated at once and the unused days are credited.'
        ),
    )
    children = serializers.ChoiceField(
        choices=[("terminate", "terminate"), ("keep", "keep")],
        required=False,
        help_text=_('With "now": what to do with its live add-ons; required when it has some.'),
    )


class CancelledServiceSerializer(ProvisionedServiceSerializer):
    """The service as GET /api/v1/services/{id}/ shows it, and the credit note of a cancellation now."""

    credit_note = serializers.IntegerField(
        allow_null=True, help_text=_("The credit note for the unused days (null: none).")
    )

    class Meta(ProvisionedServiceSerializer.Meta):
        fields = [*ProvisionedServiceSerializer.Meta.fields, "credit_note"]
        read_only_fields = fields


class PlanChangeQuerySerializer(serializers.Serializer[Any]):
    plan = LineField(max_length=PLAN_REFERENCE_MAX_LENGTH, help_text=_("The new plan's id or code."))


class ProratedChangePlanSerializer(serializers.Serializer[Any]):
    plan = LineField(
        max_length=PLAN_REFERENCE_MAX_LENGTH,
        help_text=_("The new plan's id or code (same provisioning module, a price in the service's cycle)."),
    )


class PlanChangePreviewSerializer(serializers.Serializer[Any]):
    plan = serializers.IntegerField(help_text=_("The new plan's id."))
    plan_code = serializers.CharField()
    period_start = serializers.DateField(
        allow_null=True,
        help_text=_("The first day of the period paid for (null: none, nothing is prorated; staff only)."),
    )
    period_end = serializers.DateField(allow_null=True, help_text=_("Its last day."))
    days_left = serializers.IntegerField(help_text=_("Days from today, today included, to the period's end."))
    days_in_period = serializers.IntegerField()
    credit = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text=_("For the old plan's unused days, without VAT.")
    )
    charge = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text=_("For the new plan's days left, without VAT.")
    )
    net = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        help_text=_("charge - credit: billed when positive, credited when negative."),
    )
    currency = serializers.CharField()
    document = serializers.ChoiceField(
        choices=DOCUMENTS,
        allow_null=True,
        help_text=_(
            "What the change issues: a proforma or an invoice (net > 0), a credit note (net < 0; "
            '"credit" when the difference is kept as customer credit), or nothing (null).'
        ),
    )


class PlanChangeProrationSerializer(PlanChangePreviewSerializer):
    document_id = serializers.IntegerField(allow_null=True, help_text=_("The document issued (null: none)."))


class ChangedOperationSerializer(OperationSerializer):
    proration = PlanChangeProrationSerializer()


class ChangedServiceSerializer(ProvisionedServiceSerializer):
    proration = PlanChangeProrationSerializer()

    class Meta(ProvisionedServiceSerializer.Meta):
        fields = [*ProvisionedServiceSerializer.Meta.fields, "proration"]
        read_only_fields = fields
