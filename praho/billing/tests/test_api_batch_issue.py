"""POST /api/v1/invoices/issue/: issuing many drafts at once (issuing_batch.issue_documents)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from praho.audit.models import AuditEvent
from praho.billing.models import Document, LedgerTransaction
from praho.billing.tests.test_api import (
    _today,  # noqa: F401 (the autouse fixture freezing the day)
    draft,
    issued,
    stored_rows,
)
from praho.testing.api import DENIED, bearer, error_of, invalid, refused

pytestmark = pytest.mark.django_db

URL = "/api/v1/invoices/issue/"


def _ids(*documents: Document) -> list[int]:
    return [document.pk for document in documents]


def test_staff_issue_drafts_together_numbered_in_issue_date_order(
    billing_ready, bill_billing, carol_customer, dave_customer
):
    later = draft(bill_billing, carol_customer, issue_date=dt.date(2026, 3, 9))
    earlier = draft(bill_billing, dave_customer, issue_date=dt.date(2026, 3, 2))

    response = bearer(bill_billing).post(URL, {"invoices": _ids(later, earlier)}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [(r["id"], r["number"], r["status"]) for r in body["results"]] == [
        (earlier.pk, "PRH-2026-000001", "issued"),
        (later.pk, "PRH-2026-000002", "issued"),
    ]
    # The same shape as GET /api/v1/invoices/{id}/.
    assert body["results"][1] == bearer(bill_billing).get(f"/api/v1/invoices/{later.pk}/").json()
    assert body["results"][0]["outstanding"] == body["results"][0]["total"]
    assert LedgerTransaction.objects.filter(document__in=_ids(later, earlier)).count() == 2
    assert AuditEvent.objects.filter(action="billing.invoice_issued").count() == 2


def test_one_invoice_that_cannot_be_issued_refuses_the_whole_batch(
    billing_ready, bill_billing, carol_customer
):
    done = issued(bill_billing, carol_customer)
    waiting = draft(bill_billing, carol_customer)
    before = stored_rows()

    response = bearer(bill_billing).post(URL, {"invoices": _ids(waiting, done)}, format="json")

    assert response.status_code == 400
    assert error_of(response) == refused(
        "already_issued", {"invoices": [f"{done.number} was already issued."]}
    )
    assert stored_rows() == before
    waiting.refresh_from_db()
    assert (waiting.status, waiting.number) == ("draft", "")


def test_ids_that_are_not_invoices_are_named_and_nothing_is_issued(
    billing_ready, bill_billing, carol_customer
):
    proforma = draft(bill_billing, carol_customer, document_type="proforma")
    waiting = draft(bill_billing, carol_customer)
    before = stored_rows()

    response = bearer(bill_billing).post(URL, {"invoices": [waiting.pk, proforma.pk, 999999]}, format="json")

    assert response.status_code == 400
    assert error_of(response) == invalid(
        {"invoices": [f"There is no invoice #{proforma.pk}.", "There is no invoice #999999."]}
    )
    assert stored_rows() == before


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"invoices": ["This field is required."]}),
        ({"invoices": []}, {"invoices": ["Ensure this field has at least 1 elements."]}),
        ({"invoices": ["x"]}, {"invoices": {"0": ["A valid integer is required."]}}),
        (
            {"invoices": list(range(1, 502))},
            {"invoices": ["Ensure this field has no more than 500 elements."]},
        ),
    ],
)
def test_a_malformed_batch_is_refused(billing_ready, bill_billing, body, fields):
    response = bearer(bill_billing).post(URL, body, format="json")

    assert response.status_code == 400
    assert error_of(response) == invalid(fields)


def test_the_same_invoice_twice_is_refused(billing_ready, bill_billing, carol_customer):
    waiting = draft(bill_billing, carol_customer)

    response = bearer(bill_billing).post(URL, {"invoices": [waiting.pk, waiting.pk]}, format="json")

    assert response.status_code == 400
    assert error_of(response) == refused(
        "duplicate", {"invoices": ["Each document must be saved and in the batch once."]}
    )


def test_customers_users_and_staff_without_the_permission_may_not_issue(
    billing_ready, bill_billing, sue_support, carol, carol_customer
):
    waiting = draft(bill_billing, carol_customer)

    for user in (carol, sue_support):
        response = bearer(user).post(URL, {"invoices": [waiting.pk]}, format="json")
        assert response.status_code == 403
        assert error_of(response) == DENIED
    waiting.refresh_from_db()
    assert waiting.status == "draft"


@pytest.mark.parametrize("count", [2, 6])
def test_a_batch_runs_the_same_queries_whatever_its_size(
    billing_ready, bill_billing, carol_customer, count, django_assert_num_queries
):
    issued(bill_billing, carol_customer)  # the year's counter row exists
    drafts = [draft(bill_billing, carol_customer) for _ in range(count)]
    client = bearer(bill_billing)

    # The user, their 2FA device, their own and their groups' permissions (4); the drafts; the batch
    # (issuing_batch.issue_documents: 21 on PostgreSQL, 20 on SQLite, see test_batch_issue); the
    # issued invoices read back with their lines, VAT breakdowns and converted_to (3).
    expected = 8 + (21 if connection.vendor == "postgresql" else 20)
    with django_assert_num_queries(expected):
        response = client.post(URL, {"invoices": _ids(*drafts)}, format="json")

    assert response.status_code == 200
    assert response.json()["count"] == count
