"""The staff pages of the ANAF connection (/staff/efactura/anaf/): the state shown, the OAuth
flow through them against the local ANAF, the errors on the way back, and who may use them."""

from __future__ import annotations

from datetime import timedelta
from html import unescape
from urllib.parse import urlencode

import pytest
import time_machine
from django.utils import dateformat, timezone

from praho.accounts.tests import html_audit
from praho.accounts.tests.factories import UserFactory, add_totp
from praho.efactura import tokens
from praho.efactura.models import AnafToken, OAuthState
from praho.efactura.tests.conftest import authorize_at_anaf

pytestmark = pytest.mark.django_db

PAGE_URL = "/staff/efactura/anaf/"
CONNECT_URL = "/staff/efactura/anaf/connect/"
CALLBACK_URL = "/staff/efactura/anaf/callback/"


@pytest.fixture
def admin(staff_client, alice_admin):
    return staff_client(alice_admin)


def text(response) -> str:
    return unescape(response.content.decode())


def connect(admin) -> dict[str, str]:
    """Press "Connect to ANAF", then let ANAF send the browser back: the callback's query."""
    response = admin.post(CONNECT_URL)
    assert response.status_code == 302
    return authorize_at_anaf(response["Location"])


# --- the page --------------------------------------------------------------------------------


def test_the_page_says_praho_is_not_connected_yet(admin, fake_anaf_efactura):
    response = admin.get(PAGE_URL)

    assert response.status_code == 200
    page = text(response)
    assert 'data-token-state="none"' in page
    assert "PRAHO is not connected to ANAF yet: documents cannot be sent." in page
    assert "Test (no fiscal effect)" in page
    assert fake_anaf_efactura.api_url in page
    assert fake_anaf_efactura.redirect_uri in page
    assert "Connect to ANAF</button>" in page
    audit = html_audit.read(response.content)
    assert audit.inline_scripts == []
    assert audit.unlabelled_controls() == []


def test_the_page_lets_the_connect_button_lead_to_anafs_login(admin, fake_anaf_efactura):
    response = admin.get(PAGE_URL)

    policy = response["Content-Security-Policy"]
    form_action = next(part for part in policy.split(";") if part.strip().startswith("form-action"))
    # Besides its own pages, only ANAF's login (and Stripe's pages, which every page may post to).
    assert form_action.split()[:2] == ["form-action", "'self'"]
    assert fake_anaf_efactura.url in form_action.split()
    assert set(form_action.split()[2:]) <= {
        fake_anaf_efactura.url,
        "https://checkout.stripe.com",
        "https://billing.stripe.com",
    }


def test_the_page_shows_a_valid_token_and_who_connected_it(staff_client, alice_admin, anaf_connected):
    with time_machine.travel(anaf_connected.obtained_at + timedelta(days=1)):
        page = text(staff_client(alice_admin).get(PAGE_URL))

    assert 'data-token-state="valid"' in page
    assert "alice@staff.test" in page
    assert "Connect to ANAF again</button>" in page
    expires = dateformat.format(timezone.localtime(anaf_connected.expires_at), "c")
    assert f'<time datetime="{expires}">' in page


def test_the_page_shows_a_failed_refresh_with_anafs_reason(
    staff_client, alice_admin, anaf_connected, fake_anaf_efactura
):
    fake_anaf_efactura.refuse_refresh = True
    with time_machine.travel(anaf_connected.expires_at - timedelta(minutes=4), tick=False):
        tokens.access_token()
        page = text(staff_client(alice_admin).get(PAGE_URL))

    assert 'data-token-state="refresh_failed"' in page
    assert "ANAF refused the token request: Invalid refresh token" in page


def test_the_page_shows_an_expired_authorization(staff_client, alice_admin, anaf_connected):
    with time_machine.travel(anaf_connected.refresh_expires_at + timedelta(days=1), tick=False):
        page = text(staff_client(alice_admin).get(PAGE_URL))

    assert 'data-token-state="expired"' in page
    assert "The authorization expired" in page


# --- connecting through the pages ------------------------------------------------------------


