"""DeferredJoinPaginator gives the pages Django's Paginator gives, reading deep pages through
their ids: compared page by page on the lists' own querysets (documents with their customer and
ledger amounts, customers), with ties in the first ordering column, and on plain lists."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.paginator import EmptyPage, Paginator
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from praho.billing import ledger_queries
from praho.billing.models import Document
from praho.billing.tests.factories import issued_credit_note, issued_invoice
from praho.core.paginator import DeferredJoinPaginator
from praho.customers.models import Customer

pytestmark = pytest.mark.django_db

D = Decimal
PER_PAGE, ORPHANS = 5, 2
# 22 rows in pages of 5 with 2 orphans: pages 1-3 of 5 rows, and page 4 of 7 (the 2 orphans
# of a fifth page join the fourth).
ROWS = 22


@pytest.fixture
def documents(carol_customer, dave_customer) -> list[Document]:
    """22 invoices on 3 issue dates (ties the id breaks), half of them carol's, some credited so
    that their ledger amounts differ."""
    made = []
    for n in range(ROWS):
        customer = carol_customer if n % 2 else dave_customer
        invoice = issued_invoice(customer, issue_date=dt.date(2026, 2, 1 + n % 3))
        if n % 4 == 0:
            issued_credit_note(invoice)
        made.append(invoice)
    return made


def page_contents(page) -> list[tuple]:
    """What a page shows of each row: the row, what it joined and what it computed."""
    return [
        (row.pk, row.customer.name, row.ledger_outstanding, row.ledger_credited)
        if isinstance(row, Document)
        else row
        for row in page
    ]


def the_pages(paginator_class, object_list) -> list[tuple]:
    paginator = paginator_class(object_list, PER_PAGE, orphans=ORPHANS)
    return [
        (page.number, page.start_index(), page.end_index(), page.has_next(), page_contents(page))
        for page in (paginator.page(number) for number in paginator.page_range)
    ]


def invoice_rows():
    """The staff invoice list's rows: newest first, each with its customer and ledger amounts."""
    return (
        ledger_queries.with_ledger_amounts(Document.objects.filter(document_type="invoice"))
        .select_related("customer")
        .order_by("-issue_date", "-id")
    )


def test_every_page_of_the_invoice_list_is_the_one_djangos_paginator_gives(documents):
    deferred = the_pages(DeferredJoinPaginator, invoice_rows())

    assert deferred == the_pages(Paginator, invoice_rows())
    # first, middle and last page with its orphans; ties on the issue date broken by the id
    assert [(number, start, end) for number, start, end, _next, _rows in deferred] == [
        (1, 1, 5),
        (2, 6, 10),
        (3, 11, 15),
        (4, 16, 22),
    ]
    newest_first = sorted(documents, key=lambda document: (document.issue_date, document.pk), reverse=True)
    assert [row[0] for page in deferred for row in page[4]] == [document.pk for document in newest_first]
    credited = {row[0]: row[3] for page in deferred for row in page[4]}
    assert credited[documents[0].pk] == D("121.00")
    assert credited[documents[1].pk] == D("0.00")


def test_an_ordering_by_a_computed_amount_and_a_filter_on_it_page_the_same(documents):
    def rows():
        return (
            invoice_rows().filter(ledger_outstanding__gt=0).order_by("-ledger_outstanding", "customer", "pk")
        )

    deferred = the_pages(DeferredJoinPaginator, rows())

    assert deferred == the_pages(Paginator, rows())
    assert sum(len(page[4]) for page in deferred) == 16  # the 6 credited in full owe nothing


def test_customers_with_the_same_name_page_the_same(db):
    for n in range(ROWS):
        Customer.objects.create(kind="company", name=f"Twin {n % 4}", country="RO")

    # The model's ordering: (name, id).
    assert the_pages(DeferredJoinPaginator, Customer.objects.all()) == the_pages(
        Paginator, Customer.objects.all()
    )


def test_a_list_that_is_not_a_queryset_pages_as_with_django():
    rows = [f"row {n}" for n in range(ROWS)]

    pages = the_pages(DeferredJoinPaginator, rows)

    assert pages == the_pages(Paginator, rows)
    assert pages[3][4] == [f"row {n}" for n in range(15, 22)]


def test_grouped_rows_page_as_with_django(documents):
    """values() rows have no id of their own: read as Django reads them."""
    invoices = Document.objects.filter(document_type="invoice")
    per_day = invoices.order_by("issue_date").values("issue_date").annotate(count=Count("pk"))

    paginator = DeferredJoinPaginator(per_day, 2)

    assert list(paginator.page(2)) == list(Paginator(per_day, 2).page(2))
    assert list(paginator.page(2)) == [{"issue_date": dt.date(2026, 2, 3), "count": 7}]


def test_a_deep_page_reads_its_ids_in_a_subquery_of_its_one_query(documents):
    paginator = DeferredJoinPaginator(invoice_rows(), PER_PAGE)
    assert paginator.count == ROWS

    with CaptureQueriesContext(connection) as first:
        list(paginator.page(1))
    with CaptureQueriesContext(connection) as third:
        rows = list(paginator.page(3))

    assert len(first.captured_queries) == len(third.captured_queries) == 1
    first_sql, third_sql = first.captured_queries[0]["sql"], third.captured_queries[0]["sql"]
    assert " IN (SELECT " not in first_sql
    assert first_sql.endswith("LIMIT 5")
    # The ids: only the id column, ordered as the list, the page's slice of them...
    subquery = third_sql[third_sql.index(' IN (SELECT U0."id" AS "pk" FROM "billing_document" U0 ') :]
    assert ' ORDER BY U0."issue_date" DESC, U0."id" DESC LIMIT 5 OFFSET 10)' in subquery
    assert "customers_customer" not in subquery
    # ...then the rows with their joins, in the list's order, without an OFFSET of their own.
    assert third_sql.count("OFFSET") == 1
    assert third_sql.endswith('ORDER BY "billing_document"."issue_date" DESC, "billing_document"."id" DESC')
    assert [row.pk for row in rows] == [row.pk for row in Paginator(invoice_rows(), PER_PAGE).page(3)]


def test_page_numbers_out_of_range_behave_as_with_django(documents):
    paginator = DeferredJoinPaginator(invoice_rows(), PER_PAGE)

    assert paginator.get_page("x").number == 1
    assert paginator.get_page(99).number == 5
    assert page_contents(paginator.get_page(99)) == page_contents(Paginator(invoice_rows(), PER_PAGE).page(5))
    with pytest.raises(EmptyPage):
        paginator.page(6)
