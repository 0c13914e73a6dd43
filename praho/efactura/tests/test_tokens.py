"""PRAHO's authorization at ANAF (praho.efactura.tokens) against the local ANAF's OAuth server:
connecting, tokens encrypted at rest, refreshing before expiry, and the state staff see."""

from __future__ import annotations

import threading
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from cryptography.fernet import Fernet
from django.core.exceptions import ValidationError
from django.db import connection

from praho.accounts.roles import Role
from praho.accounts.tests.factories import UserFactory
from praho.audit.models import AuditEvent
from praho.efactura import tokens
from praho.efactura.gateways.anaf_errors import AnafAuthError, AnafNotConnectedError
from praho.efactura.models import AnafToken, OAuthState
from praho.efactura.tests.conftest import authorize_at_anaf
from praho.efactura.tokens import TokenState

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


def form_of(received) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(received.body.decode()).items()}


def stored() -> AnafToken:
    return AnafToken.objects.get()


# --- connecting ------------------------------------------------------------------------------


def test_the_authorization_url_asks_anaf_for_a_code_and_a_jwt(fake_anaf_efactura, alice_admin):
    url = tokens.authorization_url(actor=alice_admin)

    split = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(split.query).items()}
    pending = OAuthState.objects.get()
    assert f"{split.scheme}://{split.netloc}{split.path}" == fake_anaf_efactura.authorize_url
    assert query == {
        "response_type": "code",
        "client_id": fake_anaf_efactura.client_id,
        "redirect_uri": fake_anaf_efactura.redirect_uri,
        "state": pending.state,
        "token_content_type": "jwt",
    }
    assert len(pending.state) == 43
    assert pending.created_by == alice_admin
    assert (
        AuditEvent.objects.filter(action="efactura.anaf_authorization_started", actor=alice_admin).count()
        == 1
    )


def test_connecting_stores_the_tokens_anaf_granted(fake_anaf_efactura, alice_admin):
    answer = authorize_at_anaf(tokens.authorization_url(actor=alice_admin))

    with time_machine.travel("2026-03-02 10:00:00Z", tick=False):
        token = tokens.exchange_code(actor=alice_admin, state=answer["state"], code=answer["code"])

    granted = fake_anaf_efactura.issued_tokens[0]
    assert tokens.decrypt(token.access_token_encrypted) == granted["access_token"]
    assert tokens.decrypt(token.refresh_token_encrypted) == granted["refresh_token"]
    assert token.expires_at.isoformat() == "2026-05-31T10:00:00+00:00"  # 90 days
    assert token.refresh_expires_at.isoformat() == "2027-03-02T10:00:00+00:00"  # 365 days
    assert token.obtained_by == alice_admin
    assert token.client_id == fake_anaf_efactura.client_id
    [request] = fake_anaf_efactura.requests_to("token")
    assert form_of(request) == {
        "grant_type": "authorization_code",
        "code": answer["code"],
        "redirect_uri": fake_anaf_efactura.redirect_uri,
        "client_id": fake_anaf_efactura.client_id,
        "client_secret": fake_anaf_efactura.client_secret,
        "token_content_type": "jwt",
    }
    event = AuditEvent.objects.get(action="efactura.anaf_token_obtained")
    assert (event.actor, event.object_id) == (alice_admin, str(token.pk))
    assert event.data == {"expires_at": "2026-05-31T10:00:00+00:00", "environment": "test"}
    assert granted["access_token"] not in str(event.data)


def test_tokens_are_only_ciphertext_in_the_database(anaf_connected, fake_anaf_efactura):
    granted = fake_anaf_efactura.issued_tokens[0]
    with connection.cursor() as cursor:
        cursor.execute("SELECT access_token_encrypted, refresh_token_encrypted FROM efactura_anaftoken")
        [(access, refresh)] = cursor.fetchall()

    assert access != granted["access_token"]
    assert refresh != granted["refresh_token"]
    assert granted["access_token"] not in access
    assert granted["refresh_token"] not in refresh
    key = Fernet("dGVzdC1rZXktZm9yLWVmYWN0dXJhLXRva2Vucy0wMDA=")
    assert key.decrypt(access.encode()).decode() == granted["access_token"]
    assert key.decrypt(refresh.encode()).decode() == granted["refresh_token"]


def test_a_rotated_key_still_reads_tokens_encrypted_with_the_old_one(anaf_connected, settings):
    old_key = settings.EFACTURA_TOKEN_KEY
    new_key = Fernet.generate_key().decode()
    settings.EFACTURA_TOKEN_KEY = f"{new_key},{old_key}"

    assert tokens.access_token() == tokens.decrypt(anaf_connected.access_token_encrypted)
    assert Fernet(new_key).decrypt(tokens.encrypt("secret").encode()) == b"secret"


