"""/api/v1/exchange-rates/: the RON exchange rates billing uses, for integrators.

- GET lists the rates, newest day first, paginated; `currency` keeps one currency, `date` the
  rate that applies on that day as billing uses it (praho.billing.services.fx.rate_for: that day's, or
  for a day without one, the last before it), one per currency. Rates are public data (BNR
  publishes them): every authenticated user reads them, customers' users too.
- POST {"currency", "date", "rate"} enters a rate by hand for a day BNR has not published, as
  the staff rates page does: the same service (fx.set_manual_rate: its rules, its messages, its
  audit event) and the same permission (billing.add_exchangerate, staff only). A customer's
  user may read but not write: 403.
- Errors keep the shape of praho.core.api; the service's "on" is the API's "date".
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from praho.billing.api.schema import error_responses
from praho.billing.models.fx import FOREIGN_CURRENCIES, ExchangeRate, RateSource, rate_text
from praho.billing.services import fx
from praho.core.api import BoundedDateField, LineField, renamed, require_staff_permission, user_of, validated

# The service checks the rate itself (a number, positive, at most four decimals) with the
# staff page's messages; this only bounds what is read.
RATE_MAX_LENGTH = 32


class ExchangeRateSerializer(serializers.Serializer[ExchangeRate]):
    currency = serializers.CharField()
    date = serializers.DateField(help_text=_("The day the rate is for (Europe/Bucharest)."))
    rate = serializers.SerializerMethodField(help_text=_('RON for one unit of the currency, e.g. "5.0915".'))
    # The metaclass moves declared fields out of the class; only the type checker sees Field.source.
    source = serializers.ChoiceField(choices=RateSource.choices)  # type: ignore[assignment]

    @extend_schema_field(serializers.CharField())
    def get_rate(self, row: ExchangeRate) -> str:
        return rate_text(row.rate)


class ExchangeRateFilterSerializer(serializers.Serializer[Any]):
    currency = serializers.ChoiceField(choices=FOREIGN_CURRENCIES, required=False, allow_blank=True)
    date = BoundedDateField(
        required=False,
        help_text=_(
            "The rate that applies on this day, as billing uses it: that day's, or for a day without "
            "one (weekend, public holiday, before 13:00), the last before it."
        ),
    )


class ManualRateSerializer(serializers.Serializer[Any]):
    currency = serializers.ChoiceField(choices=FOREIGN_CURRENCIES)
    date = BoundedDateField(help_text=_("A day BNR has not published, not in the future."))
    rate = LineField(
        max_length=RATE_MAX_LENGTH,
        help_text=_("RON for one unit, positive, at most four decimals as BNR publishes, e.g. 5.0915."),
    )


@extend_schema(tags=["exchange rates"])
@extend_schema_view(
    get=extend_schema(
        parameters=[ExchangeRateFilterSerializer],
        responses={200: ExchangeRateSerializer(many=True), **error_responses(400, 401)},
        description=_(
            "BNR's reference rates and rates entered by hand, newest day first; with `date`, the rate "
            "each currency has on that day as billing uses it."
        ),
    ),
    post=extend_schema(
        request=ManualRateSerializer,
        responses={201: ExchangeRateSerializer, **error_responses(400, 401, 403)},
        description=_(
            "Enter (or correct) by hand the rate of a day BNR has not published; a rate BNR published "
            "cannot be replaced, and BNR's rate replaces this one once it publishes the day. Staff with "
            "billing.add_exchangerate only."
        ),
    ),
)
class ExchangeRateListView(generics.ListCreateAPIView[ExchangeRate]):
    serializer_class = ExchangeRateSerializer

    def get_queryset(self) -> QuerySet[ExchangeRate]:
        if getattr(self, "swagger_fake_view", False):
            return ExchangeRate.objects.none()
        filters = validated(ExchangeRateFilterSerializer, self.request.query_params)
        rates = fx.rates_in_force(filters["date"]) if "date" in filters else ExchangeRate.objects.all()
        if filters.get("currency"):
            rates = rates.filter(currency=filters["currency"])
        return rates.order_by("-date", "currency")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actor = user_of(request)
        require_staff_permission(actor, "billing.add_exchangerate")
        data = validated(ManualRateSerializer, request.data)
        try:
            row = fx.set_manual_rate(
                actor=actor, currency=data["currency"], on=data["date"], rate=data["rate"]
            )
        except DjangoValidationError as error:
            raise renamed(error, {"on": "date"}) from None
        return Response(ExchangeRateSerializer(row).data, status=status.HTTP_201_CREATED)
