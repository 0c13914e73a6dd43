"""What a customer may use now: the features of its active services (add-ons and included plans
are services too) summed per feature, times each service's quantity. One unlimited service makes
the feature unlimited. Provisioning, support and the customer area read it from here."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, Sum

from praho.catalog.models import Feature, PlanFeature
from praho.catalog.models.translated import translated
from praho.customers.models import Customer
from praho.orders.models import Service, ServiceStatus


@dataclass(frozen=True)
class Entitlement:
    code: str
    name: str
    unit: str
    limit: Decimal | None  # None: unlimited


def entitlements_of(customer: Customer | int) -> list[Entitlement]:
    """Two queries: the sums per feature (with a count of unlimited grants), then the features."""
    customer_id = customer if isinstance(customer, int) else customer.pk
    active = Service.objects.filter(customer_id=customer_id, status=ServiceStatus.ACTIVE)
    rows = (
        PlanFeature.objects.filter(plan__services__in=active)
        .values("feature_id")
        .annotate(
            total=Sum(F("limit") * F("plan__services__quantity")), grants=Count("pk"), limited=Count("limit")
        )
    )
    sums = {row["feature_id"]: row for row in rows}
    features = Feature.objects.filter(pk__in=sums).order_by("position", "pk")
    return [
        Entitlement(
            code=feature.code,
            name=translated(feature, "name"),
            unit=feature.unit,
            # A NULL limit counts in `grants`, not in `limited`: some service grants it unlimited.
            limit=None
            if sums[feature.pk]["limited"] != sums[feature.pk]["grants"]
            else sums[feature.pk]["total"],
        )
        for feature in features
    ]