def test_a_token_under_a_key_that_is_gone_asks_to_connect_again(anaf_connected, settings):
    settings.EFACTURA_TOKEN_KEY = Fernet.generate_key().decode()

    with pytest.raises(AnafAuthError, match="cannot be decrypted with EFACTURA_TOKEN_KEY"):
        tokens.access_token()


def test_connecting_without_a_token_key_is_refused_before_going_to_anaf(
    fake_anaf_efactura, alice_admin, settings
):
    settings.EFACTURA_TOKEN_KEY = ""

    with pytest.raises(ValidationError, match="EFACTURA_TOKEN_KEY is not set") as refused:
        tokens.authorization_url(actor=alice_admin)

    assert refused.value.code == "token_key_missing"
    assert OAuthState.objects.count() == 0


def test_storing_tokens_without_a_token_key_is_refused_before_spending_the_code(
    fake_anaf_efactura, alice_admin, settings
):
    answer = authorize_at_anaf(tokens.authorization_url(actor=alice_admin))
    settings.EFACTURA_TOKEN_KEY = ""

    with pytest.raises(ValidationError, match="EFACTURA_TOKEN_KEY is not set"):
        tokens.exchange_code(actor=alice_admin, state=answer["state"], code=answer["code"])

    assert fake_anaf_efactura.requests_to("token") == []
    assert AnafToken.objects.count() == 0


def test_an_invalid_token_key_is_named(fake_anaf_efactura, alice_admin, settings):
    settings.EFACTURA_TOKEN_KEY = "not-a-key"

    with pytest.raises(ValidationError, match="not a valid Fernet key") as refused:
        tokens.authorization_url(actor=alice_admin)

    assert refused.value.code == "token_key_invalid"


def test_connecting_without_an_oauth_client_is_refused(fake_anaf_efactura, alice_admin, settings):
    settings.EFACTURA_CLIENT_SECRET = ""

    with pytest.raises(ValidationError, match="EFACTURA_CLIENT_ID and EFACTURA_CLIENT_SECRET must be set"):
        tokens.authorization_url(actor=alice_admin)

    assert OAuthState.objects.count() == 0


# --- the callback's state --------------------------------------------------------------------


def test_an_unknown_state_is_refused_and_nothing_is_stored(fake_anaf_efactura, alice_admin):
    answer = authorize_at_anaf(tokens.authorization_url(actor=alice_admin))

    with pytest.raises(ValidationError, match="does not match an authorization you started") as refused:
        tokens.exchange_code(actor=alice_admin, state="forged-state", code=answer["code"])

    assert refused.value.code == "state_mismatch"
    assert fake_anaf_efactura.requests_to("token") == []
    assert AnafToken.objects.count() == 0


def test_a_state_started_by_someone_else_is_refused(fake_anaf_efactura, alice_admin):
    other_admin = UserFactory(email="otto@staff.test", is_staff=True, roles=[Role.ADMIN])
    answer = authorize_at_anaf(tokens.authorization_url(actor=alice_admin))

    with pytest.raises(ValidationError, match="does not match"):
        tokens.exchange_code(actor=other_admin, state=answer["state"], code=answer["code"])

    assert AnafToken.objects.count() == 0
    assert OAuthState.objects.get().used_at is None  # alice can still finish her own


def test_a_state_is_used_once(anaf_connected, fake_anaf_efactura, alice_admin):
    pending = OAuthState.objects.get()

    with pytest.raises(ValidationError, match="already used"):
        tokens.exchange_code(actor=alice_admin, state=pending.state, code="another-code")

    assert len(fake_anaf_efactura.requests_to("token")) == 1


def test_a_state_expires_after_fifteen_minutes(fake_anaf_efactura, alice_admin):
    with time_machine.travel("2026-03-02 10:00:00Z", tick=False):
        answer = authorize_at_anaf(tokens.authorization_url(actor=alice_admin))
    with (
        time_machine.travel("2026-03-02 10:15:01Z", tick=False),
        pytest.raises(ValidationError, match="15 minutes"),
    ):
        tokens.exchange_code(actor=alice_admin, state=answer["state"], code=answer["code"])

    assert AnafToken.objects.count() == 0


