"""allauth's pages and messages in the visitor's language, with our own wording for Romanian
(diacritics, the formal "dvs.") and Bulgarian."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.core import mail

from praho.accounts.tests.steps import log_in, new_browser

pytestmark = pytest.mark.django_db


def test_the_signed_in_message_is_in_the_users_language_not_the_browsers(carol):
    carol.language = "ro"
    carol.save(update_fields=["language"])
    browser = new_browser()

    response = browser.post(
        "/accounts/login/",
        {"login": carol.email, "password": "correct horse battery staple"},
        headers={"accept-language": "en"},
    )

    assert response.status_code == 302
    assert [str(message) for message in get_messages(response.wsgi_request)] == [
        f"V-ați conectat ca {carol.email}."
    ]


@pytest.mark.parametrize(
    ("language", "expected", "not_expected"),
    [
        (
            "ro",
            ["Conectează-te", "Ați uitat parola?", "Ține-mă minte", "vă rugăm să vă"],
            ["Conecteaza-te", "Ai uitat parola?", "Tine-ma minte", "te rugam"],
        ),
        ("bg", ["Вход", "Забравена парола?", "Запомни ме"], []),
        ("en", ["Sign In", "Forgot your password?"], []),
    ],
)
def test_the_login_page_speaks_the_visitors_language(language, expected, not_expected):
    browser = new_browser()
    browser.cookies["django_language"] = language

    page = browser.get("/accounts/login/").content.decode()

    assert [text for text in expected if text in page] == expected
    assert [text for text in not_expected if text in page] == []


def test_the_signed_out_message_is_formal_romanian(carol):
    browser = new_browser()
    browser.cookies["django_language"] = "ro"
    carol.language = "ro"
    carol.save(update_fields=["language"])
    log_in(browser, carol.email)

    response = browser.post("/accounts/logout/")

    assert [str(message) for message in get_messages(response.wsgi_request)][-1] == "V-ați deconectat."


def test_a_romanian_users_reset_email_has_diacritics(carol):
    carol.language = "ro"
    carol.save(update_fields=["language"])

    new_browser().post("/accounts/password/reset/", {"email": carol.email})

    [email] = mail.outbox
    assert email.subject == "[PRAHO] E-mail pentru resetarea parolei"
    assert email.body.splitlines()[0] == "Bună ziua de la PRAHO!"
    assert "Primiți acest e-mail deoarece dvs. sau altcineva a cerut resetarea parolei" in email.body
