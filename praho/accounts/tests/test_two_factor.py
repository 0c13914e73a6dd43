"""Authenticator app (TOTP) set-up, the code step of the login, and the staff gate."""

from __future__ import annotations

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY

from praho.accounts.tests.factories import totp_code
from praho.accounts.tests.steps import (
    TOTP_ACTIVATE_URL,
    TOTP_AUTHENTICATE_URL,
    USER_AGENT,
    activate_totp,
    code_for_secret,
    log_in,
    log_in_with_totp,
)
from praho.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def authenticator_types(user) -> list[str]:
    return sorted(Authenticator.objects.filter(user=user).values_list("type", flat=True))


def test_activation_page_shows_a_secret_and_keeps_it_in_the_session(browser, carol):
    log_in(browser, carol.email)

    response = browser.get(TOTP_ACTIVATE_URL)

    assert response.status_code == 200
    secret = response.context["form"].secret
    assert len(secret) == 32
    assert browser.session[SECRET_SESSION_KEY] == secret
    assert f'value="{secret}"'.encode() in response.content
    assert b'<img src="data:image/svg+xml;base64,' in response.content


def test_activating_totp_with_the_current_code_generates_recovery_codes(
    browser, carol, django_capture_on_commit_callbacks
):
    log_in(browser, carol.email)

    with django_capture_on_commit_callbacks(execute=True):
        response = activate_totp(browser)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/recovery-codes/"
    assert authenticator_types(carol) == ["recovery_codes", "totp"]
    codes_page = browser.get("/accounts/2fa/recovery-codes/")
    assert codes_page.status_code == 200
    assert len(codes_page.context["unused_codes"]) == 10
    added = AuditEvent.objects.filter(action="mfa.added").order_by("id")
    assert [(event.actor, event.data) for event in added] == [
        (carol, {"type": "totp"}),
        (carol, {"type": "recovery_codes"}),
    ]


# allauth announces a new authenticator after the transaction commits, so this
# test commits for real to see the event written inside the request.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_totp_added_event_carries_the_request_facts(browser, carol):
    log_in(browser, carol.email)

    response = activate_totp(browser)

    event = AuditEvent.objects.filter(action="mfa.added").order_by("id").first()
    assert event is not None
    assert event.actor == carol
    assert event.data == {"type": "totp"}
    assert event.ip_address == "127.0.0.1"
    assert event.user_agent == USER_AGENT
    assert event.request_id == response["X-Request-ID"]


def test_a_wrong_activation_code_is_refused_and_adds_nothing(browser, carol):
    log_in(browser, carol.email)
    browser.get(TOTP_ACTIVATE_URL)

    response = browser.post(TOTP_ACTIVATE_URL, {"code": "000000"})

    assert response.status_code == 200
    assert response.context["form"].errors == {"code": ["Incorrect code."]}
    assert b'aria-invalid="true" aria-describedby="id_code_error"' in response.content
    assert authenticator_types(carol) == []
    assert AuditEvent.objects.filter(action="mfa.added").count() == 0


def test_activation_needs_the_password_again_five_minutes_after_login(browser, carol, password):
    with time_machine.travel("2026-03-02 09:00:00+00:00", tick=False):
        log_in(browser, carol.email)
    with time_machine.travel("2026-03-02 09:05:01+00:00", tick=False):
        response = browser.get(TOTP_ACTIVATE_URL)
        assert response.status_code == 302
        assert response["Location"] == "/accounts/reauthenticate/?next=%2Faccounts%2F2fa%2Ftotp%2Factivate%2F"
        again = browser.post(response["Location"], {"password": password})
        assert again.status_code == 302
        assert again["Location"] == TOTP_ACTIVATE_URL
        assert browser.get(TOTP_ACTIVATE_URL).status_code == 200