def test_anafs_refusal_on_the_way_back_is_told_and_spends_the_state(fake_anaf_efactura, alice_admin):
    fake_anaf_efactura.refuse_authorization("access_denied", "Certificatul digital nu a fost prezentat")
    answer = authorize_at_anaf(tokens.authorization_url(actor=alice_admin))

    with pytest.raises(ValidationError) as refused:
        tokens.exchange_code(
            actor=alice_admin,
            state=answer["state"],
            code="",
            error=answer["error"],
            description=answer["error_description"],
        )

    assert refused.value.messages == [
        "ANAF did not authorize PRAHO: Certificatul digital nu a fost prezentat"
    ]
    assert OAuthState.objects.get().used_at is not None
    assert AnafToken.objects.count() == 0


def test_a_code_anaf_does_not_know_is_refused_with_anafs_reason(fake_anaf_efactura, alice_admin):
    answer = authorize_at_anaf(tokens.authorization_url(actor=alice_admin))

    with pytest.raises(ValidationError) as refused:
        tokens.exchange_code(actor=alice_admin, state=answer["state"], code="made-up")

    assert refused.value.code == "anaf_refused"
    assert refused.value.messages == ["ANAF refused the token request: Invalid authorization code"]
    assert AnafToken.objects.count() == 0


def test_an_oauth_server_that_does_not_answer_is_told(fake_anaf_efactura, alice_admin):
    answer = authorize_at_anaf(tokens.authorization_url(actor=alice_admin))
    fake_anaf_efactura.fail_next("token", "hang_up")

    with pytest.raises(ValidationError, match="did not answer") as refused:
        tokens.exchange_code(actor=alice_admin, state=answer["state"], code=answer["code"])

    assert refused.value.code == "anaf_unavailable"
    assert AnafToken.objects.count() == 0


def test_connecting_again_replaces_the_tokens(anaf_connected, fake_anaf_efactura, alice_admin):
    answer = authorize_at_anaf(tokens.authorization_url(actor=alice_admin))
    tokens.exchange_code(actor=alice_admin, state=answer["state"], code=answer["code"])

    assert AnafToken.objects.count() == 1
    assert tokens.access_token() == fake_anaf_efactura.issued_tokens[1]["access_token"]


# --- using and refreshing --------------------------------------------------------------------


def test_a_fresh_token_is_used_as_it_is(anaf_connected, fake_anaf_efactura):
    assert tokens.access_token() == fake_anaf_efactura.issued_tokens[0]["access_token"]
    assert len(fake_anaf_efactura.requests_to("token")) == 1  # the code exchange only


def test_the_token_is_not_refreshed_six_minutes_before_expiry(anaf_connected, fake_anaf_efactura):
    with time_machine.travel(anaf_connected.expires_at - timedelta(minutes=6), tick=False):
        assert tokens.access_token() == fake_anaf_efactura.issued_tokens[0]["access_token"]

    assert len(fake_anaf_efactura.requests_to("token")) == 1


def test_the_token_is_refreshed_when_less_than_five_minutes_are_left(anaf_connected, fake_anaf_efactura):
    refresh_at = anaf_connected.expires_at - timedelta(minutes=4)

    with time_machine.travel(refresh_at, tick=False):
        token = tokens.access_token()

    first, second = fake_anaf_efactura.issued_tokens
    assert token == second["access_token"]
    request = fake_anaf_efactura.requests_to("token")[1]
    assert form_of(request) == {
        "grant_type": "refresh_token",
        "refresh_token": first["refresh_token"],
        "client_id": fake_anaf_efactura.client_id,
        "client_secret": fake_anaf_efactura.client_secret,
        "token_content_type": "jwt",
    }
    row = stored()
    assert tokens.decrypt(row.refresh_token_encrypted) == second["refresh_token"]
    assert row.refreshed_at == refresh_at
    assert row.expires_at == refresh_at + timedelta(days=90)
    assert row.obtained_at == anaf_connected.obtained_at
    event = AuditEvent.objects.get(action="efactura.anaf_token_refreshed")
    assert (event.actor, event.object_id) == (None, str(row.pk))
    assert event.data == {"expires_at": row.expires_at.isoformat()}
    with time_machine.travel(refresh_at + timedelta(minutes=1), tick=False):
        assert tokens.access_token() == second["access_token"]
    assert len(fake_anaf_efactura.requests_to("token")) == 2


def test_an_expired_access_token_is_refreshed_while_the_refresh_token_lives(
    anaf_connected, fake_anaf_efactura
):
    with time_machine.travel(anaf_connected.expires_at + 30 * DAY, tick=False):
        assert tokens.access_token() == fake_anaf_efactura.issued_tokens[1]["access_token"]
        assert tokens.token_state().state == TokenState.VALID


