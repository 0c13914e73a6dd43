"""Account e-mails name the site (PRAHO_SITE_NAME), never the host, and speak the recipient's
language; allauth's security notifications are on."""

from __future__ import annotations

import pytest
from django.core import mail

from praho.accounts.tests.steps import activate_totp, log_in

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "quartz-meadow-violin-73"


def _in_language(browser, language: str):
    browser.cookies["django_language"] = language
    return browser


def test_signup_confirmation_names_the_site_in_the_visitors_language(browser):
    _in_language(browser, "bg").post(
        "/accounts/signup/",
        {"email": "ivan@example.test", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    [email] = mail.outbox
    assert email.subject == "[PRAHO] Моля, потвърдете вашия e-mail адрес"
    assert email.body.splitlines()[0] == "Здравейте от PRAHO!"
    assert "testserver!" not in email.body


@pytest.mark.parametrize(
    ("language", "subject", "greeting"),
    [
        ("en", "[PRAHO] Password Reset Email", "Hello from PRAHO!"),
        ("bg", "[PRAHO] Възстановяване на парола", "Здравейте от PRAHO!"),
    ],
)
def test_password_reset_is_in_the_users_language_whatever_the_page_was(
    browser, carol, language, subject, greeting
):
    carol.language = language
    carol.save(update_fields=["language"])

    _in_language(browser, "ro").post("/accounts/password/reset/", {"email": carol.email})

    [email] = mail.outbox
    assert (email.subject, email.body.splitlines()[0]) == (subject, greeting)


def test_reset_for_an_unknown_address_is_in_the_pages_language(browser):
    _in_language(browser, "bg").post("/accounts/password/reset/", {"email": "nobody@example.test"})

    [email] = mail.outbox
    assert email.body.splitlines()[0] == "Здравейте от PRAHO!"


def test_the_site_name_comes_from_the_setting(browser, carol, settings):
    settings.PRAHO_SITE_NAME = "Acme Cloud"

    browser.post("/accounts/password/reset/", {"email": carol.email})

    [email] = mail.outbox
    assert (email.subject, email.body.splitlines()[0]) == (
        "[Acme Cloud] Password Reset Email",
        "Hello from Acme Cloud!",
    )


def test_changing_the_password_sends_a_notification_in_the_users_language(browser, carol, password):
    carol.language = "bg"
    carol.save(update_fields=["language"])
    log_in(browser, carol.email)

    browser.post(
        "/accounts/password/change/",
        {"oldpassword": password, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    [email] = mail.outbox
    assert email.to == [carol.email]
    assert email.subject == "[PRAHO] Паролата е сменена"  # noqa: RUF001
    assert "Паролата Ви е променена." in email.body  # noqa: RUF001


def test_activating_an_authenticator_app_sends_a_notification(
    browser, carol, django_capture_on_commit_callbacks
):
    log_in(browser, carol.email)

    with django_capture_on_commit_callbacks(execute=True):
        activate_totp(browser)

    assert [email.subject for email in mail.outbox] == ["[PRAHO] Authenticator App Activated"]
    assert mail.outbox[0].body.splitlines()[0] == "Hello from PRAHO!"
