"""POST /api/v1/auth/token/ and /api/v1/auth/token/refresh/."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from axes.models import AccessAttempt
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from praho.accounts.tests.factories import UserFactory, add_totp, totp_code
from praho.audit.models import AuditEvent

TOKEN_URL = "/api/v1/auth/token/"
REFRESH_URL = "/api/v1/auth/token/refresh/"
ME_URL = "/api/v1/me/"
pytestmark = pytest.mark.django_db

START = dt.datetime(2025, 3, 10, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def obtain(api: APIClient, email: str, password: str, **extra: str):
    return api.post(TOKEN_URL, {"email": email, "password": password, **extra}, format="json")


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["request_id"] == response["X-Request-ID"]
    return body["error"]


def me_with(api: APIClient, access: str):
    return api.get(ME_URL, HTTP_AUTHORIZATION=f"Bearer {access}")


# --- obtaining a pair -------------------------------------------------------


def test_customer_without_second_factor_gets_an_access_and_refresh_token(api, carol, password):
    response = obtain(api, "carol@customer.test", password)

    assert response.status_code == 200
    assert set(response.json()) == {"access", "refresh"}
    access = AccessToken(response.json()["access"])
    refresh = RefreshToken(response.json()["refresh"])
    assert access["user_id"] == str(carol.pk)
    assert refresh["user_id"] == str(carol.pk)


def test_the_access_token_opens_the_api_for_its_user(api, carol, password):
    access = obtain(api, "carol@customer.test", password).json()["access"]

    response = me_with(api, access)

    assert response.status_code == 200
    assert response.json()["email"] == "carol@customer.test"


def test_email_is_matched_without_regard_to_case(api, carol, password):
    response = obtain(api, "Carol@Customer.TEST", password)

    assert response.status_code == 200


def test_obtaining_a_token_is_audited(api, carol, password):
    response = obtain(api, "carol@customer.test", password)

    assert response.status_code == 200
    event = AuditEvent.objects.get()
    assert event.action == "api.token_obtained"
    assert event.actor == carol
    assert event.object_type == "accounts.user"
    assert event.object_id == str(carol.pk)


def test_the_audit_event_carries_the_request_id_and_client(carol, password):
    api = APIClient(HTTP_X_REQUEST_ID="req-token-0001", HTTP_USER_AGENT="praho-cli/1.0")

    obtain(api, "carol@customer.test", password)

    event = AuditEvent.objects.get(action="api.token_obtained")
    assert event.request_id == "req-token-0001"
    assert event.ip_address == "127.0.0.1"
    assert event.user_agent == "praho-cli/1.0"


def test_a_wrong_password_is_refused_with_401(api, carol):
    response = obtain(api, "carol@customer.test", "not the password")

    assert response.status_code == 401
    error = error_of(response)
    assert error["status"] == 401
    assert error["code"] == "no_active_account"
    assert AuditEvent.objects.filter(action="api.token_obtained").count() == 0


def test_an_unknown_email_is_refused_like_a_wrong_password(api, db, password):
    response = obtain(api, "nobody@example.test", password)

    assert response.status_code == 401
    assert error_of(response)["code"] == "no_active_account"


def test_missing_credentials_are_a_validation_error(api, db):
    response = api.post(TOKEN_URL, {}, format="json")

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid"
    assert error["fields"] == {
        "email": ["This field is required."],
        "password": ["This field is required."],
    }


def test_an_inactive_user_gets_no_token(api, password):
    UserFactory(email="gone@customer.test", is_active=False)

    response = obtain(api, "gone@customer.test", password)

    assert response.status_code == 401
    assert error_of(response)["code"] == "no_active_account"


def test_an_unverified_email_is_refused_with_401(api, password):
    UserFactory(email="new@customer.test", verified=False)

    response = obtain(api, "new@customer.test", password)

    assert response.status_code == 401
    error = error_of(response)
    assert error["code"] == "email_unverified"
    assert error["message"] == "Confirm your email address before using the API."
    assert AuditEvent.objects.filter(action="api.token_obtained").count() == 0
    assert OutstandingToken.objects.count() == 0


# --- second factor ----------------------------------------------------------


@pytest.fixture
def tom(db):
    """A customer's user who turned on an authenticator app."""
    user = UserFactory(email="tom@customer.test")
    add_totp(user)
    return user


