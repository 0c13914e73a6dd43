"""Logging in with email and password, failing to, and logging out."""

from __future__ import annotations

import pytest

from praho.accounts.tests.steps import USER_AGENT, log_in
from praho.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_login_page_offers_email_and_password_fields(browser):
    response = browser.get("/accounts/login/")

    assert response.status_code == 200
    assert list(response.context["form"].fields) == ["login", "password", "remember"]
    assert b'<input type="email" name="login"' in response.content


def test_customer_logs_in_with_email_and_password_and_lands_on_the_customer_dashboard(browser, carol):
    response = log_in(browser, "carol@customer.test")

    assert response.status_code == 302
    assert response["Location"] == "/"
    home = browser.get("/")
    assert home["Location"] == "/app/"
    assert browser.get("/app/").status_code == 200


def test_email_is_matched_without_regard_to_case(browser, carol):
    response = log_in(browser, "Carol@Customer.TEST")

    assert response.status_code == 302
    assert int(browser.session["_auth_user_id"]) == carol.pk


def test_login_is_audited_with_address_user_agent_and_request_id(browser, carol):
    response = log_in(browser, carol.email)

    event = AuditEvent.objects.get()
    assert event.action == "auth.login"
    assert event.actor == carol
    assert event.actor_repr == "carol@customer.test"
    assert event.object_type == "accounts.user"
    assert event.object_id == str(carol.pk)
    assert event.ip_address == "127.0.0.1"
    assert event.user_agent == USER_AGENT
    assert event.request_id == response["X-Request-ID"]


def test_a_wrong_password_is_refused_and_audited_with_the_email(browser, carol):
    response = log_in(browser, "Carol@customer.test", "wrong password")

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "The email address and/or password you specified are not correct."
    ]
    assert "_auth_user_id" not in browser.session
    event = AuditEvent.objects.get()
    assert event.action == "auth.login_failed"
    assert event.actor is None
    assert event.object_type == "accounts.user"
    assert event.object_id == str(carol.pk)
    assert event.object_repr == "carol@customer.test"
    assert event.data == {"email": "carol@customer.test", "reason": "credentials"}
    assert event.ip_address == "127.0.0.1"
    assert event.user_agent == USER_AGENT
    assert event.request_id == response["X-Request-ID"]


def test_a_failed_login_for_an_unknown_email_is_audited_without_an_object_id(browser, carol):
    response = log_in(browser, "nobody@example.test", "whatever it is")

    assert response.status_code == 200
    event = AuditEvent.objects.get()
    assert event.action == "auth.login_failed"
    assert event.object_id == ""
    assert event.data == {"email": "nobody@example.test", "reason": "credentials"}


def test_an_inactive_user_cannot_log_in(browser, carol):
    carol.is_active = False
    carol.save(update_fields=["is_active"])

    response = log_in(browser, carol.email)

    assert "_auth_user_id" not in browser.session
    assert response.status_code == 302
    assert response["Location"] == "/accounts/inactive/"
    assert AuditEvent.objects.filter(action="auth.login").count() == 0


def test_logging_out_needs_a_post(browser, carol):
    log_in(browser, carol.email)

    page = browser.get("/accounts/logout/")

    assert page.status_code == 200
    assert int(browser.session["_auth_user_id"]) == carol.pk
    assert AuditEvent.objects.filter(action="auth.logout").count() == 0


def test_logging_out_with_a_post_ends_the_session_and_is_audited(browser, carol):
    log_in(browser, carol.email)

    response = browser.post("/accounts/logout/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in browser.session
    assert browser.get("/app/")["Location"] == "/accounts/login/?next=/app/"
    event = AuditEvent.objects.get(action="auth.logout")
    assert event.actor == carol
    assert event.ip_address == "127.0.0.1"
    assert event.user_agent == USER_AGENT
    assert event.request_id == response["X-Request-ID"]


def test_every_page_has_a_logout_button_that_posts(browser, carol):
    log_in(browser, carol.email)

    response = browser.get("/app/")

    assert b'<form method="post" action="/accounts/logout/"' in response.content


def test_the_home_page_sends_visitors_to_the_login_page(browser):
    response = browser.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"


def test_a_logged_in_user_opening_the_login_page_is_sent_home(browser, carol):
    log_in(browser, carol.email)

    response = browser.get("/accounts/login/")

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_login_redirects_to_a_safe_next_page(browser, carol):
    response = browser.post(
        "/accounts/login/?next=/app/profile/",
        {"login": carol.email, "password": "correct horse battery staple"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/app/profile/"


def test_login_ignores_a_next_page_on_another_host(browser, carol):
    response = browser.post(
        "/accounts/login/",
        {"login": carol.email, "password": "correct horse battery staple", "next": "https://evil.example/"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/"
