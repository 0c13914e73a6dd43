"""GET /api/v1/billing-runs/ and the renewal fields of GET /api/v1/services/{id}/."""

from __future__ import annotations

from datetime import date

import pytest

from praho.recurring.models import BillingRun
from praho.recurring.services.runs import run_billing
from praho.recurring.tests.conftest import renewing_service
from praho.recurring.tests.test_runs import at
from praho.testing.api import DENIED, bearer, error_of

pytestmark = pytest.mark.django_db
URL = "/api/v1/billing-runs/"


def test_staff_list_runs_newest_first_with_their_summary(shop, carol_customer, bill_billing, sue_support):
    renewing_service(shop, carol_customer, started=date(2026, 12, 1))
    with at("2026-12-20"):
        first = run_billing(on=date(2026, 12, 20))
        second = run_billing(on=date(2026, 12, 20))
    for user in (bill_billing, sue_support):
        response = bearer(user).get(URL)
        assert response.status_code == 200
        body = response.json()
        assert [run["id"] for run in body["results"]] == [second.pk, first.pk]
    latest, earliest = body["results"]
    first.refresh_from_db()
    assert earliest == {
        "id": first.pk,
        "run_date": "2026-12-20",
        "trigger": "command",
        "status": "completed",
        "started_at": earliest["started_at"],
        "finished_at": earliest["finished_at"],
        "documents": 1,
        "services": 1,
        "totals": first.totals,
        "errors": [],
    }
    assert latest["documents"] == 0


def test_runs_filter_by_status_and_refuse_a_bad_one(db, bill_billing):
    BillingRun.objects.create(run_date=date(2026, 12, 1), trigger="schedule", status="failed")
    BillingRun.objects.create(run_date=date(2026, 12, 2), trigger="schedule", status="completed")
    client = bearer(bill_billing)
    assert [r["status"] for r in client.get(URL, {"status": "failed"}).json()["results"]] == ["failed"]
    response = client.get(URL, {"status": "lost"})
    assert response.status_code == 400
    assert "status" in error_of(response)["fields"]


def test_customers_users_may_not_list_runs(db, carol, carol_customer):
    response = bearer(carol).get(URL)
    assert response.status_code == 403
    assert error_of(response) == DENIED


def test_the_run_list_runs_a_fixed_number_of_queries(db, bill_billing, django_assert_num_queries):
    client = bearer(bill_billing)
    for day in range(1, 30):
        BillingRun.objects.create(run_date=date(2026, 11, day), trigger="schedule", status="completed")
    with django_assert_num_queries(6):  # the user and permissions (4), count, page
        assert client.get(URL).status_code == 200


def test_a_service_says_whether_it_renews_and_when_it_ends(shop, carol, carol_customer):
    service = renewing_service(shop, carol_customer, started=date(2026, 12, 1))
    client = bearer(carol)
    body = client.get(f"/api/v1/services/{service.pk}/").json()
    assert (body["next_due_date"], body["auto_renew"], body["cancel_at"]) == ("2027-01-01", True, None)
    service.cancel_at = date(2026, 12, 31)
    service.save()
    body = client.get(f"/api/v1/services/{service.pk}/").json()
    assert (body["auto_renew"], body["cancel_at"]) == (False, "2026-12-31")