def test_a_user_with_totp_must_send_the_code(api, tom, password):
    response = obtain(api, "tom@customer.test", password)

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid"
    assert error["fields"] == {"otp": ["Enter the current code of your authenticator app."]}
    assert OutstandingToken.objects.count() == 0


def test_a_blank_code_counts_as_missing(api, tom, password):
    response = obtain(api, "tom@customer.test", password, otp="  ")

    assert response.status_code == 400
    assert error_of(response)["fields"] == {"otp": ["Enter the current code of your authenticator app."]}


def test_a_wrong_code_is_refused_and_counts_as_a_failed_login(api, tom, password):
    wrong = "000000" if totp_code(tom) != "000000" else "111111"

    response = obtain(api, "tom@customer.test", password, otp=wrong)

    assert response.status_code == 400
    assert error_of(response)["fields"] == {"otp": ["The code is wrong or expired."]}
    attempt = AccessAttempt.objects.get()
    assert attempt.username == "tom@customer.test"
    assert attempt.failures_since_start == 1
    assert OutstandingToken.objects.count() == 0
    assert AuditEvent.objects.filter(action="api.token_obtained").count() == 0


def test_the_current_code_gives_a_token_pair(api, tom, password):
    response = obtain(api, "tom@customer.test", password, otp=totp_code(tom))

    assert response.status_code == 200
    assert set(response.json()) == {"access", "refresh"}
    assert AccessToken(response.json()["access"])["user_id"] == str(tom.pk)


def test_a_code_cannot_be_used_twice(api, tom, password):
    code = totp_code(tom)
    assert obtain(api, "tom@customer.test", password, otp=code).status_code == 200

    response = obtain(api, "tom@customer.test", password, otp=code)

    assert response.status_code == 400
    assert error_of(response)["fields"] == {"otp": ["The code is wrong or expired."]}


def test_a_wrong_password_with_the_right_code_is_still_refused(api, tom):
    response = obtain(api, "tom@customer.test", "not the password", otp=totp_code(tom))

    assert response.status_code == 401
    assert error_of(response)["code"] == "no_active_account"


def test_staff_with_totp_get_a_token_with_the_code(api, alice_admin, password):
    response = obtain(api, "alice@staff.test", password, otp=totp_code(alice_admin))

    assert response.status_code == 200
    assert AccessToken(response.json()["access"])["user_id"] == str(alice_admin.pk)


def test_staff_without_a_second_factor_get_no_token(api, nora_nomfa, password):
    response = obtain(api, "nora@staff.test", password)

    assert response.status_code == 403
    error = error_of(response)
    assert error["code"] == "second_factor_required"
    assert error["message"] == "Staff must set up two-factor authentication before using the API."
    assert OutstandingToken.objects.count() == 0
    assert AuditEvent.objects.filter(action="api.token_obtained").count() == 0


def add_passkey(user) -> Authenticator:
    # The shape allauth's WebAuthn.add() stores; the credential is not verified here.
    return Authenticator.objects.create(
        user=user,
        type=Authenticator.Type.WEBAUTHN,
        data={"name": "Laptop", "credential": {"id": "abc", "clientExtensionResults": {}}},
    )


def test_a_passkey_only_user_is_told_to_add_an_authenticator_app(api, password):
    user = UserFactory(email="pat@customer.test")
    add_passkey(user)

    response = obtain(api, "pat@customer.test", password)

    assert response.status_code == 403
    error = error_of(response)
    assert error["code"] == "totp_required"
    assert error["message"] == "API tokens need an authenticator app (TOTP); passkeys cannot be used here."
    assert OutstandingToken.objects.count() == 0


def test_passkey_only_staff_are_told_to_add_an_authenticator_app(api, password):
    user = UserFactory(email="paula@staff.test", is_staff=True)
    add_passkey(user)

    response = obtain(api, "paula@staff.test", password)

    assert response.status_code == 403
    assert error_of(response)["code"] == "totp_required"


# --- lockout ----------------------------------------------------------------


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(api, carol, password):
    for _ in range(4):
        assert obtain(api, "carol@customer.test", "wrong password").status_code == 401
    fifth = obtain(api, "carol@customer.test", "wrong password")
    assert fifth.status_code == 429
    assert error_of(fifth)["code"] == "locked_out"

    response = obtain(api, "carol@customer.test", password)

    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    error = error_of(response)
    assert error["status"] == 429
    assert error["code"] == "locked_out"
    assert error["message"].startswith("Too many failed login attempts. Logging in is locked for 15 minutes")
    assert OutstandingToken.objects.count() == 0
    assert AuditEvent.objects.filter(action="api.token_obtained").count() == 0


