"""Resetting a forgotten password by email and changing it while logged in."""

from __future__ import annotations

import pytest
from django.core import mail

from praho.accounts.tests.steps import USER_AGENT, last_link, log_in
from praho.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

RESET_URL = "/accounts/password/reset/"
RESET_KEY_PREFIX = "/accounts/password/reset/key/"
CHANGE_URL = "/accounts/password/change/"
NEW_PASSWORD = "quartz-meadow-violin-73"


def request_reset(browser, email: str):
    return browser.post(RESET_URL, {"email": email})


def set_new_password_from_email(browser, password: str = NEW_PASSWORD):
    """Follow the emailed key link, which leads to the form, and submit it."""
    key_link = browser.get(last_link(RESET_KEY_PREFIX))
    assert key_link.status_code == 302
    form_url = key_link["Location"]
    assert form_url.startswith(RESET_KEY_PREFIX)
    assert form_url.endswith("-set-password/")
    assert browser.get(form_url).status_code == 200
    return browser.post(form_url, {"password1": password, "password2": password})


def test_requesting_a_reset_sends_a_link_to_the_account_email(browser, carol):
    response = request_reset(browser, "Carol@customer.test")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/done/"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["carol@customer.test"]
    assert mail.outbox[0].subject == "[PRAHO] Password Reset Email"
    assert RESET_KEY_PREFIX in mail.outbox[0].body


def test_requesting_a_reset_for_an_unknown_email_looks_the_same_and_sends_no_link(browser, carol):
    response = request_reset(browser, "nobody@example.test")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/done/"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["nobody@example.test"]
    assert RESET_KEY_PREFIX not in mail.outbox[0].body


def test_reset_sets_the_new_password_the_old_one_fails_and_it_is_audited(browser, carol, password):
    request_reset(browser, carol.email)

    response = set_new_password_from_email(browser)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/key/done/"
    event = AuditEvent.objects.get(action="auth.password_reset")
    assert event.actor == carol
    assert event.object_id == str(carol.pk)
    assert event.ip_address == "127.0.0.1"
    assert event.user_agent == USER_AGENT
    assert event.request_id == response["X-Request-ID"]
    old = log_in(browser, carol.email, password)
    assert old.status_code == 200
    assert "_auth_user_id" not in browser.session
    new = log_in(browser, carol.email, NEW_PASSWORD)
    assert new.status_code == 302
    assert int(browser.session["_auth_user_id"]) == carol.pk


def test_a_reset_link_works_only_once(browser, carol):
    request_reset(browser, carol.email)
    link = last_link(RESET_KEY_PREFIX)
    set_new_password_from_email(browser)

    second = browser.get(link, follow=True)

    assert second.status_code == 200
    assert second.context["token_fail"] is True
    carol.refresh_from_db()
    assert carol.check_password(NEW_PASSWORD)


def test_a_forged_reset_key_is_refused(browser, carol, password):
    response = browser.get(f"{RESET_KEY_PREFIX}{carol.pk}-forged-key/", follow=True)

    assert response.status_code == 200
    assert response.context["token_fail"] is True
    carol.refresh_from_db()
    assert carol.check_password(password)


def test_reset_with_mismatched_passwords_changes_nothing(browser, carol, password):
    request_reset(browser, carol.email)
    form_url = browser.get(last_link(RESET_KEY_PREFIX))["Location"]

    response = browser.post(form_url, {"password1": NEW_PASSWORD, "password2": "something-else-entirely"})

    assert response.status_code == 200
    assert response.context["form"].errors == {"password2": ["You must type the same password each time."]}
    carol.refresh_from_db()
    assert carol.check_password(password)
    assert AuditEvent.objects.filter(action="auth.password_reset").count() == 0


def test_changing_the_password_while_logged_in_keeps_the_session_and_is_audited(browser, carol, password):
    log_in(browser, carol.email)

    response = browser.post(
        CHANGE_URL, {"oldpassword": password, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )

    assert response.status_code == 302
    assert response["Location"] == CHANGE_URL
    assert int(browser.session["_auth_user_id"]) == carol.pk
    carol.refresh_from_db()
    assert carol.check_password(NEW_PASSWORD)
    event = AuditEvent.objects.get(action="auth.password_changed")
    assert event.actor == carol
    assert event.ip_address == "127.0.0.1"
    assert event.user_agent == USER_AGENT
    assert event.request_id == response["X-Request-ID"]
    browser.post("/accounts/logout/")
    assert log_in(browser, carol.email, password).status_code == 200
    assert log_in(browser, carol.email, NEW_PASSWORD).status_code == 302


def test_changing_the_password_needs_the_current_one(browser, carol, password):
    log_in(browser, carol.email)

    response = browser.post(
        CHANGE_URL, {"oldpassword": "not my password", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"oldpassword": ["Please type your current password."]}
    carol.refresh_from_db()
    assert carol.check_password(password)
    assert AuditEvent.objects.filter(action="auth.password_changed").count() == 0


def test_changing_the_password_needs_a_login(browser):
    response = browser.get(CHANGE_URL)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/password/change/"