def test_connecting_sends_the_browser_to_anaf_and_stores_the_tokens_on_the_way_back(
    admin, alice_admin, fake_anaf_efactura
):
    response = admin.post(CONNECT_URL)

    assert response.status_code == 302
    assert response["Location"].startswith(fake_anaf_efactura.authorize_url + "?response_type=code&")
    answer = authorize_at_anaf(response["Location"])
    assert answer["state"] == OAuthState.objects.get(created_by=alice_admin).state

    back = admin.get(CALLBACK_URL, answer, follow=True)

    assert back.redirect_chain == [(PAGE_URL, 302)]
    page = text(back)
    assert "PRAHO is connected to ANAF." in page
    assert 'data-token-state="valid"' in page
    token = AnafToken.objects.get()
    assert tokens.decrypt(token.access_token_encrypted) == fake_anaf_efactura.issued_tokens[0]["access_token"]


def test_a_callback_with_a_state_that_does_not_match_is_refused(admin, fake_anaf_efactura):
    answer = connect(admin)

    response = admin.get(CALLBACK_URL, {**answer, "state": "forged"})

    assert response.status_code == 400
    assert "does not match an authorization you started" in text(response)
    assert fake_anaf_efactura.requests_to("token") == []
    assert AnafToken.objects.count() == 0


def test_a_callback_for_another_admins_authorization_is_refused(admin, staff_client, fake_anaf_efactura):
    answer = connect(admin)
    other = UserFactory(email="otto@staff.test", is_staff=True, is_superuser=True)
    add_totp(other)

    response = staff_client(other).get(CALLBACK_URL, answer)

    assert response.status_code == 400
    assert AnafToken.objects.count() == 0


def test_anafs_refusal_is_shown_with_its_reason(admin, fake_anaf_efactura):
    fake_anaf_efactura.refuse_authorization("access_denied", "Certificatul digital nu a fost prezentat")
    answer = connect(admin)

    response = admin.get(CALLBACK_URL, answer)

    assert response.status_code == 400
    page = text(response)
    assert "PRAHO was not connected to ANAF" in page
    assert "ANAF did not authorize PRAHO: Certificatul digital nu a fost prezentat" in page
    assert AnafToken.objects.count() == 0


def test_reloading_the_callback_does_not_spend_the_code_twice(admin, fake_anaf_efactura):
    answer = connect(admin)
    admin.get(CALLBACK_URL, answer)

    again = admin.get(CALLBACK_URL, answer)

    assert again.status_code == 400
    assert "already used" in text(again)
    assert len(fake_anaf_efactura.requests_to("token")) == 1
    assert AnafToken.objects.count() == 1


def test_connecting_without_an_oauth_client_says_what_to_set(admin, fake_anaf_efactura, settings):
    settings.EFACTURA_CLIENT_ID = ""

    response = admin.post(CONNECT_URL, follow=True)

    assert response.redirect_chain == [(PAGE_URL, 302)]
    assert "EFACTURA_CLIENT_ID and EFACTURA_CLIENT_SECRET must be set before connecting to ANAF." in text(
        response
    )
    assert OAuthState.objects.count() == 0


def test_connecting_is_a_post(admin, fake_anaf_efactura):
    assert admin.get(CONNECT_URL).status_code == 405
    assert OAuthState.objects.count() == 0


# --- who may use them ------------------------------------------------------------------------


@pytest.mark.parametrize("url", [PAGE_URL, CALLBACK_URL + "?" + urlencode({"state": "x", "code": "y"})])
def test_a_superuser_without_a_role_may_use_the_pages(staff_client, fake_anaf_efactura, url):
    root = UserFactory(email="root@staff.test", is_staff=True, is_superuser=True)
    add_totp(root)

    assert staff_client(root).get(url).status_code in (200, 400)  # the callback refuses the made-up state


@pytest.mark.parametrize("role_fixture", ["mike_manager", "bill_billing", "sue_support", "sam_sales"])
def test_staff_who_may_not_manage_the_connection_are_refused(
    request, staff_client, fake_anaf_efactura, role_fixture
):
    user = request.getfixturevalue(role_fixture)
    client = staff_client(user)

    assert client.get(PAGE_URL).status_code == 403
    assert client.post(CONNECT_URL).status_code == 403
    assert client.get(CALLBACK_URL, {"state": "x", "code": "y"}).status_code == 403
    assert OAuthState.objects.count() == 0


def test_customers_do_not_see_the_staff_pages(client, carol, fake_anaf_efactura):
    client.force_login(carol)

    assert client.get(PAGE_URL).status_code == 404
    assert client.post(CONNECT_URL).status_code == 404
    assert client.get(CALLBACK_URL, {"state": "x", "code": "y"}).status_code == 404
    assert OAuthState.objects.count() == 0


def test_visitors_are_asked_to_log_in(client, fake_anaf_efactura):
    response = client.get(PAGE_URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
