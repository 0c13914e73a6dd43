"""REST API v1 for customers: /api/v1/customers/ and the users of each.

Views parse, call one selector or service and shape the answer; serializers
only check types and lengths, the services check the rules.

- Isolation: every customer comes from the selectors (`customer_list`,
  `customer_for`), so an id the user may not see answers 404 for every method.
- Writes: staff need the matching Django permission (customers.add_customer,
  change_customer, delete_customer); a customer's user may change a customer
  only with the EDIT_PROFILE capability (owners), and never what decides how it
  is invoiced (services.STAFF_ONLY_FIELDS: change requests, change_request_api.py),
  may never create or delete one, and may manage its users only with
  MANAGE_USERS (the memberships service decides).
- Errors: the services key address errors "address.county"; they leave nested
  ({"address": {"county": [...]}}) in the error shape of praho.core.api. A
  refusal by a business rule (RULE_CODES) puts the rule in the error's code.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from praho.accounts.models import User
from praho.core.api import ErrorResponses, LineField, require_staff_permission, user_of, validated
from praho.customers.models import (
    MAX_PAYMENT_TERMS_DAYS,
    PAYMENT_TERMS_MESSAGE,
    Address,
    Currency,
    Customer,
    CustomerKind,
    Invitation,
    Membership,
    MembershipRole,
    TaxProfile,
    ViesStatus,
)
from praho.customers.roles import Capability, can
from praho.customers.rules.identifiers import display_tax_id
from praho.customers.selectors import customer_for, customer_list, memberships_of
from praho.customers.services import customers as services
from praho.customers.services import memberships

# Codes without labels: with settings.LANGUAGES' (code, label) pairs the schema
# would give the choice set of /me/'s "language" a second name (a warning).
LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]


# --- Serializers ----------------------------------------------------------------


class AddressSerializer(serializers.Serializer[Any]):
    street = LineField(max_length=255)
    city = LineField(max_length=services.MAX_CITY, help_text=_("In Bucharest: Sector 1 to Sector 6."))
    county = LineField(
        max_length=64,
        required=False,
        allow_blank=True,
        help_text=_("In Romania: ISO 3166-2:RO code, e.g. RO-CJ (RO-B for Bucharest)."),
    )
    postal_code = LineField(max_length=16, required=False, allow_blank=True)
    country = LineField(min_length=2, max_length=2, help_text=_("ISO 3166-1 alpha-2 code, e.g. RO."))


class BillingAddressSerializer(AddressSerializer):
    """The customer's billing address (prefetched by customer_list), or null."""

    def get_attribute(self, instance: Customer) -> Address | None:
        addresses: list[Address] = getattr(instance, "billing_addresses", None) or []
        return addresses[0] if addresses else None


def _profile(customer: Customer) -> TaxProfile:
    prefetched: list[TaxProfile] | None = getattr(customer, "current_profiles", None)
    return prefetched[0] if prefetched else services.current_profile(customer)


class _FromProfile(serializers.Field[Any, Any, Any, Any]):
    """A read-only field of the customer's current tax profile (prefetched by customer_list)."""

    def get_attribute(self, instance: Customer) -> Any:
        return getattr(_profile(instance), str(self.field_name))


class _ProfileBoolean(_FromProfile, serializers.BooleanField):
    pass


class _ProfileChoice(_FromProfile, serializers.ChoiceField):
    pass


class _ProfileInteger(_FromProfile, serializers.IntegerField):
    pass


class _ProfileEmail(_FromProfile, serializers.EmailField):
    pass


class CustomerSerializer(serializers.ModelSerializer[Customer]):
    """A customer with its current tax and billing profile and billing address."""

    tax_id_display = serializers.SerializerMethodField(
        help_text=_('As printed: "RO 18547290" for VAT payers.')
    )
    vat_payer = _ProfileBoolean(read_only=True)
    vat_on_cash_basis = _ProfileBoolean(read_only=True)
    currency = _ProfileChoice(choices=Currency.choices, read_only=True)
    payment_terms_days = _ProfileInteger(read_only=True)
    invoice_email = _ProfileEmail(read_only=True)
    document_language = _ProfileChoice(choices=LANGUAGE_CODES, read_only=True)
    address = BillingAddressSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Customer
        fields = [
            "id",
            "kind",
            "name",
            "trade_name",
            "country",
            "tax_id",
            "tax_id_display",
            "trade_register_number",
            "iban",
            "email",
            "phone",
            "vat_payer",
            "vat_on_cash_basis",
            "currency",
            "payment_terms_days",
            "invoice_email",
            "document_language",
            "vies_status",
            "vies_checked_at",
            "vies_reference",
            "address",
            "created_at",
            "updated_at",
            "deleted_at",
        ]
        read_only_fields = fields

    def get_tax_id_display(self, customer: Customer) -> str:
        return display_tax_id(
            customer.tax_id, country=customer.country, vat_payer=_profile(customer).vat_payer
        )


