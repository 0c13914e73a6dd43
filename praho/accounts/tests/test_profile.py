"""The profile page (/app/profile/): name, language and time zone."""

from __future__ import annotations

import pytest

from praho.accounts.tests.steps import log_in

pytestmark = pytest.mark.django_db

PROFILE_URL = "/app/profile/"


def test_the_profile_form_shows_the_current_values(browser, carol):
    log_in(browser, carol.email)

    response = browser.get(PROFILE_URL)

    assert response.status_code == 200
    assert response.context["form"].initial == {
        "first_name": carol.first_name,
        "last_name": carol.last_name,
        "language": "en",
        "timezone": "Europe/Bucharest",
    }
    assert b'<label for="id_timezone">Time zone <span aria-hidden="true">*</span></label>' in response.content


def test_saving_the_profile_stores_name_language_and_time_zone(browser, carol):
    log_in(browser, carol.email)

    response = browser.post(
        PROFILE_URL,
        {"first_name": "Carolina", "last_name": "Ionescu", "language": "ro", "timezone": "Europe/Sofia"},
    )

    assert response.status_code == 302
    assert response["Location"] == PROFILE_URL
    assert response.cookies["django_language"].value == "ro"
    carol.refresh_from_db()
    assert (carol.first_name, carol.last_name, carol.language, carol.timezone) == (
        "Carolina",
        "Ionescu",
        "ro",
        "Europe/Sofia",
    )
    page = browser.get(PROFILE_URL)
    assert b'<html lang="ro">' in page.content
    assert len(list(page.context["messages"])) == 2  # the login and the save


def test_an_unknown_time_zone_is_an_error_on_its_field_and_nothing_is_saved(browser, carol):
    log_in(browser, carol.email)
    first_name = carol.first_name

    response = browser.post(
        PROFILE_URL, {"first_name": "Changed", "last_name": "", "language": "en", "timezone": "Mars/Olympus"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "timezone": ["Select a valid choice. Mars/Olympus is not one of the available choices."]
    }
    content = response.content.decode()
    assert 'aria-invalid="true" aria-describedby="id_timezone_error"' in content
    assert '<ul class="field-errors" id="id_timezone_error">' in content
    carol.refresh_from_db()
    assert carol.first_name == first_name
    assert carol.timezone == "Europe/Bucharest"


def test_an_unknown_language_is_an_error_on_its_field(browser, carol):
    log_in(browser, carol.email)

    response = browser.post(
        PROFILE_URL, {"first_name": "", "last_name": "", "language": "xx", "timezone": "UTC"}
    )

    assert response.context["form"].errors == {
        "language": ["Select a valid choice. xx is not one of the available choices."]
    }
    carol.refresh_from_db()
    assert carol.language == "en"


def test_a_chosen_time_zone_changes_how_times_are_shown(browser, carol):
    log_in(browser, carol.email)
    browser.post(PROFILE_URL, {"first_name": "", "last_name": "", "language": "en", "timezone": "UTC"})

    response = browser.get(PROFILE_URL)

    assert response.context["TIME_ZONE"] == "UTC"


def test_times_are_shown_in_bucharest_for_a_visitor(browser):
    response = browser.get("/accounts/login/")

    assert response.context["TIME_ZONE"] == "Europe/Bucharest"


def test_the_profile_needs_a_login(browser):
    response = browser.get(PROFILE_URL)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/app/profile/"


def test_staff_see_their_profile_in_the_staff_layout(alice_admin, staff_client):
    response = staff_client(alice_admin).get(PROFILE_URL)

    assert response.status_code == 200
    assert "layouts/staff.html" in [template.name for template in response.templates]
    assert b'<nav class="sidebar" aria-label="Staff navigation">' in response.content
