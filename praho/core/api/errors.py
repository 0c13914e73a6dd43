"""REST API conventions shared by every app.

Every error leaves the API in one shape::

    {"error": {"status": 400, "code": "invalid", "message": "...",
               "fields": {"email": ["Enter a valid email address."]},
               "request_id": "..."}}

"fields" is present only for validation errors; nested serializers keep their
nesting ({"address": {"county": ["..."]}}). Unknown routes under /api/ and
unhandled errors there answer in the same shape (`not_found`, `server_error`), as do bodies
over Django's size limits (413 `request_too_large`, 400 `too_many_fields`).

Input is read strictly: numbers only in ASCII digits (StrictDecimalField, StrictIntegerField),
and a body's keys the endpoint does not take are refused (`unknown_field`, unknown_fields()),
never silently ignored.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
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
from django.utils.translation import gettext_lazy
from django.views import defaults
from rest_framework import exceptions, pagination, serializers
from rest_framework.exceptions import ErrorDetail
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from praho.core import request_id
from praho.core.numbers import is_plain_decimal, is_plain_integer
from praho.core.paginator import DeferredJoinPaginator
from praho.core.validation import validate_date_range, validate_multiline, validate_single_line

API_PREFIX = "/api/"


class Pagination(pagination.PageNumberPagination):
    """Page numbers and sizes are read strictly: `?page=0` or `?page_size=abc` is a 400
    (`invalid_page`), not DRF's 404 or its silent fallback to the default size."""

    # Deep pages read their rows' ids first: the lists' joins and ledger subqueries are computed
    # for the page's rows only, not for every row an OFFSET skips (praho.core.paginator).
    django_paginator_class = DeferredJoinPaginator
    page_size_query_param = "page_size"
    max_page_size = 200
    # Lazy, so the schema speaks the reader's language; the stubs expect a plain str.
    page_query_description = gettext_lazy(  # type: ignore[assignment]
        "A page number (1, 2, 3...) or last. Anything else is a 400 (invalid_page); "
        "a page past the last is a 404 (not_found)."
    )
    page_size_query_description = gettext_lazy(  # type: ignore[assignment]
        "Results per page, 1 to 200 (default 50). Anything else is a 400 (invalid_page)."
    )

    def get_page_number(self, request: Any, paginator: Any) -> Any:
        value = request.query_params.get(self.page_query_param, "")
        if value and value not in self.last_page_strings and not _positive(value):
            raise _invalid_page(self.page_query_param, _("Enter a page number: 1, 2, 3..."))
        return super().get_page_number(request, paginator)

    def get_page_size(self, request: Any) -> int | None:
        value = request.query_params.get(self.page_size_query_param, "")
        if not value:
            return self.page_size
        if not _positive(value) or int(value) > self.max_page_size:
            message = _("Enter a page size between 1 and %(max)s.") % {"max": self.max_page_size}
            raise _invalid_page(self.page_size_query_param, message)
        return int(value)


def _positive(value: str) -> bool:
    return value.isascii() and value.isdigit() and int(value) > 0


def _invalid_page(parameter: str, message: str) -> exceptions.ValidationError:
    return exceptions.ValidationError({parameter: [ErrorDetail(message, code=INVALID_PAGE)]})


# --- Strict input -----------------------------------------------------------------------------

UNKNOWN_FIELD = "unknown_field"
INVALID_PAGE = "invalid_page"


class StrictDecimalField(serializers.DecimalField):
    """A decimal in ASCII digits with one optional sign and one decimal point ("121.50", 121.5);
    DRF's DecimalField also reads "1_000", fullwidth or Arabic-Indic digits and "1e3" (praho.core.numbers)."""

    def to_internal_value(self, data: Any) -> Decimal:
        if isinstance(data, bool) or not isinstance(data, str | int | float | Decimal):
            self.fail("invalid")
        if not is_plain_decimal(str(data)):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """An integer in ASCII digits with one optional sign ("12", 12); DRF's IntegerField also
    reads "1_000", fullwidth or Arabic-Indic digits and "12.0"."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, str | int):
            self.fail("invalid")
        if not is_plain_integer(str(data)):
            self.fail("invalid")
        return super().to_internal_value(data)


def unknown_fields(serializer: serializers.Field[Any, Any, Any, Any] | None, data: Any) -> Any:
    """An `unknown_field` error for each key of `data` the serializer takes no value for (not
    a field of it, or a read-only one), in nested serializers and lists too, nested as DRF nests
    its errors; None when there is none."""
    if isinstance(serializer, serializers.ListSerializer):
        if not isinstance(data, list):
            return None
        items = [unknown_fields(serializer.child, item) for item in data]
        return [item or {} for item in items] if any(items) else None
    if not isinstance(serializer, serializers.Serializer) or not isinstance(data, Mapping):
        return None
    writable = {name: field for name, field in serializer.fields.items() if not field.read_only}
    # Keys the serializer refuses in its own words (in validate()), with a more useful message.
    explained: frozenset[str] = getattr(serializer, "explained_keys", frozenset())
    errors: dict[str, Any] = {}
    for key in data:
        field = writable.get(key)
        if key in explained:
            continue
        if field is None:
            message = _("This field is not accepted here; remove it.")
            errors[key] = [ErrorDetail(message, code=UNKNOWN_FIELD)]
        elif nested := unknown_fields(field, data[key]):
            errors[key] = nested
    return errors or None


def refuse_unknown_fields(serializer: serializers.BaseSerializer[Any], data: Any) -> None:
    """A 400 (`unknown_field`) naming every key of `data` the serializer does not take."""
    errors = unknown_fields(serializer, data)
    if errors:
        raise exceptions.ValidationError(errors)


class KnownFieldsOnly(serializers.Serializer[Any]):
    """A serializer that refuses keys it does not take before validating anything, for views
    that call is_valid() themselves (simplejwt's, DRF's generic views)."""

    def is_valid(self, *, raise_exception: bool = False) -> bool:
        # Raised whatever raise_exception says: the views using this all raise.
        refuse_unknown_fields(self, getattr(self, "initial_data", None))
        return super().is_valid(raise_exception=raise_exception)


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