class CustomerWriteSerializer(serializers.Serializer[Any]):
    """What a client sends; the services check identifiers, addresses and uniqueness."""

    kind = serializers.ChoiceField(choices=CustomerKind.choices)
    name = LineField(max_length=services.MAX_NAME, allow_blank=True)
    trade_name = LineField(max_length=services.MAX_NAME, required=False, allow_blank=True)
    country = LineField(max_length=8, help_text=_("ISO 3166-1 alpha-2 code, e.g. RO."))
    tax_id = LineField(
        max_length=64,
        required=False,
        allow_blank=True,
        help_text=_(
            "Romanian company: CUI (required); Bulgarian company: EIK; other EU company: VAT number; "
            "Romanian individual: CNP (optional)."
        ),
    )
    trade_register_number = LineField(max_length=64, required=False, allow_blank=True)
    iban = LineField(max_length=64, required=False, allow_blank=True)
    email = LineField(max_length=254, required=False, allow_blank=True)
    phone = LineField(
        max_length=32,
        required=False,
        allow_blank=True,
        help_text=_("Read as Romanian unless it starts with +."),
    )
    vat_payer = serializers.BooleanField(required=False)
    vat_on_cash_basis = serializers.BooleanField(required=False)
    currency = serializers.ChoiceField(choices=Currency.choices, required=False)
    payment_terms_days = serializers.IntegerField(
        min_value=0,
        max_value=MAX_PAYMENT_TERMS_DAYS,
        required=False,
        error_messages={"max_value": PAYMENT_TERMS_MESSAGE},
    )
    invoice_email = LineField(max_length=254, required=False, allow_blank=True)
    document_language = serializers.ChoiceField(choices=LANGUAGE_CODES, required=False)
    address = AddressSerializer(required=False, help_text=_("The billing address."))


class CustomerFilterSerializer(serializers.Serializer[Any]):
    search = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=_("Words in the name, trade name, tax id, email or phone."),
    )
    kind = serializers.ChoiceField(choices=CustomerKind.choices, required=False, allow_blank=True)
    country = serializers.CharField(max_length=2, required=False, allow_blank=True)
    vies_status = serializers.ChoiceField(choices=ViesStatus.choices, required=False, allow_blank=True)
    deleted = serializers.BooleanField(
        required=False, default=False, help_text=_("Only deleted customers (administrators).")
    )


class MembershipSerializer(serializers.ModelSerializer[Membership]):
    user = serializers.IntegerField(source="user_id", read_only=True, help_text=_("The user's id."))
    email = serializers.EmailField(source="user.email", read_only=True)
    name = serializers.CharField(source="user.get_full_name", read_only=True)
    since = serializers.DateTimeField(source="created_at", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "user", "email", "name", "role", "since"]
        read_only_fields = fields


class RoleSerializer(serializers.Serializer[Any]):
    role = serializers.ChoiceField(choices=MembershipRole.choices)


class InviteSerializer(RoleSerializer):
    email = LineField(max_length=254)


class InvitationSerializer(serializers.ModelSerializer[Invitation]):
    class Meta:
        model = Invitation
        fields = ["id", "email", "role", "expires_at"]
        read_only_fields = fields


# --- Access ---------------------------------------------------------------------


def _require_change(user: User, customer: Customer) -> None:
    if user.is_staff:
        allowed = user.has_perm("customers.change_customer")
    else:
        allowed = can(memberships.role_of(user, customer), Capability.EDIT_PROFILE)
    if not allowed:
        raise PermissionDenied


def _shown(user: User, customer_id: int) -> dict[str, Any]:
    """A customer as the list shows it, read again after a write."""
    return CustomerSerializer(get_object_or_404(customer_list(user), pk=customer_id)).data


# --- Views ----------------------------------------------------------------------


error_responses = ErrorResponses(
    invalid=_("Validation error: messages per field (address errors nested under address)."),
    forbidden=_("Not allowed: missing staff permission or customer role."),
    not_found=_("No such customer for this user (also when it exists but belongs to someone else)."),
)


CUSTOMER_ID = OpenApiParameter("customer_id", OpenApiTypes.INT, OpenApiParameter.PATH)
MEMBERSHIP_ID = OpenApiParameter("membership_id", OpenApiTypes.INT, OpenApiParameter.PATH)