def test_wrong_codes_lock_the_account_too(api, tom, password):
    wrong = "000000" if totp_code(tom) != "000000" else "111111"
    for _ in range(4):
        assert obtain(api, "tom@customer.test", password, otp=wrong).status_code == 400

    fifth = obtain(api, "tom@customer.test", password, otp=wrong)
    assert fifth.status_code == 429
    assert error_of(fifth)["code"] == "locked_out"

    response = obtain(api, "tom@customer.test", password, otp=totp_code(tom))

    assert response.status_code == 429
    assert error_of(response)["code"] == "locked_out"
    assert OutstandingToken.objects.count() == 0


def test_the_lock_of_one_account_leaves_others_alone(api, carol, dave, password):
    for _ in range(5):
        obtain(api, "carol@customer.test", "wrong password")

    # The lock is per username *and* per address, so the same client is locked out
    # for other accounts as well; a different address is not.
    other_client = APIClient(REMOTE_ADDR="10.0.0.9")
    response = obtain(other_client, "dave@other-customer.test", password)

    assert response.status_code == 200


def test_the_lock_lifts_after_the_cool_off(carol, password):
    with time_machine.travel(START, tick=False) as traveller:
        api = APIClient()
        for _ in range(5):
            obtain(api, "carol@customer.test", "wrong password")
        assert obtain(api, "carol@customer.test", password).status_code == 429

        traveller.shift(dt.timedelta(minutes=15, seconds=1))
        response = obtain(api, "carol@customer.test", password)

    assert response.status_code == 200


def test_a_successful_login_resets_the_failure_count(api, carol, password):
    for _ in range(4):
        obtain(api, "carol@customer.test", "wrong password")
    assert obtain(api, "carol@customer.test", password).status_code == 200

    response = obtain(api, "carol@customer.test", "wrong password")

    assert response.status_code == 401


# --- refresh ----------------------------------------------------------------


def test_refresh_returns_a_new_pair_and_blacklists_the_old_refresh_token(api, carol, password):
    pair = obtain(api, "carol@customer.test", password).json()

    response = api.post(REFRESH_URL, {"refresh": pair["refresh"]}, format="json")

    assert response.status_code == 200
    new = response.json()
    assert set(new) == {"access", "refresh"}
    assert new["refresh"] != pair["refresh"]
    assert new["access"] != pair["access"]
    old_jti = RefreshToken(pair["refresh"], verify=False)["jti"]
    assert BlacklistedToken.objects.filter(token__jti=old_jti).count() == 1
    assert me_with(api, new["access"]).status_code == 200


def test_a_used_refresh_token_cannot_be_used_again(api, carol, password):
    pair = obtain(api, "carol@customer.test", password).json()
    assert api.post(REFRESH_URL, {"refresh": pair["refresh"]}, format="json").status_code == 200

    response = api.post(REFRESH_URL, {"refresh": pair["refresh"]}, format="json")

    assert response.status_code == 401
    error = error_of(response)
    assert error["code"] == "token_not_valid"
    assert error["message"] == "Token is blacklisted"


def test_a_blacklisted_refresh_token_is_rejected(api, carol, password):
    pair = obtain(api, "carol@customer.test", password).json()
    RefreshToken(pair["refresh"]).blacklist()

    response = api.post(REFRESH_URL, {"refresh": pair["refresh"]}, format="json")

    assert response.status_code == 401
    assert error_of(response)["code"] == "token_not_valid"


def test_a_garbled_refresh_token_is_rejected(api, db):
    response = api.post(REFRESH_URL, {"refresh": "not-a-token"}, format="json")

    assert response.status_code == 401
    assert error_of(response)["code"] == "token_not_valid"


def test_an_access_token_cannot_be_used_to_refresh(api, carol, password):
    pair = obtain(api, "carol@customer.test", password).json()

    response = api.post(REFRESH_URL, {"refresh": pair["access"]}, format="json")

    assert response.status_code == 401
    assert error_of(response)["code"] == "token_not_valid"


