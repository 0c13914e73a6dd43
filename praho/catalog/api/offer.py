"""/api/v1/catalog/: the public catalog, for the shop's site, the customer portal and integrators.

- GET /catalog/ answers {"date", "groups": [...]}: the groups shown in the catalog, in their
  order, each with its public plans (not hidden, not retired), their features with limits and
  the prices in force today (Europe/Bucharest), net of VAT, as decimal strings. A limit is a
  decimal string, or null for unlimited. Names and descriptions are in the request's language
  (Accept-Language: en, ro, bg; English stands in for a missing translation).
- Anyone may read it, signed in or not (AllowAny): it is the offer published on the provider's
  site; no price or plan here is a secret, and hidden plans, retired plans and plans behind a
  feature flag are left out. The orders layer, which knows whom a flag is on for, may offer
  those to its users elsewhere.
- `currency` keeps the prices in one currency, `group` the group with that code; an unknown
  value of either is refused (400), naming the parameter.
- GET /catalog/plans/{id or code}/ answers one plan of the catalog in the same shape, with its
  group's code; a plan not in the public catalog answers 404.
- The answer comes from the cached tree (praho.catalog.tree: four queries when the catalog
  changed or the day turned, none otherwise), and is rendered to JSON once per catalog version,
  day, language and filter: kept in the process and in the shared cache beside the tree.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from praho.catalog.models import Cycle
from praho.catalog.tree import TREE_TIMEOUT, TreeGroup, TreePlan, catalog_tree, tree_key
from praho.core.api import ErrorResponses, validated
from praho.core.money import Currency
from praho.core.validation import fiscal_today

error_responses = ErrorResponses(
    invalid=_("A query parameter has a value the catalog does not know: messages per parameter."),
    forbidden=_("Not allowed."),
    not_found=_("No such plan in the public catalog."),
)


# --- the answer's shape (for the schema; the answer itself is built from the cached tree) ----


class CatalogFeatureSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField(help_text=_('"GB", or empty for a count.'))
    limit = serializers.DecimalField(
        max_digits=12, decimal_places=2, allow_null=True, help_text=_("null: unlimited.")
    )


class CatalogPriceSerializer(serializers.Serializer[Any]):
    cycle = serializers.ChoiceField(choices=Cycle.choices)
    currency = serializers.ChoiceField(choices=Currency.choices)
    price = serializers.DecimalField(max_digits=12, decimal_places=2, help_text=_("Net of VAT."))
    setup_fee = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text=_("Net of VAT, charged once with the first period.")
    )


class CatalogPlanSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    group = serializers.CharField(help_text=_("The code of the plan's group."))
    module = serializers.CharField(
        allow_null=True, help_text=_('The provisioning module: "virtualmin", "proxmox", "hestiacp" or null.')
    )
    requires_domain = serializers.BooleanField(help_text=_("An order of it names a domain."))
    max_quantity = serializers.IntegerField(help_text=_("The most an order line may take."))
    features = CatalogFeatureSerializer(many=True)
    prices = CatalogPriceSerializer(
        many=True, help_text=_("The prices in force today, per cycle and currency.")
    )


class CatalogGroupSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    code = serializers.CharField()
    kind = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    plans = CatalogPlanSerializer(many=True)


class CatalogSerializer(serializers.Serializer[Any]):
    date = serializers.DateField(help_text=_("The day the prices are in force on (Europe/Bucharest)."))
    groups = CatalogGroupSerializer(many=True)


class CatalogFilterSerializer(serializers.Serializer[Any]):
    currency = serializers.ChoiceField(choices=Currency.choices, required=False)
    group = serializers.SlugField(max_length=40, required=False, help_text=_("A group's code."))


# --- building the answer ---------------------------------------------------------------------


def plan_data(plan: TreePlan, language: str, group_code: str) -> dict[str, Any]:
    return {
        "id": plan.id,
        "code": plan.code,
        "name": plan.name(language),
        "description": plan.description(language),
        "group": group_code,
        "module": plan.module or None,
        "requires_domain": plan.requires_domain,
        "max_quantity": plan.max_quantity,
        "features": [
            {
                "code": feature.code,
                "name": feature.name(language),
                "unit": feature.unit,
                "limit": feature.limit_text,
            }
            for feature in plan.features
        ],
        "prices": [
            {
                "cycle": price.cycle,
                "currency": price.currency,
                "price": price.price,
                "setup_fee": price.setup,
            }
            for price in plan.prices
        ],
    }


def _group_data(group: TreeGroup, language: str) -> dict[str, Any]:
    return {
        "id": group.id,
        "code": group.code,
        "kind": group.kind,
        "name": group.name(language),
        "description": group.description(language),
        "plans": [plan_data(plan, language, group.code) for plan in group.plans if not plan.flag],
    }


def _answer(on: date, language: str, currency: str, group_code: str) -> dict[str, Any]:
    groups = [_group_data(group, language) for group in catalog_tree(on=on)]
    if group_code:
        groups = [group for group in groups if group["code"] == group_code]
    if currency:
        for group in groups:
            for plan in group["plans"]:
                plan["prices"] = [price for price in plan["prices"] if price["currency"] == currency]
    return {"date": on.isoformat(), "groups": groups}


# The rendered answers of this process, by key (the newest version and day only): a warm request
# costs one cache lookup (the version) and no rendering. Answers for one group are kept in the
# shared cache only, and only for groups that exist.
_local: dict[str, bytes] = {}


def catalog_json(*, on: date, language: str, currency: str = "", group_code: str = "") -> bytes:
    """The API's answer as JSON bytes, rendered once per catalog version, day, language and
    filter, and kept in this process and in the shared cache."""
    base = tree_key(on)
    key = f"{base}:api:{language}:{currency}:{group_code}"
    body = _local.get(key)
    if body is not None:
        return body
    body = cache.get(key)
    if body is None:
        body = JSONRenderer().render(_answer(on, language, currency, group_code))
        known = not group_code or any(group.code == group_code for group in catalog_tree(on=on))
        if known:
            cache.set(key, body, TREE_TIMEOUT)
    if not group_code:
        if any(not name.startswith(base) for name in _local):
            _local.clear()
        _local[key] = body
    return body


def _language() -> str:
    return (get_language() or "en")[:2]


def _json(body: bytes) -> HttpResponse:
    response = HttpResponse(body, content_type="application/json")
    patch_vary_headers(response, ["Accept-Language"])
    return response


@extend_schema(tags=["catalog"])
class CatalogView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="catalog",
        parameters=[CatalogFilterSerializer],
        responses={200: CatalogSerializer, **error_responses(400)},
        description=_(
            "The public catalog: groups, each with its public plans, their features and limits and "
            "today's prices net of VAT. Anyone may read it. Names follow Accept-Language (en, ro, bg)."
        ),
    )
    def get(self, request: Request) -> HttpResponse:
        filters = validated(CatalogFilterSerializer, request.query_params, query=True)
        body = catalog_json(
            on=fiscal_today(),
            language=_language(),
            currency=filters.get("currency", ""),
            group_code=filters.get("group", ""),
        )
        return _json(body)


@extend_schema(tags=["catalog"])
class PlanView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="catalog_plan",
        parameters=[
            OpenApiParameter(
                "plan", OpenApiTypes.STR, OpenApiParameter.PATH, description=_("The plan's id or code.")
            )
        ],
        responses={200: CatalogPlanSerializer, **error_responses(404)},
        description=_("One plan of the public catalog, with its features and today's prices."),
    )
    def get(self, request: Request, plan: str) -> HttpResponse:
        today = fiscal_today()
        reference = plan.strip().lower()
        for group in catalog_tree(on=today):
            for row in group.plans:
                if not row.flag and reference in (str(row.id), row.code):
                    return _json(JSONRenderer().render(plan_data(row, _language(), group.code)))
        raise Http404
