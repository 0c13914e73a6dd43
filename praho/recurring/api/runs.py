"""/api/v1/billing-runs/: the billing runs, newest first, with their summaries (staff with
recurring.view_billingrun; customers' users get 403). Filter by `status`; paginated."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers

from praho.core.api import ErrorResponses, require_staff_permission, user_of, validated
from praho.recurring.models import BillingRun, RunStatus

error_responses = ErrorResponses(
    invalid=gettext_lazy("A filter is not valid; `error.fields` names it."),
    forbidden=gettext_lazy("Only staff who see billing runs may list them."),
    not_found=gettext_lazy("Not found."),
)


class BillingRunSerializer(serializers.ModelSerializer[BillingRun]):
    totals = serializers.DictField(
        child=serializers.CharField(),
        help_text=gettext_lazy('Totals with VAT of the documents issued, per currency: {"RON": "1234.50"}.'),
    )
    errors = serializers.ListField(  # type: ignore[assignment]  # the run's field, not the serializer's
        child=serializers.DictField(),
        help_text=gettext_lazy(
            'What could not be billed: [{"customer": 12, "currency": "RON", "message": "..."}].'
        ),
    )

    class Meta:
        model = BillingRun
        fields: ClassVar[list[str]] = [
            "id",
            "run_date",
            "trigger",
            "status",
            "started_at",
            "finished_at",
            "documents",
            "services",
            "totals",
            "errors",
        ]
        read_only_fields = fields


class RunFilterSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=RunStatus.choices, required=False)


@extend_schema(tags=["billing runs"])
@extend_schema_view(
    get=extend_schema(
        parameters=[RunFilterSerializer],
        responses={200: BillingRunSerializer(many=True), **error_responses(400, 401, 403)},
        summary=gettext_lazy("List billing runs"),
    )
)
class BillingRunListView(generics.ListAPIView[BillingRun]):
    serializer_class = BillingRunSerializer

    def get_queryset(self) -> QuerySet[BillingRun]:
        if getattr(self, "swagger_fake_view", False):
            return BillingRun.objects.none()
        require_staff_permission(user_of(self.request), "recurring.view_billingrun")
        filters = validated(RunFilterSerializer, self.request.query_params, query=True)
        runs = BillingRun.objects.order_by("-id")
        return runs.filter(status=filters["status"]) if filters.get("status") else runs
