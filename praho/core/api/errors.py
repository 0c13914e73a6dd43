"""The API's error shape, its exception handler and the 404/500 handlers under /api/.

Every error leaves the API in one shape::

    {"error": {"status": 400, "code": "invalid", "message": "...",
               "fields": {"email": ["Enter a valid email address."]},
               "request_id": "..."}}

"fields" is present only for validation errors; nested serializers keep their
nesting ({"address": {"county": ["..."]}}). Unknown routes under /api/ and
unhandled errors there answer in the same shape (`not_found`, `server_error`), as do bodies
over Django's size limits (413 `request_too_large`, 400 `too_many_fields`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions, serializers
from rest_framework.exceptions import ErrorDetail
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from praho.core import request_id

API_PREFIX = "/api/"

# Codes of refusals the API itself makes before any serializer or service reads the input.
UNKNOWN_FIELD = "unknown_field"
INVALID_PAGE = "invalid_page"


class ErrorSerializer(serializers.Serializer[Any]):
    """Every API error: the HTTP status, a stable code for programs and a message for people."""

    status = serializers.IntegerField()
    code = serializers.CharField(
        help_text=(
            "invalid (fields below), a business rule's code (issued, over_credit...), unknown_field "
            "(keys the endpoint does not take, named in fields), invalid_page (page or page_size not "
            "a positive integer), parse_error (malformed JSON, or nested deeper than 32 levels), "
            "request_too_large (413: a body over the size limit), too_many_fields, not_found, "
            "not_authenticated, token_not_valid, token_revoked (401: issued before a password change or "
            "a revocation), permission_denied, method_not_allowed, throttled, server_error."
        )
    )
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
        # orders: a coupon's refusal names its reason; an order's state refuses the action
        "coupon_unknown",
        "coupon_not_started",
        "coupon_expired",
        "coupon_used_up",
        "coupon_used_by_customer",
        "coupon_currency",
        "coupon_minimum",
        "coupon_not_applicable",
        "not_cancellable",
        "invoiced",
        "not_awaiting_approval",
        # provisioning: a service's package or bindings refuse the action
        "domain_bound",
        "children_decision_required",
        "same_plan",
        "not_failed",
        # recurring: a plan change or cancellation the service's period or state refuses
        "already_cancelled",
        "not_cancelled",
        "not_active",
        "one_time",
        "no_period",
        "renewal_unpaid",
        "no_price",
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
            target = _nested(target, parent)
        details = [ErrorDetail(m, code=e.code) for e in errors for m in e.messages]
        if isinstance(target.get(leaf), dict):  # a field with errors of its own and of its parts
            target[leaf].setdefault(api_settings.NON_FIELD_ERRORS_KEY, []).extend(details)
        else:
            target[leaf] = details
    return exceptions.ValidationError(fields)


def _nested(target: dict[str, Any], name: str) -> dict[str, Any]:
    """The errors of `name`'s parts; its own errors, if it has some already, move under non_field_errors."""
    found = target.get(name)
    if isinstance(found, dict):
        return found
    nested: dict[str, Any] = {} if found is None else {api_settings.NON_FIELD_ERRORS_KEY: found}
    target[name] = nested
    return nested


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


def _leaf_codes(detail: Any) -> Iterator[str | None]:
    if isinstance(detail, dict):
        for value in detail.values():
            yield from _leaf_codes(value)
    elif isinstance(detail, list):
        for value in detail:
            yield from _leaf_codes(value)
    else:
        yield getattr(detail, "code", None)


# Codes that lead a validation error when every message in it has that code.
_WHOLE_ERROR_CODES = frozenset({UNKNOWN_FIELD, INVALID_PAGE})


def _whole_error_code(detail: Any) -> str | None:
    codes = set(_leaf_codes(detail))
    code = codes.pop() if len(codes) == 1 else None
    return code if code in _WHOLE_ERROR_CODES else None


def _size_refusal(exc: Exception) -> Response | None:
    """Bodies over Django's limits (read when a view first touches request.data): refused in
    the API's shape, not with Django's HTML 400."""
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        message = _("The request body is larger than the %(limit)s bytes allowed.") % {"limit": limit}
        return Response(error_body(413, "request_too_large", message), status=413)
    if isinstance(exc, TooManyFieldsSent):
        limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
        message = _("The request has more than the %(limit)s fields allowed.") % {"limit": limit}
        return Response(error_body(400, "too_many_fields", message), status=400)
    if isinstance(exc, TooManyFilesSent):
        limit = settings.DATA_UPLOAD_MAX_NUMBER_FILES
        message = _("The request has more than the %(limit)s files allowed.") % {"limit": limit}
        return Response(error_body(400, "too_many_files", message), status=400)
    return None


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    refused_by_size = _size_refusal(exc)
    if refused_by_size is not None:
        return refused_by_size
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
        code, message = refusal or (_whole_error_code(fields) or "invalid", _("Some fields are not valid."))
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
