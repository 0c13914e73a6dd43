"""Signing up with an email address and confirming it through the emailed link."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from praho.accounts.models import User
from praho.accounts.tests.steps import USER_AGENT, last_link, log_in
from praho.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

SIGNUP_URL = "/accounts/signup/"
CONFIRM_PREFIX = "/accounts/confirm-email/"
VERIFICATION_SENT_URL = "/accounts/confirm-email/"
NEW_PASSWORD = "plum-orchard-lantern-42"


def sign_up(browser, email: str = "new.customer@example.test", password: str = NEW_PASSWORD):
    return browser.post(SIGNUP_URL, {"email": email, "password1": password, "password2": password})


def test_signup_form_asks_for_email_and_password_only(browser):
    response = browser.get(SIGNUP_URL)

    assert response.status_code == 200
    assert list(response.context["form"].fields) == ["email", "password1", "password2"]
    assert b'name="username"' not in response.content


def test_signing_up_creates_an_unverified_user_and_sends_one_confirmation_email(browser):
    response = sign_up(browser)

    assert response.status_code == 302
    assert response["Location"] == VERIFICATION_SENT_URL
    user = User.objects.get()
    assert user.email == "new.customer@example.test"
    assert user.check_password(NEW_PASSWORD)
    assert user.is_staff is False
    assert list(EmailAddress.objects.values_list("email", "verified", "primary")) == [
        ("new.customer@example.test", False, True)
    ]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new.customer@example.test"]
    assert mail.outbox[0].subject == "[PRAHO] Please Confirm Your Email Address"
    assert CONFIRM_PREFIX in mail.outbox[0].body


def test_signing_up_does_not_log_the_visitor_in(browser):
    sign_up(browser)

    response = browser.get("/app/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/app/"


def test_unverified_user_logging_in_gets_the_verification_sent_page_and_stays_anonymous(browser):
    sign_up(browser)
    browser.logout()

    response = log_in(browser, "new.customer@example.test", NEW_PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == VERIFICATION_SENT_URL
    page = browser.get(response["Location"])
    assert page.status_code == 200
    assert page.templates[0].name == "account/verification_sent.html"
    assert "_auth_user_id" not in browser.session
    # allauth resends the confirmation at most once every three minutes.
    assert len(mail.outbox) == 1
    assert AuditEvent.objects.filter(action="auth.login").count() == 0


def test_following_the_link_and_confirming_logs_the_user_in_and_is_audited(browser):
    sign_up(browser)
    link = last_link(CONFIRM_PREFIX)

    confirm_page = browser.get(link)
    response = browser.post(link)

    assert confirm_page.status_code == 200
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert EmailAddress.objects.get().verified is True
    assert browser.get("/").headers["Location"] == "/app/"
    assert browser.get("/app/").status_code == 200
    user = User.objects.get()
    confirmed = AuditEvent.objects.get(action="auth.email_confirmed")
    assert confirmed.actor == user
    assert confirmed.object_type == "accounts.user"
    assert confirmed.object_id == str(user.pk)
    assert confirmed.data == {"email": "new.customer@example.test"}
    assert confirmed.ip_address == "127.0.0.1"
    assert confirmed.user_agent == USER_AGENT
    assert confirmed.request_id == response["X-Request-ID"]
    login = AuditEvent.objects.get(action="auth.login")
    assert login.actor == user
    assert login.request_id == response["X-Request-ID"]


def test_opening_the_confirmation_link_does_not_confirm_without_posting(browser):
    sign_up(browser)

    response = browser.get(last_link(CONFIRM_PREFIX))

    assert response.status_code == 200
    assert EmailAddress.objects.get().verified is False
    assert AuditEvent.objects.filter(action="auth.email_confirmed").count() == 0


def test_a_forged_confirmation_key_confirms_nothing(browser):
    sign_up(browser)

    page = browser.get(CONFIRM_PREFIX + "forged-key/")
    response = browser.post(CONFIRM_PREFIX + "forged-key/")

    assert page.status_code == 200
    assert page.context["confirmation"] is None
    assert response.status_code == 404
    assert EmailAddress.objects.get().verified is False
    assert "_auth_user_id" not in browser.session


def test_full_round_trip_sign_up_confirm_log_out_and_log_in_again(browser):
    sign_up(browser)
    browser.post(last_link(CONFIRM_PREFIX))

    logout = browser.post("/accounts/logout/")
    after_logout = browser.get("/app/")
    login = log_in(browser, "new.customer@example.test", NEW_PASSWORD)

    assert logout.status_code == 302
    assert logout["Location"] == "/accounts/login/"
    assert after_logout.status_code == 302
    assert login.status_code == 302
    assert login["Location"] == "/"
    assert browser.get("/app/").status_code == 200
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "auth.email_confirmed",
        "auth.login",
        "auth.logout",
        "auth.login",
    ]


def test_signing_up_with_a_taken_email_creates_no_account_and_reveals_nothing(browser, carol):
    response = sign_up(browser, email="CAROL@customer.test")

    # Same answer as for a new address, so the form cannot be used to find accounts.
    assert response.status_code == 302
    assert response["Location"] == VERIFICATION_SENT_URL
    assert User.objects.count() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["carol@customer.test"]
    assert mail.outbox[0].subject == "[PRAHO] Account Already Exists"


def test_mismatched_passwords_are_refused_on_the_second_password_field(browser):
    response = browser.post(
        SIGNUP_URL,
        {"email": "new.customer@example.test", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "x"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"password2": ["You must type the same password each time."]}
    assert User.objects.count() == 0
    assert len(mail.outbox) == 0


def test_a_short_common_password_is_refused(browser):
    response = sign_up(browser, password="password")

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "password1": [
            "This password is too short. It must contain at least 10 characters.",
            "This password is too common.",
        ]
    }
    assert User.objects.count() == 0


def test_an_invalid_email_is_refused(browser):
    response = sign_up(browser, email="not-an-email")

    assert response.status_code == 200
    assert response.context["form"].errors == {"email": ["Enter a valid email address."]}
    assert User.objects.count() == 0


def test_a_new_user_keeps_the_language_they_signed_up_in(browser):
    browser.post("/i18n/language/", {"language": "ro", "next": "/accounts/signup/"})

    sign_up(browser)

    assert User.objects.get().language == "ro"
