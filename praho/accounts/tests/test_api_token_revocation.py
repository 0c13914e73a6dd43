"""API tokens stop working when the password changes or staff revoke them (issue 11, item 18),
and a refresh token is rotated exactly once, even when sent many times at once."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection
from rest_framework.test import APIClient
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from praho.accounts.services.tokens import rotate_refresh_token
from praho.accounts.tests.steps import log_in
from praho.accounts.tests.test_password import (
    CHANGE_URL,
    NEW_PASSWORD,
    request_reset,
    set_new_password_from_email,
)
from praho.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
REFRESH_URL = "/api/v1/auth/token/refresh/"
ME_URL = "/api/v1/me/"
START = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)
REVOKED = {
    "status": 401,
    "code": "token_revoked",
    "message": "This token was revoked (password changed or revoked by staff); obtain a new one.",
}


def obtain(email: str, password: str) -> dict[str, str]:
    response = APIClient().post(TOKEN_URL, {"email": email, "password": password}, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


def me_with(access: str):
    return APIClient().get(ME_URL, HTTP_AUTHORIZATION=f"Bearer {access}")


def refresh_with(refresh: str):
    return APIClient().post(REFRESH_URL, {"refresh": refresh}, format="json")


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"].pop("request_id") == response["X-Request-ID"]
    return body["error"]


def tokens_url(user) -> str:
    return f"/staff/users/{user.pk}/api-tokens/"


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def carols_tokens(carol, password, clock):
    """A pair carol obtained (twice: two devices), a minute before anything happens."""
    pairs = [obtain(carol.email, password), obtain(carol.email, password)]
    clock.shift(dt.timedelta(minutes=1))
    return pairs


def assert_revoked(pairs: list[dict[str, str]]) -> None:
    for pair in pairs:
        assert error_of(me_with(pair["access"])) == REVOKED
        refused = refresh_with(pair["refresh"])
        assert refused.status_code == 401
        assert error_of(refused)["code"] == "token_not_valid"


# --- Password changes -------------------------------------------------------------------------


def test_changing_the_password_revokes_every_api_token(browser, carol, password, carols_tokens, clock):
    log_in(browser, carol.email)

    response = browser.post(
        CHANGE_URL, {"oldpassword": password, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )

    assert response.status_code == 302
    assert_revoked(carols_tokens)
    assert BlacklistedToken.objects.count() == 2
    event = AuditEvent.objects.get(action="api.tokens_revoked")
    assert (event.actor, event.object_id, event.data) == (
        carol,
        str(carol.pk),
        {"reason": "password_changed", "refresh_tokens": 2},
    )


def test_resetting_the_password_revokes_every_api_token(browser, carol, carols_tokens):
    request_reset(browser, carol.email)

    response = set_new_password_from_email(browser)

    assert response.status_code == 302
    assert_revoked(carols_tokens)
    assert AuditEvent.objects.get(action="api.tokens_revoked").data == {
        "reason": "password_changed",
        "refresh_tokens": 2,
    }


def test_a_token_obtained_after_the_change_works(browser, carol, password, carols_tokens, clock):
    log_in(browser, carol.email)
    browser.post(CHANGE_URL, {"oldpassword": password, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    clock.shift(dt.timedelta(seconds=1))

    pair = obtain(carol.email, NEW_PASSWORD)

    assert me_with(pair["access"]).status_code == 200
    assert refresh_with(pair["refresh"]).status_code == 200


def test_another_users_tokens_are_untouched(browser, carol, dave, password, clock):
    daves = obtain(dave.email, password)
    clock.shift(dt.timedelta(minutes=1))
    log_in(browser, carol.email)

    browser.post(CHANGE_URL, {"oldpassword": password, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert me_with(daves["access"]).status_code == 200
    assert refresh_with(daves["refresh"]).status_code == 200


# --- Staff revoke a user's tokens --------------------------------------------------------------


@pytest.fixture
def support(staff_client, sue_support, clock):
    return staff_client(sue_support)


def test_the_tokens_page_shows_how_many_tokens_a_user_holds(support, carol, carols_tokens):
    response = support.get(tokens_url(carol))

    assert response.status_code == 200
    assert response.context["member"] == carol
    assert response.context["active_tokens"] == 2
    html = response.content.decode()
    assert "<h1>API tokens of carol@customer.test</h1>" in html
    assert f'action="{tokens_url(carol)}"' in html


def test_staff_revoke_a_users_tokens_and_it_is_audited(support, sue_support, carol, carols_tokens):
    response = support.post(tokens_url(carol), follow=True)

    assert response.redirect_chain == [(tokens_url(carol), 302)]
    assert [str(message) for message in response.context["messages"]] == [
        "The API tokens of carol@customer.test were revoked (2 refresh tokens)."
    ]
    assert response.context["active_tokens"] == 0
    assert_revoked(carols_tokens)
    event = AuditEvent.objects.get(action="api.tokens_revoked")
    assert (event.actor, event.object_id, event.data) == (
        sue_support,
        str(carol.pk),
        {"reason": "staff", "refresh_tokens": 2},
    )


def test_revoking_a_user_without_tokens_still_cuts_access_and_is_audited(support, carol):
    response = support.post(tokens_url(carol))

    assert response.status_code == 302
    assert AuditEvent.objects.get(action="api.tokens_revoked").data == {
        "reason": "staff",
        "refresh_tokens": 0,
    }
    carol.refresh_from_db()
    assert carol.api_tokens_revoked_at == START


@pytest.mark.parametrize("fixture", ["bill_billing", "sam_sales"])
def test_staff_without_the_permission_may_not_revoke(request, fixture, staff_client, carol, carols_tokens):
    client = staff_client(request.getfixturevalue(fixture))

    assert client.get(tokens_url(carol)).status_code == 403
    assert client.post(tokens_url(carol)).status_code == 403
    assert BlacklistedToken.objects.count() == 0


def test_the_tokens_page_of_an_unknown_user_is_not_found(support):
    assert support.get("/staff/users/999999/api-tokens/").status_code == 404


def test_the_staff_list_links_each_member_to_their_tokens(staff_client, alice_admin, bill_billing):
    html = staff_client(alice_admin).get("/staff/users/").content.decode()

    assert f'href="{tokens_url(bill_billing)}"' in html


# --- Over the API ------------------------------------------------------------------------------


def staff_api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_staff_revoke_a_users_tokens_over_the_api(sue_support, carol, carols_tokens):
    response = staff_api(sue_support).post(f"/api/v1/users/{carol.pk}/revoke-tokens/")

    assert response.status_code == 200
    assert response.json() == {"user": carol.pk, "revoked_refresh_tokens": 2}
    assert_revoked(carols_tokens)
    assert AuditEvent.objects.get(action="api.tokens_revoked").actor == sue_support


def test_the_api_refuses_staff_without_the_permission_and_hides_users_from_customers(
    bill_billing, carol, dave, carols_tokens
):
    as_billing = staff_api(bill_billing).post(f"/api/v1/users/{carol.pk}/revoke-tokens/")
    as_customer = staff_api(dave).post(f"/api/v1/users/{carol.pk}/revoke-tokens/")

    assert (as_billing.status_code, as_customer.status_code) == (403, 404)
    assert BlacklistedToken.objects.count() == 0


def test_the_api_answers_404_for_an_unknown_user(sue_support):
    response = staff_api(sue_support).post("/api/v1/users/999999/revoke-tokens/")

    assert response.status_code == 404


# --- Refresh rotation happens once -------------------------------------------------------------


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Needs PostgreSQL: SQLite lets one writer at a time; set DATABASE_URL=postgres://... to run it.",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_refreshes_of_one_refresh_token_rotate_it_exactly_once(carol, password):
    refresh = obtain(carol.email, password)["refresh"]
    attempts = 6
    ready = threading.Barrier(attempts)
    statuses: list[int] = []

    def attempt() -> None:
        try:
            client = APIClient()
            ready.wait()
            statuses.append(client.post(REFRESH_URL, {"refresh": refresh}, format="json").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(statuses) == [200] + [401] * (attempts - 1)
    # The token sent, and the one new refresh token the winner got.
    assert (OutstandingToken.objects.count(), BlacklistedToken.objects.count()) == (2, 1)


def test_a_refresh_token_checked_before_another_request_rotated_it_is_refused(carol, password):
    """What the losers of a race meet: their token passed the blacklist check, then the winner
    rotated it; the blacklist's unique constraint refuses them (on SQLite too)."""
    sent = obtain(carol.email, password)["refresh"]
    checked = RefreshToken(sent)  # verified: not blacklisted yet
    assert refresh_with(sent).status_code == 200

    with pytest.raises(TokenError) as refused:
        rotate_refresh_token(checked)

    assert str(refused.value) == "Token is blacklisted"
    assert (OutstandingToken.objects.count(), BlacklistedToken.objects.count()) == (2, 1)
