"""The staff dashboard (/staff/) and the customer dashboard (/app/)."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client

from praho.accounts.tests.authenticator import SoftwarePasskey
from praho.accounts.tests.factories import UserFactory
from praho.accounts.tests.steps import activate_totp, log_in
from praho.accounts.tests.test_passkeys import register
from praho.audit.services import record_event

pytestmark = pytest.mark.django_db


def panel_data(response, name: str) -> dict:
    """The data of the dashboard panel rendered from a template ending in `name`."""
    panels = [*response.context["panels"], *response.context.get("secondary_panels", [])]
    (found,) = [panel for panel in panels if panel.template.endswith(name)]
    return found.data


# --- staff ------------------------------------------------------------------


def test_an_admin_sees_counts_and_recent_activity(alice_admin, bill_billing, staff_client):
    inactive = UserFactory(is_staff=True, is_active=False, roles=["sales"])
    record_event("test.first", actor=alice_admin, target=bill_billing)
    record_event("test.second", actor=alice_admin, target=inactive)

    response = staff_client(alice_admin).get("/staff/")

    assert response.status_code == 200
    summary = panel_data(response, "_staff_administration.html")["summary"]
    assert summary.roles == ["admin"]
    assert summary.staff_count == 2
    assert summary.active_locks == 0
    audit = panel_data(response, "_staff_audit.html")["summary"]
    # Her own login (force_login is audited too) and the two events.
    assert audit.events_today == 3
    assert [event.action for event in audit.recent_events] == ["auth.login", "test.second", "test.first"]
    content = response.content.decode()
    assert '<span class="badge">Administrator</span>' in content
    assert '<a href="/staff/users/">Manage staff and roles</a>' in content
    assert '<a href="/staff/audit/">Open the audit trail</a>' in content


def test_billing_staff_see_only_what_their_role_allows(bill_billing, alice_admin, staff_client):
    record_event("test.secret", actor=alice_admin)

    response = staff_client(bill_billing).get("/staff/")

    summary = panel_data(response, "_staff_administration.html")["summary"]
    assert summary.roles == ["billing"]
    assert summary.staff_count == 2
    assert summary.active_locks is None
    assert not [panel for panel in response.context["secondary_panels"] if "audit" in panel.template]
    assert b"test.secret" not in response.content
    assert b"/staff/users/" not in response.content
    assert b"/staff/lockouts/" not in response.content
    assert b"/staff/audit/" not in response.content


def test_support_staff_see_the_lock_count_with_a_link_when_something_is_locked(
    sue_support, carol, staff_client
):
    visitor = Client()
    for n in range(5):
        log_in(visitor, carol.email, f"bad {n}")

    response = staff_client(sue_support).get("/staff/")

    assert panel_data(response, "_staff_administration.html")["summary"].active_locks == 2
    assert b'<a href="/staff/lockouts/">Review locks</a>' in response.content


def test_times_are_shown_in_bucharest_by_default(alice_admin, staff_client):
    with time_machine.travel("2026-01-15 10:30:00+00:00", tick=False):
        record_event("test.winter", actor=alice_admin)
        response = staff_client(alice_admin).get("/staff/")

    assert alice_admin.timezone == "Europe/Bucharest"
    assert b'<time datetime="2026-01-15T12:30:00+02:00">2026-01-15 12:30</time>' in response.content


def test_times_follow_the_users_own_time_zone(alice_admin, staff_client):
    alice_admin.timezone = "Europe/London"
    alice_admin.save(update_fields=["timezone"])
    with time_machine.travel("2026-07-15 10:30:00+00:00", tick=False):
        record_event("test.summer", actor=alice_admin)
        response = staff_client(alice_admin).get("/staff/")

    assert b'<time datetime="2026-07-15T11:30:00+01:00">2026-07-15 11:30</time>' in response.content


def test_today_starts_at_midnight_in_the_users_time_zone(alice_admin, staff_client):
    # 21:30 UTC on 14 January is 23:30 in Bucharest, still "yesterday" at 00:30 local time.
    with time_machine.travel("2026-01-14 21:30:00+00:00", tick=False):
        record_event("test.yesterday", actor=alice_admin)
    with time_machine.travel("2026-01-14 22:10:00+00:00", tick=False):
        record_event("test.today", actor=alice_admin)
    with time_machine.travel("2026-01-14 22:30:00+00:00", tick=False):
        response = staff_client(alice_admin).get("/staff/")

    # test.today and the login that opened the page; not test.yesterday.
    assert panel_data(response, "_staff_audit.html")["summary"].events_today == 2


def test_the_staff_dashboard_takes_the_same_number_of_queries_however_much_happened(
    alice_admin, staff_client, django_assert_num_queries
):
    for n in range(30):
        record_event(f"test.event{n}", actor=alice_admin)
    client = staff_client(alice_admin)

    # 1 session, 2 user, 3 her authenticators (staff gate), 4 her user permissions, 5 her group
    # permissions; the panels in INSTALLED_APPS order: audit 6 events today, 7 the five most recent
    # events; accounts 8 her roles, 9 active staff count, 10 and 11 locked accounts and addresses;
    # billing 12 receivables per currency, 13 invoiced per month, 14 recent payments; e-Factura
    # 15 submissions needing attention, 16 documents not tracked yet; payments 17-19 transfers to
    # review, failed webhook events, open disputes; orders 20 orders waiting; provisioning 21-22
    # operations needing attention, 23-24 services over their limits; recurring 25 overdue renewal
    # documents, 26 terminations to confirm, 27 the last billing run.
    with django_assert_num_queries(27):
        response = client.get("/staff/")

    assert len(panel_data(response, "_staff_audit.html")["summary"].recent_events) == 5


# --- customer ---------------------------------------------------------------


def test_a_customer_without_a_second_factor_is_invited_to_turn_it_on(browser, carol):
    log_in(browser, carol.email)

    response = browser.get("/app/")

    assert response.status_code == 200
    summary = panel_data(response, "_customer_account.html")["summary"]
    assert (summary.email, summary.email_verified, summary.second_factor) == (
        "carol@customer.test",
        True,
        False,
    )
    content = response.content.decode()
    assert "Two-factor authentication is off" in content
    assert '<a href="/accounts/2fa/">Turn on two-factor authentication</a>' in content
    assert f"<h1>Welcome, {carol.first_name}</h1>" in content


def test_a_customer_with_an_app_and_a_passkey_sees_both(browser, carol):
    log_in(browser, carol.email)
    activate_totp(browser)
    register(browser, SoftwarePasskey())

    response = browser.get("/app/")

    summary = panel_data(response, "_customer_account.html")["summary"]
    assert (summary.has_totp, summary.passkeys, summary.recovery_codes) == (True, 1, True)
    assert b"Two-factor authentication is on" in response.content


def test_the_customer_dashboard_needs_a_login(browser):
    response = browser.get("/app/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/app/"


def test_the_customer_dashboard_takes_a_fixed_number_of_queries(
    carol, staff_client, django_assert_num_queries
):
    client = staff_client(carol)

    # 1 session, 2 user, 3 the user's memberships with their customers (layout),
    # 4 authenticator types, 5 confirmed email.
    with django_assert_num_queries(5):
        client.get("/app/")