def test_refresh_without_a_token_is_a_validation_error(api, db):
    response = api.post(REFRESH_URL, {}, format="json")

    assert response.status_code == 400
    assert error_of(response)["fields"] == {"refresh": ["This field is required."]}


# --- lifetimes --------------------------------------------------------------


def test_the_access_token_works_for_five_minutes(carol, password):
    with time_machine.travel(START, tick=False) as traveller:
        api = APIClient()
        access = obtain(api, "carol@customer.test", password).json()["access"]

        traveller.shift(dt.timedelta(minutes=4, seconds=59))
        response = me_with(api, access)

    assert response.status_code == 200


def test_the_access_token_expires_after_five_minutes(carol, password):
    with time_machine.travel(START, tick=False) as traveller:
        api = APIClient()
        access = obtain(api, "carol@customer.test", password).json()["access"]

        traveller.shift(dt.timedelta(minutes=5, seconds=1))
        response = me_with(api, access)

    assert response.status_code == 401
    error = error_of(response)
    assert error["code"] == "token_not_valid"
    assert error["message"] == "Given token not valid for any token type"


def test_the_refresh_token_works_for_a_day(carol, password):
    with time_machine.travel(START, tick=False) as traveller:
        api = APIClient()
        refresh = obtain(api, "carol@customer.test", password).json()["refresh"]

        traveller.shift(dt.timedelta(hours=23, minutes=59))
        response = api.post(REFRESH_URL, {"refresh": refresh}, format="json")

    assert response.status_code == 200


def test_the_refresh_token_expires_after_a_day(carol, password):
    with time_machine.travel(START, tick=False) as traveller:
        api = APIClient()
        refresh = obtain(api, "carol@customer.test", password).json()["refresh"]

        traveller.shift(dt.timedelta(days=1, seconds=1))
        response = api.post(REFRESH_URL, {"refresh": refresh}, format="json")

    assert response.status_code == 401
    assert error_of(response)["code"] == "token_not_valid"


def test_a_token_of_a_deactivated_user_is_refused(api, carol, password):
    access = obtain(api, "carol@customer.test", password).json()["access"]
    carol.is_active = False
    carol.save(update_fields=["is_active"])

    response = me_with(api, access)

    assert response.status_code == 401
    assert error_of(response)["code"] == "user_inactive"


def test_a_refresh_token_of_a_deleted_user_is_refused(api, password):
    user = UserFactory(email="leaving@customer.test")
    refresh = obtain(api, "leaving@customer.test", password).json()["refresh"]
    user.delete()

    response = api.post(REFRESH_URL, {"refresh": refresh}, format="json")

    assert response.status_code == 401
    assert error_of(response)["code"] == "no_active_account"


def test_a_refresh_token_of_a_deactivated_user_is_refused(api, carol, password):
    refresh = obtain(api, "carol@customer.test", password).json()["refresh"]
    carol.is_active = False
    carol.save(update_fields=["is_active"])

    response = api.post(REFRESH_URL, {"refresh": refresh}, format="json")

    assert response.status_code == 401
    assert error_of(response)["code"] == "no_active_account"


def test_staff_with_only_recovery_codes_have_no_second_factor(api, password):
    user = UserFactory(email="rita@staff.test", is_staff=True)
    Authenticator.objects.create(
        user=user, type=Authenticator.Type.RECOVERY_CODES, data={"seed": "00", "used_mask": 0}
    )

    response = obtain(api, "rita@staff.test", password)

    assert response.status_code == 403
    assert error_of(response)["code"] == "second_factor_required"


def test_a_token_request_naming_fields_it_does_not_take_is_refused_before_the_password_is_checked(
    api, carol, password
):
    response = obtain(api, "carol@customer.test", password, username="carol", scope="admin")

    assert response.status_code == 400
    unknown = ["This field is not accepted here; remove it."]
    error = error_of(response)
    assert (error["code"], error["fields"]) == ("unknown_field", {"username": unknown, "scope": unknown})
    assert AuditEvent.objects.count() == 0


def test_a_refresh_naming_fields_it_does_not_take_is_refused(api, carol, password):
    refresh = obtain(api, "carol@customer.test", password).json()["refresh"]

    response = api.post(REFRESH_URL, {"refresh": refresh, "access": "x"}, format="json")

    assert response.status_code == 400
    assert error_of(response)["fields"] == {"access": ["This field is not accepted here; remove it."]}
    assert BlacklistedToken.objects.count() == 0
