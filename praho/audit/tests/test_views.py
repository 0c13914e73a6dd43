import datetime as dt

import pytest
import time_machine

from praho.audit.models import AuditEvent
from praho.audit.services import record_event

URL = "/staff/audit/"


@pytest.fixture
def signed_in(client, settings):
    """A client with a session from an earlier login, so no login event joins the trail."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    def sign_in(user):
        session = client.session
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
        return client

    return sign_in


def _actions(response):
    return [event.action for event in response.context["page_obj"]]


@pytest.fixture
def events(alice_admin, carol, dave):
    """Events at known Bucharest times (UTC+2 in January)."""
    with time_machine.travel(dt.datetime(2026, 1, 10, 9, 0, tzinfo=dt.UTC), tick=False):
        record_event("auth.login", actor=carol, target=carol)
    with time_machine.travel(
        dt.datetime(2026, 1, 11, 21, 30, tzinfo=dt.UTC), tick=False
    ):  # 23:30 in Bucharest
        record_event("accounts.roles_changed", actor=alice_admin, target=dave, data={"after": ["billing"]})
    with time_machine.travel(
        dt.datetime(2026, 1, 11, 22, 30, tzinfo=dt.UTC), tick=False
    ):  # 00:30 on the 12th
        record_event("auth.login_failed", object_type="accounts.user", object_repr="dave@other-customer.test")


def test_admin_sees_every_event_newest_first(signed_in, alice_admin, events):
    client = signed_in(alice_admin)

    response = client.get(URL)

    assert response.status_code == 200
    assert _actions(response) == ["auth.login_failed", "accounts.roles_changed", "auth.login"]
    assert b"3 events" in response.content


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"actor": "carol@"}, ["auth.login"]),
        ({"action": "auth.login"}, ["auth.login"]),
        ({"action": "auth."}, ["auth.login_failed", "auth.login"]),
        ({"object": "dave@"}, ["auth.login_failed", "accounts.roles_changed"]),
        ({"object": "accounts.user", "actor": "alice"}, ["accounts.roles_changed"]),
        ({"date_from": "2026-01-11", "date_to": "2026-01-11"}, ["accounts.roles_changed"]),
        ({"date_from": "2026-01-12"}, ["auth.login_failed"]),
        ({"date_to": "2026-01-10"}, ["auth.login"]),
    ],
)
def test_filters_narrow_the_events(signed_in, alice_admin, events, query, expected):
    client = signed_in(alice_admin)

    assert _actions(client.get(URL, query)) == expected


def test_an_end_date_before_the_start_date_is_an_error_on_the_end_date(signed_in, alice_admin, events):
    client = signed_in(alice_admin)

    response = client.get(URL, {"date_from": "2026-01-12", "date_to": "2026-01-10"})

    assert response.context["form"].errors == {"date_to": ["The end date must not be before the start date."]}
    assert _actions(response) == []
    assert b'aria-invalid="true"' in response.content


def test_a_malformed_date_is_an_error_on_its_field(signed_in, alice_admin, events):
    client = signed_in(alice_admin)

    response = client.get(URL, {"date_from": "11/01/2026x"})

    assert response.status_code == 200
    assert response.context["form"].errors == {"date_from": ["Enter a valid date."]}


def test_an_htmx_request_gets_only_the_results_table(signed_in, alice_admin, events):
    client = signed_in(alice_admin)

    response = client.get(URL, {"actor": "carol"}, HTTP_HX_REQUEST="true")

    assert next(t.name for t in response.templates) == "audit/_event_table.html"
    assert b"<html" not in response.content
    assert _actions(response) == ["auth.login"]


def test_pages_keep_the_filters_in_their_links(signed_in, alice_admin):
    for n in range(51):
        record_event("test.paged", data={"n": n})
    client = signed_in(alice_admin)

    response = client.get(URL, {"action": "test.paged"})

    assert len(response.context["page_obj"]) == 50
    assert b'href="?action=test.paged&amp;page=2"' in response.content
    assert len(client.get(URL, {"action": "test.paged", "page": 2}).context["page_obj"]) == 1


def test_the_list_runs_a_fixed_number_of_queries(signed_in, alice_admin, django_assert_num_queries):
    for n in range(30):
        record_event("test.counted", actor=alice_admin, data={"n": n})
    client = signed_in(alice_admin)
    # 1 session, 2 user, 3 authenticators (staff gate), 4 user permissions,
    # 5 group permissions, 6 count of events, 7 the page of events
    with django_assert_num_queries(7):
        response = client.get(URL)
    assert len(response.context["page_obj"]) == 30


def test_the_detail_page_shows_hashes_and_data(signed_in, alice_admin, events):
    event = AuditEvent.objects.get(action="accounts.roles_changed")
    client = signed_in(alice_admin)

    response = client.get(f"{URL}{event.pk}/")

    assert response.status_code == 200
    assert event.hash.encode() in response.content
    assert event.prev_hash.encode() in response.content
    assert b"&quot;billing&quot;" in response.content


def test_an_unknown_event_is_not_found(signed_in, alice_admin):
    client = signed_in(alice_admin)

    assert client.get(f"{URL}999999/").status_code == 404


def test_staff_without_the_audit_permission_are_refused(signed_in, bill_billing, events):
    client = signed_in(bill_billing)

    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}{AuditEvent.objects.first().pk}/").status_code == 403


def test_customer_users_do_not_see_the_audit_trail_exists(signed_in, carol, events):
    client = signed_in(carol)

    assert client.get(URL).status_code == 404
    assert client.get(f"{URL}{AuditEvent.objects.first().pk}/").status_code == 404


def test_visitors_are_sent_to_log_in(client, events):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/staff/audit/"
