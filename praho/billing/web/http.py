"""What billing's staff pages read of a request: htmx or not, and the list's query for its pager."""

from __future__ import annotations

from django.http import HttpRequest


def is_htmx(request: HttpRequest) -> bool:
    """An htmx request: the list pages answer only the part that changes (their results)."""
    return bool(getattr(request, "htmx", False))


def querystring_without_page(request: HttpRequest) -> str:
    """The list's query string without its page, ready for "?{{ it }}page=N" in the pager."""
    query = request.GET.copy()
    query.pop("page", None)
    return f"{query.urlencode()}&" if query else ""
