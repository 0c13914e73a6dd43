"""django-axes lockout after repeated failed logins, and lifting it from the staff area."""

from __future__ import annotations

import polib
import pytest
import time_machine
from axes.models import AccessAttempt
from django.test import Client

from praho.accounts import selectors
from praho.accounts.tests.steps import USER_AGENT, log_in, log_in_with_totp, new_browser
from praho.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

NOW = "2026-03-02 10:00:00+00:00"  # 12:00 in Bucharest (UTC+2 before the summer change)
LOCKOUT_MSGID = (
    "Too many failed login attempts. Logging in is locked for %(minutes)d minutes, "
    "until %(time)s. Try again later or ask an administrator to lift the lock."
)
ENGLISH_MESSAGE = (
    "Too many failed login attempts. Logging in is locked for 15 minutes, "
    "until 12:15. Try again later or ask an administrator to lift the lock."
)
ROMANIAN_MESSAGE = (
    "Prea multe încercări eșuate de autentificare. Autentificarea este blocată 15 minute, "
    "până la 12:15. Încercați mai târziu sau cereți unui administrator să ridice blocarea."
)


def fail_five_times(browser, email: str = "carol@customer.test") -> list:
    return [log_in(browser, email, f"wrong password {n}") for n in range(5)]


def staff_browser(user) -> Client:
    """A staff member at another address, so the lock on the visitor's address does not apply."""
    browser = Client(headers={"user-agent": USER_AGENT}, REMOTE_ADDR="10.20.30.40")
    log_in_with_totp(browser, user)
    return browser


@pytest.fixture
def romanian_catalog(tmp_path, settings):
    """A Romanian catalog holding the lockout message, ahead of the project's own."""
    catalog = polib.POFile()
    catalog.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Language": "ro"}
    catalog.append(
        polib.POEntry(
            msgid=LOCKOUT_MSGID,
            msgstr=(
                "Prea multe încercări eșuate de autentificare. Autentificarea este blocată "
                "%(minutes)d minute, până la %(time)s. Încercați mai târziu sau cereți unui "
                "administrator să ridice blocarea."
            ),
        )
    )
    (tmp_path / "ro" / "LC_MESSAGES").mkdir(parents=True)
    catalog.save_as_mofile(str(tmp_path / "ro" / "LC_MESSAGES" / "django.mo"))
    settings.LOCALE_PATHS = [tmp_path, *settings.LOCALE_PATHS]


@time_machine.travel(NOW, tick=False)
def test_five_failures_lock_the_account_and_then_even_the_right_password_gets_429(browser, carol):
    answers = fail_five_times(browser)

    response = log_in(browser, carol.email)

    assert [answer.status_code for answer in answers] == [200, 200, 200, 200, 429]
    assert response.status_code == 429
    assert "accounts/lockout.html" in [template.name for template in response.templates]
    assert response.context["message"] == ENGLISH_MESSAGE
    assert f'<p role="alert">{ENGLISH_MESSAGE}</p>'.encode() in response.content
    assert "_auth_user_id" not in browser.session


@time_machine.travel(NOW, tick=False)
def test_the_lock_is_audited_once_with_the_email_and_address(browser, carol):
    answers = fail_five_times(browser)
    log_in(browser, carol.email)

    event = AuditEvent.objects.get(action="auth.locked_out")
    assert event.object_repr == "carol@customer.test"
    assert event.data == {"email": "carol@customer.test", "ip_address": "127.0.0.1"}
    assert event.ip_address == "127.0.0.1"
    assert event.user_agent == USER_AGENT
    assert event.request_id == answers[4]["X-Request-ID"]
    failures = AuditEvent.objects.filter(action="auth.login_failed").order_by("id")
    assert [event.data["reason"] for event in failures] == ["credentials"] * 5 + ["locked"]
    assert AuditEvent.objects.filter(action="auth.login").count() == 0


@time_machine.travel(NOW, tick=False)
def test_the_lockout_message_is_translated_into_the_visitors_language(browser, carol, romanian_catalog):
    browser.post("/i18n/language/", {"language": "ro", "next": "/accounts/login/"})
    fail_five_times(browser)

    response = log_in(browser, carol.email)

    assert response.status_code == 429
    assert b'<html lang="ro">' in response.content
    assert response.context["message"] == ROMANIAN_MESSAGE
    assert ENGLISH_MESSAGE.encode() not in response.content


def test_four_failures_do_not_lock(browser, carol):
    for n in range(4):
        log_in(browser, carol.email, f"wrong password {n}")

    response = log_in(browser, carol.email)

    assert response.status_code == 302
    assert int(browser.session["_auth_user_id"]) == carol.pk


def test_a_successful_login_resets_the_count(browser, carol):
    for n in range(4):
        log_in(browser, carol.email, f"wrong password {n}")
    log_in(browser, carol.email)
    browser.post("/accounts/logout/")

    answers = [log_in(browser, carol.email, f"again wrong {n}").status_code for n in range(4)]

    assert answers == [200, 200, 200, 200]


def test_the_lock_ends_fifteen_minutes_after_the_last_failure(browser, carol):
    with time_machine.travel(NOW, tick=False):
        fail_five_times(browser)
    with time_machine.travel("2026-03-02 10:14:59+00:00", tick=False):
        locked = Client(REMOTE_ADDR="192.0.2.7").get("/accounts/login/")
    with time_machine.travel("2026-03-02 10:15:01+00:00", tick=False):
        response = log_in(browser, carol.email)
        logged_in_as = int(browser.session["_auth_user_id"])

    assert locked.status_code == 200
    assert response.status_code == 302
    assert logged_in_as == carol.pk


