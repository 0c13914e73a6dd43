"""The inbox's staff pages (/staff/inbox/): the list with its filters and a fixed number of
queries, an event's payload, replaying one or all failed, and who may do what."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from praho.audit.models import AuditEvent
from praho.inbox.models import EventStatus, InboundEvent
from praho.testing.webhooks import FAIL_KEY

pytestmark = pytest.mark.django_db

INBOX = "/staff/inbox/"
HTMX = {"HTTP_HX_REQUEST": "true"}


def stored(event_id: str, event_type: str = "test.recorded", status: str = EventStatus.PROCESSED, **fields):
    return InboundEvent.objects.create(
        source=fields.pop("source", "test"),
        event_id=event_id,
        event_type=event_type,
        payload=fields.pop("payload", f'{{"id": "{event_id}"}}'),
        status=status,
        **fields,
    )


@pytest.fixture
def billing(staff_client, bill_billing):
    return staff_client(bill_billing)


def test_newest_first_with_status_and_error(billing):
    old = stored("evt_old")
    failed = stored(
        "evt_new", "test.fragile", EventStatus.FAILED, attempts=3, last_error="RuntimeError: down"
    )
    response = billing.get(INBOX)
    assert response.context["events"] == [failed, old]
    page = response.content.decode()
    assert "RuntimeError: down" in page
    assert f'href="{INBOX}{failed.pk}/"' in page
    assert 'action="/staff/inbox/replay-failed/"' in page


def test_filters_by_source_status_and_type(billing):
    processed = stored("evt_1")
    failed = stored("evt_2", "test.fragile", EventStatus.FAILED)
    ignored = stored("evt_3", "customer.deleted", EventStatus.IGNORED)
    assert billing.get(INBOX, {"status": "failed"}).context["events"] == [failed]
    assert billing.get(INBOX, {"event_type": "test.recorded"}).context["events"] == [processed]
    assert billing.get(INBOX, {"source": "test"}).context["events"] == [ignored, failed, processed]
    assert billing.get(INBOX, {"status": "exploded"}).context["events"] == []
    refused = billing.get(INBOX, {"event_type": "a\x00b"})
    assert refused.context["events"] == []
    assert "Remove the control character U+0000." in refused.content.decode()


@pytest.mark.parametrize("count", [1, 6])
@pytest.mark.parametrize(
    ("query", "htmx"), [({}, False), ({"status": "processed"}, True), ({"page": 2}, False)]
)
def test_the_list_runs_a_fixed_number_of_queries(billing, django_assert_num_queries, count, query, htmx):
    for n in range(count * 10):
        stored(f"evt_{n}")
    # 1 session, 2 user, 3 authenticators, 4 user permissions, 5 group permissions, 6 count,
    # 7 the page (a deep page: the same, its ids in a subquery)
    with django_assert_num_queries(7):
        response = billing.get(INBOX, query, **(HTMX if htmx else {}))
    assert len(response.context["events"]) == (
        10 if count == 6 and query.get("page") else min(count * 10, 50)
    )


def test_an_event_shows_its_payload_indented(billing):
    event = stored("evt_1", payload='{"data":{"object":{"amount_total":12345}},"id":"evt_1"}')
    page = billing.get(f"{INBOX}{event.pk}/").content.decode()
    assert "&quot;amount_total&quot;: 12345" in page
    assert f'action="{INBOX}{event.pk}/replay/"' in page
    assert billing.get(f"{INBOX}999999/").status_code == 404


def test_replay_one_event(billing, bill_billing, django_capture_on_commit_callbacks):
    cache.delete(FAIL_KEY)
    event = stored("evt_1", "test.fragile", EventStatus.FAILED, attempts=8, last_error="RuntimeError: x")
    with django_capture_on_commit_callbacks(execute=True):
        billing.post(f"{INBOX}{event.pk}/replay/")
    response = billing.get(f"{INBOX}{event.pk}/")  # the message, shown once the replay has run
    event.refresh_from_db()
    assert event.status == EventStatus.PROCESSED
    assert "Event evt_1 replayed: it is pending." in response.content.decode()
    assert AuditEvent.objects.filter(action="inbox.event_replayed", actor=bill_billing).count() == 1
    assert billing.post(f"{INBOX}999999/replay/").status_code == 404
    assert billing.get(f"{INBOX}{event.pk}/replay/").status_code == 405


def test_replay_all_failed_of_the_filter(billing):
    cache.delete(FAIL_KEY)
    for n in range(3):
        stored(f"evt_{n}", "test.fragile", EventStatus.FAILED)
    stored("evt_x", "other.type", EventStatus.FAILED, source="registrar")
    response = billing.post(f"{INBOX}replay-failed/", {"source": "test", "event_type": ""}, follow=True)
    assert "3 failed events replayed." in response.content.decode()
    assert list(
        InboundEvent.objects.filter(status=EventStatus.FAILED).values_list("event_id", flat=True)
    ) == ["evt_x"]


def test_support_reads_without_replaying_and_sales_see_nothing(
    staff_client, sue_support, sam_sales, client, carol
):
    event = stored("evt_1", "test.fragile", EventStatus.FAILED)
    support = staff_client(sue_support)
    assert support.get(INBOX).status_code == 200
    page = support.get(f"{INBOX}{event.pk}/").content.decode()
    assert "/replay/" not in page
    assert "replay-failed" not in page
    assert support.post(f"{INBOX}{event.pk}/replay/").status_code == 403
    assert support.post(f"{INBOX}replay-failed/").status_code == 403
    sales = staff_client(sam_sales)
    assert sales.get(INBOX).status_code == 403
    assert sales.get(f"{INBOX}{event.pk}/").status_code == 403
    assert "Webhook inbox" not in sales.get("/staff/").content.decode()
    client.force_login(carol)
    assert client.get(INBOX).status_code == 404  # the staff area does not exist for customers
    event.refresh_from_db()
    assert event.status == EventStatus.FAILED
