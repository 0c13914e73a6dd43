"""REST API conventions shared by every app.

Every error leaves the API in one shape::

    {"error": {"status": 400, "code": "invalid", "message": "...",
               "fields": {"email": ["Enter a valid email address."]},
               "request_id": "..."}}

"fields" is present only for validation errors; nested serializers keep their
nesting ({"address": {"county": ["..."]}}).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, pagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from praho.core import request_id


class Pagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200


def _django_validation_to_drf(exc: DjangoValidationError) -> exceptions.ValidationError:
    if hasattr(exc, "error_dict"):
        return exceptions.ValidationError(
            {
                field: [str(m) for err in errors for m in err.messages]
                for field, errors in exc.error_dict.items()
            }
        )
    return exceptions.ValidationError({"non_field_errors": exc.messages})


def _first_code(detail: Any) -> str:
    if isinstance(detail, dict):
        for value in detail.values():
            return _first_code(value)
    if isinstance(detail, list) and detail:
        return _first_code(detail[0])
    return getattr(detail, "code", None) or "invalid"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = _django_validation_to_drf(exc)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None

    error: dict[str, Any] = {
        "status": response.status_code,
        "request_id": request_id.current().request_id,
    }
    if isinstance(exc, exceptions.ValidationError):
        error["code"] = "invalid"
        error["message"] = _("Some fields are not valid.")
        error["fields"] = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
    elif isinstance(exc, exceptions.APIException):
        detail = exc.detail
        error["code"] = _first_code(detail) if not isinstance(detail, str) else exc.default_code
        if isinstance(detail, dict) and "detail" in detail:
            error["message"] = str(detail["detail"])
            error["code"] = getattr(detail["detail"], "code", error["code"]) or error["code"]
        else:
            error["message"] = str(detail)
        error["code"] = getattr(detail, "code", None) or error["code"]
    response.data = {"error": error}
    return response
