"""GET and PATCH /api/v1/me/."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from praho.accounts.models import User
from praho.accounts.roles import Role
from praho.accounts.tests.factories import UserFactory
from praho.testing.api import bearer

pytestmark = pytest.mark.django_db

ME_URL = "/api/v1/me/"


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["request_id"] == response["X-Request-ID"]
    return body["error"]


def test_me_returns_exactly_the_documented_fields_of_carol(carol):
    carol.date_joined = dt.datetime(2025, 7, 1, 6, 30, tzinfo=dt.UTC)
    carol.save(update_fields=["date_joined"])

    response = bearer(carol).get(ME_URL)

    assert response.status_code == 200
    assert response.json() == {
        "id": carol.pk,
        "email": "carol@customer.test",
        "first_name": carol.first_name,
        "last_name": carol.last_name,
        "language": "en",
        "timezone": "Europe/Bucharest",
        "is_staff": False,
        "roles": [],
        "second_factor": False,
        # In the platform's time zone, with its offset (EEST in July).
        "date_joined": "2025-07-01T09:30:00+03:00",
    }


def test_me_lists_the_roles_of_staff_and_their_second_factor(alice_admin):
    response = bearer(alice_admin).get(ME_URL)

    assert response.status_code == 200
    body = response.json()
    assert body["is_staff"] is True
    assert body["roles"] == [Role.ADMIN.value]
    assert body["second_factor"] is True


def test_me_shows_only_platform_roles_not_other_groups(carol):
    from django.contrib.auth.models import Group

    carol.groups.add(Group.objects.create(name="newsletter"))

    response = bearer(carol).get(ME_URL)

    assert response.json()["roles"] == []


def test_patching_a_valid_language_persists_it(carol):
    response = bearer(carol).patch(ME_URL, {"language": "ro"}, format="json")

    assert response.status_code == 200
    assert response.json()["language"] == "ro"
    carol.refresh_from_db()
    assert carol.language == "ro"


def test_patching_name_and_time_zone_persists_them(carol):
    response = bearer(carol).patch(
        ME_URL,
        {"first_name": "Carolina", "last_name": "Pop", "timezone": "Europe/Sofia"},
        format="json",
    )

    assert response.status_code == 200
    carol.refresh_from_db()
    assert (carol.first_name, carol.last_name, carol.timezone) == ("Carolina", "Pop", "Europe/Sofia")


def test_patching_an_unknown_language_is_refused_in_the_error_shape(carol):
    response = bearer(carol).patch(ME_URL, {"language": "xx"}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "status": 400,
            "code": "invalid",
            "message": "Some fields are not valid.",
            "fields": {"language": ['"xx" is not a valid choice.']},
            "request_id": response["X-Request-ID"],
        }
    }
    carol.refresh_from_db()
    assert carol.language == "en"


def test_patching_an_unknown_time_zone_is_refused(carol):
    response = bearer(carol).patch(ME_URL, {"timezone": "Mars/Olympus"}, format="json")

    assert response.status_code == 400
    assert error_of(response)["fields"] == {"timezone": ['"Mars/Olympus" is not a valid choice.']}
    carol.refresh_from_db()
    assert carol.timezone == "Europe/Bucharest"


def test_read_only_and_unknown_fields_are_refused_by_patch_and_nothing_changes(carol):
    response = bearer(carol).patch(
        ME_URL,
        {"email": "mallory@evil.test", "is_staff": True, "id": 999, "password": "x", "language": "ro"},
        format="json",
    )

    assert response.status_code == 400
    unknown = ["This field is not accepted here; remove it."]
    assert error_of(response) | {"request_id": None} == {
        "status": 400,
        "code": "unknown_field",
        "message": "Some fields are not valid.",
        "fields": {"email": unknown, "is_staff": unknown, "id": unknown, "password": unknown},
        "request_id": None,
    }
    carol.refresh_from_db()
    assert (carol.email, carol.is_staff, carol.language) == ("carol@customer.test", False, "en")


def test_put_is_not_allowed(carol):
    response = bearer(carol).put(ME_URL, {"first_name": "X"}, format="json")

    assert response.status_code == 405
    assert error_of(response) == {
        "status": 405,
        "code": "method_not_allowed",
        "message": 'Method "PUT" not allowed.',
        "request_id": response["X-Request-ID"],
    }


def test_delete_is_not_allowed(carol):
    response = bearer(carol).delete(ME_URL)

    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"
    assert User.objects.filter(pk=carol.pk).count() == 1


def test_anonymous_visitors_get_401_in_the_error_shape(client, db):
    response = client.get(ME_URL)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json() == {
        "error": {
            "status": 401,
            "code": "not_authenticated",
            "message": "Authentication credentials were not provided.",
            "request_id": response["X-Request-ID"],
        }
    }


def test_a_garbled_bearer_token_gets_401(db):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Bearer not.a.token")

    response = api.get(ME_URL)

    assert response.status_code == 401
    assert error_of(response)["code"] == "token_not_valid"


def test_a_refresh_token_is_not_accepted_as_access_token(carol):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(carol)}")

    response = api.get(ME_URL)

    assert response.status_code == 401
    assert error_of(response)["code"] == "token_not_valid"


def test_customers_may_use_the_api_with_their_browser_session(client, carol):
    client.force_login(carol)

    response = client.get(ME_URL)

    assert response.status_code == 200
    assert response.json()["email"] == "carol@customer.test"


def test_staff_without_a_second_factor_are_refused_with_a_session(client, nora_nomfa):
    client.force_login(nora_nomfa)

    response = client.get(ME_URL)

    assert response.status_code == 403
    assert error_of(response) == {
        "status": 403,
        "code": "second_factor_required",
        "message": "Staff must set up two-factor authentication before using the API.",
        "request_id": response["X-Request-ID"],
    }


def test_staff_who_lost_their_second_factor_are_refused_with_a_token(alice_admin):
    api = bearer(alice_admin)
    alice_admin.authenticator_set.all().delete()

    response = api.get(ME_URL)

    assert response.status_code == 403
    assert error_of(response)["code"] == "second_factor_required"


def test_staff_with_a_second_factor_may_use_their_session(client, alice_admin):
    client.force_login(alice_admin)

    response = client.get(ME_URL)

    assert response.status_code == 200


def test_a_session_patch_needs_the_csrf_token(carol):
    api = APIClient(enforce_csrf_checks=True)
    api.force_login(carol)

    response = api.patch(ME_URL, {"language": "ro"}, format="json")

    assert response.status_code == 403
    error = error_of(response)
    assert error["code"] == "permission_denied"
    assert error["message"] == "CSRF Failed: CSRF cookie not set."
    carol.refresh_from_db()
    assert carol.language == "en"


def test_me_answers_in_three_queries(carol, django_assert_num_queries):
    api = bearer(carol)
    UserFactory.create_batch(3)

    # 1. the user of the token, 2. their groups (roles), 3. their authenticators
    with django_assert_num_queries(3):
        response = api.get(ME_URL)

    assert response.status_code == 200
