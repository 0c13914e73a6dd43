"""REST API v1 for billing: invoices, proformas, credit notes, payments and balances.

The views are in praho.billing.api_documents (invoices, proformas, credit notes) and
praho.billing.api_payments (payments, balances), the serializers in
praho.billing.api_serializers; this module holds what they share: who the user is and
may do, parsing with the errors keyed like the services', and the schema's answers.
Views parse, call one selector or service and shape the answer; the services check
the rules and audit.

- Isolation: documents come from `documents_visible_to`/`document_for` and payments
  from `payments_visible_to`/`payment_for` (praho.billing.selectors), so an id the
  user may not see answers 404 for every method, and an id of another kind of
  document (a proforma's id under /invoices/) too. A customer's user sees the
  documents of the customers where their role has the BILLING capability.
- Writes are for staff with the matching permission (billing.add_document,
  change_document, issue_document, credit_document, add_payment). A customer's
  user never writes: 403 on a document they can see, 404 on one they cannot.
- Errors: the shape of praho.core.api. A body's keys an endpoint does not take are
  refused (400 `unknown_field`), never ignored; numbers are read in ASCII digits only
  (core.api.StrictDecimalField, StrictIntegerField). Line errors are keyed by index the same
  way whether the serializer or the service finds them
  ({"lines": {"0": {"quantity": [...]}}}), so a client reads them one way.
- POST /proformas/{id}/convert/ answers 201 with the new, issued invoice;
  POST /invoices/{id}/credit-note/ answers 201 with the issued credit note.
  POST /proformas/{id}/issue/ numbers a proforma in its own series (it stays
  editable); a payment on an issued proforma converts it (payments.record_payment).
- Payments take and show the day received as "date" (the service's received_on).
- GET /customers/{id}/balance/ answers a list, one row per currency with ledger entries.
"""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.settings import api_settings

from praho.accounts.models import User
from praho.core.api import ErrorResponseSerializer, unknown_fields

# --- Access and parsing -----------------------------------------------------------


def user_of(request: Request) -> User:
    return cast(User, request.user)


def require_staff_permission(user: User, permission: str) -> None:
    """Billing writes are for staff with the permission; a customer's user only reads."""
    if not (user.is_staff and user.has_perm(permission)):
        raise PermissionDenied


def _flat(detail: Any, prefix: str = "") -> dict[str, list[DjangoValidationError]]:
    """A serializer's errors keyed like the services' ("lines.0.quantity")."""
    if isinstance(detail, dict):
        flat: dict[str, list[DjangoValidationError]] = {}
        for key, value in detail.items():
            # A list's own error ("This list may not be empty.") belongs to the list's field.
            nested = prefix if key == api_settings.NON_FIELD_ERRORS_KEY and prefix else f"{prefix}{key}."
            flat.update(_flat(value, nested))
        return flat
    if any(isinstance(item, dict) for item in detail):
        flat = {}
        for index, item in enumerate(detail):
            flat.update(_flat(item, f"{prefix}{index}."))
        return flat
    return {prefix.rstrip("."): [DjangoValidationError(str(item), code=item.code) for item in detail]}


def validated(
    serializer_class: type[serializers.Serializer[Any]], data: Any, *, query: bool = False
) -> dict[str, Any]:
    """The serializer's values; its errors raised as the services raise theirs (one error shape).

    A body's keys the serializer does not take are refused first (`unknown_field`), nested ones
    too; query parameters (`query`) may carry others, such as page and page_size.
    """
    serializer = serializer_class(data=data)
    errors = None if query else unknown_fields(serializer, data)
    if errors is None and not serializer.is_valid():
        errors = serializer.errors
    if errors:
        raise DjangoValidationError(_flat(errors))
    return dict(serializer.validated_data)


def refused(field: str, message: str, code: str) -> DjangoValidationError:
    return DjangoValidationError({field: DjangoValidationError(message, code=code)})


def renamed(error: DjangoValidationError, names: dict[str, str]) -> DjangoValidationError:
    """The service's error with its fields named as the API names them."""
    if not hasattr(error, "error_dict"):
        return error
    return DjangoValidationError({names.get(key, key): value for key, value in error.error_dict.items()})


# --- Schema and rendering ----------------------------------------------------------


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    described = {
        400: gettext_lazy("Validation error or refusal by a business rule: messages per field."),
        401: gettext_lazy("Not authenticated."),
        403: gettext_lazy("Not allowed: missing staff permission (customers' users only read)."),
        404: gettext_lazy("No such document for this user (also when it belongs to someone else)."),
    }
    return {code: OpenApiResponse(ErrorResponseSerializer, description=described[code]) for code in codes}


def id_parameter(name: str) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.INT, OpenApiParameter.PATH)


class PdfRenderer(BaseRenderer):
    """Lets clients ask for application/pdf; the view answers the PDF itself."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        return bytes(data)
