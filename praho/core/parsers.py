"""The API's JSON parser: DRF's, with a bound on how deep a body may nest.

Python's json module parses nested arrays and objects recursively, so a body of a few
thousand "[" raised RecursionError: an unauthenticated 500 on any endpoint. No PRAHO body
nests more than a few levels (a document's lines, a customer's address), so anything deeper
than MAX_JSON_DEPTH is refused as a parse error (400 `parse_error` in the API's error shape).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_JSON_DEPTH = 32


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether arrays and objects nest more than `limit` levels (without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


class BoundedJSONParser(JSONParser):
    """JSON nested at most MAX_JSON_DEPTH levels; deeper is a ParseError, never a RecursionError."""

    def parse(
        self, stream: Any, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        too_deep = ParseError(
            _("JSON parse error - nested deeper than %(depth)s levels.") % {"depth": MAX_JSON_DEPTH}
        )
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise too_deep from None
        if isinstance(data, dict | list) and _deeper_than(data, MAX_JSON_DEPTH):
            raise too_deep
        return data
