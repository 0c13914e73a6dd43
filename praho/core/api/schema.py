"""What the OpenAPI schema says of every API: its error answers and its path ids."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from praho.core.api.errors import ErrorResponseSerializer


class ErrorResponses:
    """The error answers of one API's operations, each described in that API's own words:
    `error_responses(400, 404)` gives an operation's `responses` entries for those statuses."""

    def __init__(self, *, invalid: str | Promise, forbidden: str | Promise, not_found: str | Promise) -> None:
        self.described = {
            400: invalid,
            401: gettext_lazy("Not authenticated."),
            403: forbidden,
            404: not_found,
        }

    def __call__(self, *codes: int) -> dict[int, OpenApiResponse]:
        return {
            code: OpenApiResponse(ErrorResponseSerializer, description=self.described[code]) for code in codes
        }


def id_parameter(name: str) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.INT, OpenApiParameter.PATH)