@extend_schema(tags=["customers"])
@extend_schema_view(
    get=extend_schema(
        parameters=[CustomerFilterSerializer],
        responses={200: CustomerSerializer(many=True), **error_responses(400, 401)},
    ),
    post=extend_schema(
        request=CustomerWriteSerializer, responses={201: CustomerSerializer, **error_responses(400, 401, 403)}
    ),
)
class CustomerListView(generics.ListCreateAPIView[Customer]):
    """Customers the user may see (staff: all; a customer's user: their own), and creating one (staff)."""

    serializer_class = CustomerSerializer

    def get_queryset(self) -> QuerySet[Customer]:
        if getattr(self, "swagger_fake_view", False):
            return Customer.objects.none()
        filters = validated(CustomerFilterSerializer, self.request.query_params, query=True)
        return customer_list(
            user_of(self.request),
            query=filters.get("search", ""),
            kind=filters.get("kind", ""),
            country=filters.get("country", ""),
            vies_status=filters.get("vies_status", ""),
            deleted=filters["deleted"],
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actor = user_of(request)
        require_staff_permission(actor, "customers.add_customer")
        data = validated(CustomerWriteSerializer, request.data)
        customer = services.create_customer(actor=actor, **data)
        return Response(_shown(actor, customer.pk), status=status.HTTP_201_CREATED)


@extend_schema(tags=["customers"], parameters=[CUSTOMER_ID])
@extend_schema_view(
    get=extend_schema(responses={200: CustomerSerializer, **error_responses(401, 404)}),
    patch=extend_schema(
        request=CustomerWriteSerializer,
        responses={200: CustomerSerializer, **error_responses(400, 401, 403, 404)},
        description=_(
            "Change identity, profile (a new version) and billing address. A customer's user may "
            "not change the kind, country, tax_id, vat_payer, vat_on_cash_basis, currency, "
            "payment_terms_days or the address's country (400, code staff_only, each field "
            "named; the current value sent again is accepted): they ask for it with a change "
            "request."
        ),
    ),
    delete=extend_schema(responses={204: None, **error_responses(401, 403, 404)}),
)
class CustomerDetailView(generics.RetrieveUpdateDestroyAPIView[Customer]):
    """One customer. PATCH changes identity, profile (a new version) and billing address; DELETE hides it."""

    serializer_class = CustomerSerializer
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def get_object(self) -> Customer:
        return get_object_or_404(customer_list(user_of(self.request)), pk=self.kwargs["customer_id"])

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actor = user_of(request)
        customer = self.get_object()
        _require_change(actor, customer)
        data = validated(CustomerWriteSerializer, request.data, partial=True)
        services.change_customer(actor=actor, customer=customer, **data)
        return Response(_shown(actor, customer.pk))

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actor = user_of(request)
        customer = customer_for(actor, self.kwargs["customer_id"])
        require_staff_permission(actor, "customers.delete_customer")
        services.delete_customer(actor=actor, customer=customer)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["customers"], parameters=[CUSTOMER_ID])
@extend_schema_view(
    get=extend_schema(responses={200: MembershipSerializer(many=True), **error_responses(401, 404)}),
    post=extend_schema(
        request=InviteSerializer,
        responses={201: InvitationSerializer, **error_responses(400, 401, 403, 404)},
    ),
)
class CustomerUsersView(generics.ListCreateAPIView[Membership]):
    """The users of a customer with their roles; POST emails an invitation (owners and staff)."""

    serializer_class = MembershipSerializer

    def get_queryset(self) -> QuerySet[Membership]:
        if getattr(self, "swagger_fake_view", False):
            return Membership.objects.none()
        return memberships_of(customer_for(user_of(self.request), self.kwargs["customer_id"]))

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actor = user_of(request)
        customer = customer_for(actor, self.kwargs["customer_id"])
        data = validated(InviteSerializer, request.data)
        invitation = memberships.invite_user(
            actor=actor, customer=customer, email=data["email"], role=data["role"]
        )
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["customers"], parameters=[CUSTOMER_ID, MEMBERSHIP_ID])
@extend_schema_view(
    patch=extend_schema(
        request=RoleSerializer,
        responses={200: MembershipSerializer, **error_responses(400, 401, 403, 404)},
        description=_("Change the user's role. A customer keeps at least one owner (code last_owner)."),
    ),
    delete=extend_schema(
        responses={204: None, **error_responses(400, 401, 403, 404)},
        description=_("Remove the user from the customer; the last owner cannot be removed."),
    ),
)
class CustomerUserView(generics.UpdateAPIView[Membership], generics.DestroyAPIView[Membership]):
    """One user of a customer."""

    serializer_class = MembershipSerializer
    http_method_names = ["patch", "delete", "options"]

    def get_object(self) -> Membership:
        customer = customer_for(user_of(self.request), self.kwargs["customer_id"])
        return get_object_or_404(memberships_of(customer), pk=self.kwargs["membership_id"])

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        membership = self.get_object()
        data = validated(RoleSerializer, request.data)
        changed = memberships.change_role(actor=user_of(request), membership=membership, role=data["role"])
        return Response(MembershipSerializer(changed).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        memberships.remove_member(actor=user_of(request), membership=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
