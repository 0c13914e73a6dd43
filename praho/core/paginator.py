"""A paginator for deep pages of expensive lists (the billing lists, their API).

Django's Paginator reads page N as ``SELECT <every column, joins, subqueries> ... ORDER BY ...
LIMIT 25 OFFSET 25 * (N - 1)``. The database has to build every row it skips before it can
throw it away, with its joins and subqueries: page 4,000 of 100,000 invoices joins 100,000
customers to show 25 (bench/billing_lists.py measured page 2,000 at 583 ms, 245 ms with this).

DeferredJoinPaginator first finds the page's ids (the same filters and order, but selecting
only the primary key, which the lists' (order, id) indexes answer alone) and then reads only
those rows with everything the page shows::

    SELECT <everything> ... WHERE id IN (SELECT id ... ORDER BY ... LIMIT 25 OFFSET 99975)
    ORDER BY ...

The ids are a subquery of the rows' query, so a page still costs one query, as before.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet


def _defers(object_list: Any) -> bool:
    """Whether the page's rows can be narrowed to the ids of a subquery: a plain queryset of
    model rows. Grouped or values() rows have no primary key of their own, DISTINCT subqueries
    must select their ORDER BY columns too, and combined (UNION) or sliced querysets cannot
    be filtered; those pages are read as Django's Paginator reads them."""
    if not isinstance(object_list, QuerySet):
        return False
    query = object_list.query
    return not (
        query.values_select
        or query.group_by is not None
        or query.distinct
        or query.combinator
        or query.is_sliced
    )


# Not Paginator[T]: django-stubs make it generic for the type checker only, not at run time.
class DeferredJoinPaginator(Paginator):
    """Django's Paginator, but a page after the first of a queryset is read through the ids of
    its rows (see the module docstring): same rows, same order, same number of queries.

    As with any LIMIT/OFFSET paging, the queryset's ordering should end in a unique column
    (the lists order by (..., id)): with ties left to the database, neither paginator promises
    which of the tied rows falls on which page.
    """

    def page(self, number: int | str) -> Page[Any]:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = self.object_list
        # The first page skips nothing: OFFSET 0 costs nothing that an id subquery would save.
        if bottom == 0 or not _defers(rows):
            return super().page(number)
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        assert isinstance(rows, QuerySet)  # _defers() said so; narrows the type for mypy
        # The sliced subquery keeps the queryset's ordering (Django keeps ORDER BY on a sliced
        # subquery), and the outer query sorts the page's rows by it again.
        page_rows = rows.filter(pk__in=rows.values("pk")[bottom:top])
        # _get_page() is Django's hook for the Page class (as super().page() uses it); the stubs omit it.
        return self._get_page(page_rows, number, self)  # type: ignore[attr-defined]
