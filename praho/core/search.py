"""The staff search box (the sidebar and /staff/search/): one query, results grouped by kind.

An app adds a kind of result by providing `<app>/search.py` with

    def staff_search(user, query: str) -> list[SearchGroup]

returning a group for each kind the user may see (none for a kind their role may not see),
each with at most its own limit of results and a fixed number of queries whatever it finds.
Core asks every app in INSTALLED_APPS order; it never imports one (praho.core.contributions).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from django_stubs_ext import StrOrPromise

from praho.core.contributions import contributions

MIN_QUERY_LENGTH = 3
MAX_QUERY_LENGTH = 100


@dataclass(frozen=True)
class SearchResult:
    title: str
    url: str
    facts: Sequence[str] = ()  # short facts shown after the title (a tax id, an amount, a date)


@dataclass(frozen=True)
class SearchGroup:
    kind: str  # "customers", "documents", "payments": names the group in the page
    label: StrOrPromise
    results: Sequence[SearchResult]
    limit: int  # at most this many results: as many means there may be more
    more_url: str = ""  # a list showing every match, where one exists

    @property
    def maybe_more(self) -> bool:
        return len(self.results) >= self.limit


SearchSource = Callable[[Any, str], list[SearchGroup]]


def clean_query(raw: str) -> str:
    return raw[:MAX_QUERY_LENGTH].strip()


def searchable(query: str) -> bool:
    return len(query) >= MIN_QUERY_LENGTH


def staff_search(user: Any, query: str) -> list[SearchGroup]:
    """Every app's groups for `query`, in INSTALLED_APPS order (nothing for a too short query)."""
    if not searchable(query):
        return []
    sources = cast(list[SearchSource], contributions("search", "staff_search"))
    return [group for source in sources for group in source(user, query)]
