"""The language switcher (POST /i18n/language/) and the language pages are shown in."""

from __future__ import annotations

import pytest

from praho.accounts.tests.steps import log_in

pytestmark = pytest.mark.django_db

SWITCH_URL = "/i18n/language/"


def test_a_logged_in_user_switching_to_romanian_keeps_it_on_the_account(browser, carol):
    log_in(browser, carol.email)

    response = browser.post(SWITCH_URL, {"language": "ro", "next": "/app/"})

    assert response.status_code == 302
    assert response["Location"] == "/app/"
    carol.refresh_from_db()
    assert carol.language == "ro"
    cookie = response.cookies["django_language"]
    assert cookie.value == "ro"
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    page = browser.get("/app/")
    assert b'<html lang="ro">' in page.content


def test_the_stored_language_follows_the_user_to_a_new_browser(browser, carol):
    carol.language = "ro"
    carol.save(update_fields=["language"])

    log_in(browser, carol.email)
    page = browser.get("/app/")

    assert "django_language" not in browser.cookies
    assert b'<html lang="ro">' in page.content


def test_the_stored_language_wins_over_an_old_cookie(browser, carol):
    browser.post(SWITCH_URL, {"language": "bg", "next": "/"})
    carol.language = "ro"
    carol.save(update_fields=["language"])

    log_in(browser, carol.email)
    page = browser.get("/app/")

    assert b'<html lang="ro">' in page.content


def test_an_anonymous_visitors_choice_is_kept_in_the_cookie(browser, carol):
    response = browser.post(SWITCH_URL, {"language": "ro", "next": "/accounts/login/"})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert browser.cookies["django_language"].value == "ro"
    page = browser.get("/accounts/login/")
    assert b'<html lang="ro">' in page.content
    carol.refresh_from_db()
    assert carol.language == "en"


def test_an_unknown_language_is_ignored(browser, carol):
    log_in(browser, carol.email)

    response = browser.post(SWITCH_URL, {"language": "xx", "next": "/app/"})

    assert response.status_code == 302
    assert response["Location"] == "/app/"
    assert "django_language" not in response.cookies
    carol.refresh_from_db()
    assert carol.language == "en"
    assert b'<html lang="en">' in browser.get("/app/").content


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/path", "http://testserver.evil.example/", ""]
)
def test_a_next_page_on_another_host_is_ignored(browser, next_url):
    response = browser.post(SWITCH_URL, {"language": "ro", "next": next_url})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert browser.cookies["django_language"].value == "ro"


def test_a_next_page_on_this_site_keeps_its_query(browser):
    response = browser.post(SWITCH_URL, {"language": "bg", "next": "/accounts/login/?next=/app/"})

    assert response["Location"] == "/accounts/login/?next=/app/"


def test_switching_needs_a_post(browser):
    response = browser.get(SWITCH_URL, {"language": "ro"})

    assert response.status_code == 405
    assert "django_language" not in response.cookies


def test_the_switcher_on_every_page_posts_the_current_page_as_next(browser):
    page = browser.get("/accounts/login/")

    content = page.content.decode()
    assert '<form method="post" action="/i18n/language/" class="inline-form language-form">' in content
    assert '<input type="hidden" name="next" value="/accounts/login/">' in content
    assert '<label for="language-select" class="visually-hidden">Language</label>' in content
    assert '<option value="ro" lang="ro" >Română</option>' in content