def test_a_failed_refresh_keeps_using_the_token_until_it_expires(anaf_connected, fake_anaf_efactura):
    fake_anaf_efactura.refuse_refresh = True
    refresh_at = anaf_connected.expires_at - timedelta(minutes=4)

    with time_machine.travel(refresh_at, tick=False):
        assert tokens.access_token() == fake_anaf_efactura.issued_tokens[0]["access_token"]
        status = tokens.token_state()

    assert status.state == TokenState.REFRESH_FAILED
    assert status.token.refresh_failed_at == refresh_at
    assert status.token.refresh_error == "ANAF refused the token request: Invalid refresh token"
    event = AuditEvent.objects.get(action="efactura.anaf_token_refresh_failed")
    assert event.data == {"error": "ANAF refused the token request: Invalid refresh token"}
    with (
        time_machine.travel(anaf_connected.expires_at + timedelta(seconds=1), tick=False),
        pytest.raises(AnafAuthError, match="expired and could not be renewed"),
    ):
        tokens.access_token()
    assert AuditEvent.objects.filter(action="efactura.anaf_token_refresh_failed").count() == 2


def test_a_successful_refresh_clears_an_earlier_failure(anaf_connected, fake_anaf_efactura):
    fake_anaf_efactura.refuse_refresh = True
    with time_machine.travel(anaf_connected.expires_at - timedelta(minutes=4), tick=False):
        tokens.access_token()
    fake_anaf_efactura.refuse_refresh = False

    with time_machine.travel(anaf_connected.expires_at - timedelta(minutes=3), tick=False):
        tokens.access_token()
        assert tokens.token_state().state == TokenState.VALID

    row = stored()
    assert (row.refresh_failed_at, row.refresh_error) == (None, "")


def test_renewing_a_rejected_token_refreshes_it_even_before_expiry(anaf_connected, fake_anaf_efactura):
    rejected = tokens.access_token()

    renewed = tokens.renew_access_token(rejected=rejected)

    assert renewed == fake_anaf_efactura.issued_tokens[1]["access_token"]
    assert renewed != rejected


def test_renewing_a_token_someone_else_already_renewed_does_not_refresh_again(
    anaf_connected, fake_anaf_efactura
):
    rejected = tokens.access_token()
    renewed = tokens.renew_access_token(rejected=rejected)

    assert tokens.renew_access_token(rejected=rejected) == renewed
    assert len(fake_anaf_efactura.requests_to("token")) == 2


def test_without_a_connection_there_is_no_token(fake_anaf_efactura):
    with pytest.raises(AnafNotConnectedError, match="not connected to ANAF"):
        tokens.access_token()


def test_a_token_of_another_oauth_client_is_not_used(anaf_connected, settings):
    settings.EFACTURA_CLIENT_ID = "another-client"

    with pytest.raises(AnafNotConnectedError):
        tokens.access_token()
    assert tokens.token_state().state == TokenState.NONE


# --- the state shown to staff ----------------------------------------------------------------


def test_the_token_state_follows_the_tokens_lifetime(anaf_connected, django_assert_num_queries):
    with django_assert_num_queries(1):  # the token with the user who connected
        status = tokens.token_state()
    assert status.state == TokenState.VALID
    assert status.token.obtained_by.email == "alice@staff.test"

    with time_machine.travel(anaf_connected.refresh_expires_at + timedelta(seconds=1), tick=False):
        assert tokens.token_state().state == TokenState.EXPIRED


def test_no_token_means_not_connected(db):
    assert tokens.token_state() == tokens.TokenStatus(TokenState.NONE)


# --- concurrency (PostgreSQL: SQLite has no row locks) ---------------------------------------


# Without serialized_rollback, like billing's transactional tests that run before it: restoring
# serialized data after their flush collides with the content types it recreates. This test
# needs none of the seeded data.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_refreshing_at_once_refresh_once(fake_anaf_efactura, alice_admin):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    answer = authorize_at_anaf(tokens.authorization_url(actor=alice_admin))
    token = tokens.exchange_code(actor=alice_admin, state=answer["state"], code=answer["code"])
    # ANAF answers the refresh after 0.2 s, so the second worker asks while the first waits.
    fake_anaf_efactura.delay = 0.2
    fake_anaf_efactura.fail_next("token", "slow")
    got: list[str] = []

    def worker() -> None:
        try:
            got.append(tokens.access_token())
        finally:
            connection.close()

    with time_machine.travel(token.expires_at - timedelta(minutes=4), tick=False):
        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=10)

    renewed = fake_anaf_efactura.issued_tokens[1]["access_token"]
    assert got == [renewed, renewed]
    assert len(fake_anaf_efactura.requests_to("token")) == 2  # the code exchange and one refresh
    assert AuditEvent.objects.filter(action="efactura.anaf_token_refreshed").count() == 1