def test_trying_during_the_lock_extends_it(browser, carol):
    with time_machine.travel(NOW, tick=False):
        fail_five_times(browser)
    with time_machine.travel("2026-03-02 10:10:00+00:00", tick=False):
        during = log_in(browser, carol.email)
    with time_machine.travel("2026-03-02 10:15:01+00:00", tick=False):
        still_locked = [(lock.kind, lock.value) for lock in selectors.active_locks()]
    with time_machine.travel("2026-03-02 10:25:01+00:00", tick=False):
        after_extension = log_in(browser, carol.email)

    assert during.status_code == 429
    assert "until 12:25." in during.context["message"]
    assert still_locked == [("username", "carol@customer.test"), ("ip_address", "127.0.0.1")]
    assert after_extension.status_code == 302


def test_the_lock_on_an_account_holds_from_another_address(browser, carol):
    fail_five_times(browser)
    elsewhere = Client(REMOTE_ADDR="192.0.2.7")

    response = log_in(elsewhere, carol.email)

    assert response.status_code == 429


def test_lockouts_page_lists_the_locked_account_and_address_for_an_admin(browser, carol, alice_admin):
    with time_machine.travel(NOW, tick=False):
        fail_five_times(browser)
        admin = staff_browser(alice_admin)

        response = admin.get("/staff/lockouts/")

    assert response.status_code == 200
    assert [(lock.kind, lock.value, lock.failures) for lock in response.context["locks"]] == [
        ("username", "carol@customer.test", 5),
        ("ip_address", "127.0.0.1", 5),
    ]
    content = response.content.decode()
    assert 'Account: <span class="mono">carol@customer.test</span>' in content
    assert 'IP address: <span class="mono">127.0.0.1</span>' in content
    assert '<time datetime="2026-03-02T12:00:00+02:00">2026-03-02 12:00</time>' in content


def test_lifting_the_account_lock_lets_the_user_log_in_and_is_audited(browser, carol, alice_admin):
    fail_five_times(browser)
    admin = staff_browser(alice_admin)

    response = admin.post("/staff/lockouts/lift/", {"kind": "username", "value": "carol@customer.test"})

    assert response.status_code == 302
    assert response["Location"] == "/staff/lockouts/"
    page = admin.get("/staff/lockouts/")
    assert [str(message) for message in page.context["messages"]][-1] == (
        "The lock on carol@customer.test was lifted."
    )
    assert page.context["locks"] == []
    event = AuditEvent.objects.get(action="auth.lockout_lifted")
    assert event.actor == alice_admin
    assert event.object_repr == "carol@customer.test"
    assert event.data == {"email": "carol@customer.test", "ip_address": "", "attempts_removed": 1}
    assert event.ip_address == "10.20.30.40"
    assert event.user_agent == USER_AGENT
    assert event.request_id == response["X-Request-ID"]
    login = log_in(browser, carol.email)
    assert login.status_code == 302
    assert int(browser.session["_auth_user_id"]) == carol.pk


def test_lifting_the_address_lock_lets_others_from_that_address_log_in(browser, carol, dave, alice_admin):
    fail_five_times(browser, "nobody@example.test")
    assert log_in(new_browser(), dave.email).status_code == 429
    admin = staff_browser(alice_admin)

    admin.post("/staff/lockouts/lift/", {"kind": "ip_address", "value": "127.0.0.1"})

    assert log_in(new_browser(), dave.email).status_code == 302
    event = AuditEvent.objects.get(action="auth.lockout_lifted")
    assert event.object_type == "ip_address"
    # The five failures for nobody@ and dave's refused attempt, one row each.
    assert event.data == {"email": "", "ip_address": "127.0.0.1", "attempts_removed": 2}


def test_a_lift_request_without_a_valid_kind_changes_nothing(browser, carol, alice_admin):
    fail_five_times(browser)
    admin = staff_browser(alice_admin)

    response = admin.post("/staff/lockouts/lift/", {"kind": "everything", "value": "carol@customer.test"})

    assert response.status_code == 302
    page = admin.get("/staff/lockouts/")
    assert [str(message) for message in page.context["messages"]][-1] == "Choose a lock to lift."
    assert len(page.context["locks"]) == 2
    assert AuditEvent.objects.filter(action="auth.lockout_lifted").count() == 0


def test_lifting_needs_a_post(alice_admin, staff_client):
    response = staff_client(alice_admin).get("/staff/lockouts/lift/")

    assert response.status_code == 405


@pytest.mark.parametrize("fixture", ["mike_manager", "sue_support"])
def test_managers_and_support_may_see_lockouts(request, fixture, staff_client):
    user = request.getfixturevalue(fixture)

    assert staff_client(user).get("/staff/lockouts/").status_code == 200


def test_billing_staff_may_neither_see_nor_lift_locks(browser, carol, bill_billing, staff_client):
    fail_five_times(browser)
    client = staff_client(bill_billing)

    page = client.get("/staff/lockouts/")
    lift = client.post("/staff/lockouts/lift/", {"kind": "username", "value": "carol@customer.test"})

    assert page.status_code == 403
    assert lift.status_code == 403
    assert AccessAttempt.objects.count() == 1
    assert AuditEvent.objects.filter(action="auth.lockout_lifted").count() == 0
    assert log_in(browser, carol.email).status_code == 429


@pytest.mark.parametrize("path", ["/staff/lockouts/", "/staff/lockouts/lift/"])
def test_a_customer_does_not_find_the_lockout_pages(path, carol, staff_client):
    client = staff_client(carol)

    assert client.get(path).status_code == 404
    assert client.post(path, {"kind": "ip_address", "value": "127.0.0.1"}).status_code == 404


def test_an_anonymous_visitor_is_sent_to_log_in(browser):
    response = browser.get("/staff/lockouts/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/staff/lockouts/"
