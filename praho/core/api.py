"""REST API conventions shared by every app.

Every error leaves the API in one shape::

    {"error": {"status": 400, "code": "invalid", "message": "...",
               "fields": {"email": ["Enter a valid email address."]},
               "request_id": "..."}}

"fields" is present only for validation errors; nested serializers keep their
nesting ({"address": {"county": ["..."]}}). Unknown routes under /api/ and
unhandled errors there answer in the same shape (`not_found`, `server_error`).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions, pagination, serializers
from rest_framework.exceptions import ErrorDetail
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from praho.core import request_id
from praho.core.paginator import DeferredJoinPaginator
from praho.core.validation import validate_date_range, validate_multiline, validate_single_line

API_PREFIX = "/api/"


class Pagination(pagination.PageNumberPagination):
    # Deep pages read their rows' ids first: the lists' joins and ledger subqueries are computed
    # for the page's rows only, not for every row an OFFSET skips (praho.core.paginator).
    django_paginator_class = DeferredJoinPaginator
    page_size_query_param = "page_size"
    max_page_size = 200


class LineField(serializers.CharField):
    """One line of text: no control characters, no line breaks (names, codes, descriptions)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.validators.append(validate_single_line)


class TextField(serializers.CharField):
    """Text of several lines (notes): no control characters but tabs and line breaks."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.validators.append(validate_multiline)


class BoundedDateField(serializers.DateField):
    """A date between core.validation.EARLIEST_DATE and LATEST_DATE."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.validators.append(validate_date_range)


class ErrorSerializer(serializers.Serializer[Any]):
    """Every API error: the HTTP status, a stable code for programs and a message for people."""

    status = serializers.IntegerField()
    code = serializers.CharField()
    message = serializers.CharField()
    # The metaclass moves declared fields out of the class, so this does not
    # shadow Serializer.fields at run time; only the type checker sees a clash.
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.JSONField(),
        required=False,
        help_text="Messages per field; only for validation errors (status 400).",
    )
    request_id = serializers.CharField(help_text="Also in the X-Request-ID response header.")


class ErrorResponseSerializer(serializers.Serializer[Any]):
    error = ErrorSerializer()


# Refusals by a business rule rather than the form of a field: when one is the
# only error, the error's "code" names it so programs can react (last_owner...).
RULE_CODES = frozenset(
    {
        "last_owner",
        "duplicate",
        "member",
        # customers: a field only staff change; change requests
        "staff_only",
        "pending_request",
        "nothing_changed",
        "decided",
        # billing
        "already_issued",
        "issued",
        "closed",
        "over_credit",
        "currency_mismatch",
        "proforma_cancelled",
        "proforma_converted",
        "convert_first",
        "not_issued",
        "no_address",
        "no_tax_id",
        "customer_fixed",
        "bnr_published",
    }
)


def _django_validation_to_drf(exc: DjangoValidationError) -> exceptions.ValidationError:
    """Keep each message's code; services key nested fields "address.county", which nest here."""
    if not hasattr(exc, "error_dict"):
        return exceptions.ValidationError(
            {"non_field_errors": [ErrorDetail(m, code=e.code) for e in exc.error_list for m in e.messages]}
        )
    fields: dict[str, Any] = {}
    for key, errors in exc.error_dict.items():
        *parents, leaf = key.split(".")
        target = fields
        for parent in parents:
            target = target.setdefault(parent, {})
        target[leaf] = [ErrorDetail(m, code=e.code) for e in errors for m in e.messages]
    return exceptions.ValidationError(fields)


def _rule_refusal(exc: DjangoValidationError) -> tuple[str, str] | None:
    """(code, message) when every error is a refusal by one business rule (on one field or more)."""
    leaves = (
        [e for errors in exc.error_dict.values() for e in errors]
        if hasattr(exc, "error_dict")
        else exc.error_list
    )
    if leaves and leaves[0].code in RULE_CODES and all(leaf.code == leaves[0].code for leaf in leaves):
        return str(leaves[0].code), leaves[0].messages[0]
    return None


def _first(detail: Any) -> Any:
    """The first leaf of a nested detail (list or dict of ErrorDetail)."""
    while isinstance(detail, dict | list) and detail:
        detail = next(iter(detail.values())) if isinstance(detail, dict) else detail[0]
    return detail


def _code_and_message(exc: exceptions.APIException) -> tuple[str, str]:
    detail = exc.detail
    if isinstance(detail, dict) and "detail" in detail:
        # simplejwt: {"detail": "...", "code": "token_not_valid", "messages": [...]}
        code = detail.get("code") or getattr(detail["detail"], "code", None)
        return str(code or exc.default_code), str(detail["detail"])
    leaf = _first(detail)
    return str(getattr(leaf, "code", None) or exc.default_code), str(leaf)


def error_body(status: int, code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {
        "error": {
            "status": status,
            "code": code,
            "message": message,
            **extra,
            "request_id": request_id.current().request_id,
        }
    }


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    refusal = None
    if isinstance(exc, DjangoValidationError):
        refusal = _rule_refusal(exc)
        exc = _django_validation_to_drf(exc)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a bug: Django logs it and `server_error` answers 500

    if isinstance(exc, exceptions.ValidationError):
        fields = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        code, message = refusal or ("invalid", _("Some fields are not valid."))
        response.data = error_body(response.status_code, code, message, fields=fields)
    else:
        assert isinstance(exc, exceptions.APIException)  # drf_exception_handler handles no others
        code, message = _code_and_message(exc)
        response.data = error_body(response.status_code, code, message)
    return response


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: the API's shape under /api/, Django's page elsewhere."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse(error_body(404, "not_found", _("Not found.")), status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: the API's shape under /api/, Django's page elsewhere.

    The exception has been logged (with the request ID) before this runs.
    """
    if request.path.startswith(API_PREFIX):
        return JsonResponse(
            error_body(500, "server_error", _("A server error occurred.")),
            status=500,
        )
    return defaults.server_error(request)
