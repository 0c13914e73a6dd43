"""Pagination of every API list: strict page numbers and sizes, deferred joins for deep pages."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, pagination
from rest_framework.exceptions import ErrorDetail

from praho.core.api.errors import INVALID_PAGE
from praho.core.paginator import DeferredJoinPaginator


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