def test_activation_page_needs_a_login(browser):
    response = browser.get(TOTP_ACTIVATE_URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_staff_without_a_second_factor_is_sent_to_totp_setup_and_then_reaches_the_staff_area(
    browser, nora_nomfa
):
    login = log_in(browser, nora_nomfa.email)
    home = browser.get(login["Location"])
    gate = browser.get(home["Location"])

    assert login["Location"] == "/"
    assert home["Location"] == "/staff/"
    assert gate.status_code == 302
    assert gate["Location"] == TOTP_ACTIVATE_URL
    setup = browser.get(TOTP_ACTIVATE_URL)
    assert setup.status_code == 200
    assert [str(m) for m in setup.context["messages"]] == [
        "Successfully signed in as nora@staff.test.",
        "Staff must use two-factor authentication. Set up an authenticator app to continue.",
    ]

    activated = activate_totp(browser)

    assert activated["Location"] == "/accounts/2fa/recovery-codes/"
    assert browser.get("/staff/").status_code == 200
    assert browser.get("/staff/users/").status_code == 200


@pytest.mark.parametrize("path", ["/staff/", "/staff/users/", "/staff/lockouts/", "/staff/audit/"])
def test_every_staff_page_sends_staff_without_a_second_factor_to_the_setup(browser, nora_nomfa, path):
    log_in(browser, nora_nomfa.email)

    response = browser.get(path)

    assert response.status_code == 302
    assert response["Location"] == TOTP_ACTIVATE_URL


def test_staff_with_totp_is_asked_for_the_code_before_being_logged_in(browser, alice_admin):
    response = log_in(browser, alice_admin.email)

    assert response.status_code == 302
    assert response["Location"] == TOTP_AUTHENTICATE_URL
    assert "_auth_user_id" not in browser.session
    page = browser.get(TOTP_AUTHENTICATE_URL)
    assert page.status_code == 200
    assert page.templates[0].name == "mfa/authenticate.html"
    assert browser.get("/staff/")["Location"] == "/accounts/login/?next=/staff/"
    assert AuditEvent.objects.filter(action="auth.login").count() == 0


def test_staff_with_the_right_code_reaches_the_staff_dashboard_and_the_login_is_audited(browser, alice_admin):
    response = log_in_with_totp(browser, alice_admin)

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert browser.get("/")["Location"] == "/staff/"
    assert browser.get("/staff/").status_code == 200
    event = AuditEvent.objects.get(action="auth.login")
    assert event.actor == alice_admin
    assert event.ip_address == "127.0.0.1"
    assert event.user_agent == USER_AGENT
    assert event.request_id == response["X-Request-ID"]


def test_a_wrong_code_is_refused_counted_and_audited(browser, alice_admin):
    log_in(browser, alice_admin.email)

    response = browser.post(TOTP_AUTHENTICATE_URL, {"code": "000000"})

    assert response.status_code == 200
    assert response.context["form"].errors == {"code": ["Incorrect code."]}
    assert "_auth_user_id" not in browser.session
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.data == {"email": "alice@staff.test", "reason": "otp"}
    assert event.object_id == str(alice_admin.pk)
    assert event.request_id == response["X-Request-ID"]
    assert AuditEvent.objects.filter(action="auth.login").count() == 0


def test_a_used_code_cannot_be_used_again(browser, alice_admin):
    code = totp_code(alice_admin)
    log_in(browser, alice_admin.email)
    browser.post(TOTP_AUTHENTICATE_URL, {"code": code})
    browser.post("/accounts/logout/")
    log_in(browser, alice_admin.email)

    response = browser.post(TOTP_AUTHENTICATE_URL, {"code": code})

    assert response.status_code == 200
    assert response.context["form"].errors == {"code": ["Incorrect code."]}
    assert "_auth_user_id" not in browser.session


def test_a_recovery_code_works_once_in_place_of_the_app_code(browser, carol):
    log_in(browser, carol.email)
    activate_totp(browser)
    code = browser.get("/accounts/2fa/recovery-codes/").context["unused_codes"][0]
    browser.post("/accounts/logout/")

    log_in(browser, carol.email)
    first = browser.post(TOTP_AUTHENTICATE_URL, {"code": code})
    browser.post("/accounts/logout/")
    log_in(browser, carol.email)
    second = browser.post(TOTP_AUTHENTICATE_URL, {"code": code})

    assert first.status_code == 302
    assert first["Location"] == "/"
    assert second.status_code == 200
    assert second.context["form"].errors == {"code": ["Incorrect code."]}


def test_five_wrong_codes_lock_the_account_and_then_even_the_right_code_is_refused(browser, alice_admin):
    log_in(browser, alice_admin.email)
    answers = [browser.post(TOTP_AUTHENTICATE_URL, {"code": "000000"}).status_code for _ in range(5)]

    response = browser.post(TOTP_AUTHENTICATE_URL, {"code": totp_code(alice_admin)})

    assert answers == [200, 200, 200, 200, 429]
    assert response.status_code == 429
    assert b"Too many failed login attempts." in response.content
    assert "_auth_user_id" not in browser.session
    assert AuditEvent.objects.filter(action="auth.locked_out").count() == 1
    assert AuditEvent.objects.filter(action="auth.login").count() == 0


def test_mfa_overview_shows_the_authenticator_app_once_activated(browser, carol):
    log_in(browser, carol.email)
    before = browser.get("/accounts/2fa/")
    activate_totp(browser)

    response = browser.get("/accounts/2fa/")

    assert before.context["is_mfa_enabled"] is False
    assert response.status_code == 200
    assert response.context["is_mfa_enabled"] is True
    assert sorted(response.context["authenticators"]) == ["recovery_codes", "totp"]
    assert response.context["authenticators"]["totp"].instance.user == carol


def test_deactivating_totp_removes_it_and_its_recovery_codes(browser, carol):
    log_in(browser, carol.email)
    activate_totp(browser)

    response = browser.post("/accounts/2fa/totp/deactivate/")

    assert response.status_code == 302
    assert authenticator_types(carol) == []
    removed = AuditEvent.objects.filter(action="mfa.removed").order_by("id")
    assert [event.data for event in removed] == [{"type": "totp"}, {"type": "recovery_codes"}]


def test_the_secret_changes_on_every_visit_until_activated(browser, carol):
    log_in(browser, carol.email)
    first = browser.get(TOTP_ACTIVATE_URL).context["form"].secret
    second = browser.get(TOTP_ACTIVATE_URL).context["form"].secret

    # A code made from the first secret no longer activates anything.
    response = browser.post(TOTP_ACTIVATE_URL, {"code": code_for_secret(first)})

    assert first != second
    assert response.status_code == 200
    assert authenticator_types(carol) == []
