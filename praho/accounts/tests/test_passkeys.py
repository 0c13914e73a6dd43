"""Passkeys (WebAuthn): the pages render, and a software passkey registers and logs in."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator

from praho.accounts.tests.authenticator import SoftwarePasskey, as_post
from praho.accounts.tests.steps import TOTP_AUTHENTICATE_URL, log_in
from praho.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

ADD_URL = "/accounts/2fa/webauthn/add/"
LIST_URL = "/accounts/2fa/webauthn/"
PASSKEY_LOGIN_URL = "/accounts/2fa/webauthn/login/"
AJAX = {"X-Requested-With": "XMLHttpRequest"}


def register(browser, passkey: SoftwarePasskey, *, name: str = "Laptop", passwordless: bool = True):
    page = browser.get(ADD_URL)
    assert page.status_code == 200
    options = page.context["js_data"]["creation_options"]["publicKey"]
    data = {"name": name, "credential": as_post(passkey.create(options))}
    if passwordless:
        data["passwordless"] = "on"
    return browser.post(ADD_URL, data)


def log_in_with_passkey(browser, passkey: SoftwarePasskey):
    options = browser.get(PASSKEY_LOGIN_URL, headers=AJAX).json()["request_options"]["publicKey"]
    return browser.post(PASSKEY_LOGIN_URL, {"credential": as_post(passkey.get(options))})


def test_add_passkey_page_renders_with_creation_options_for_the_user(browser, carol):
    log_in(browser, carol.email)

    response = browser.get(ADD_URL)

    assert response.status_code == 200
    options = response.context["js_data"]["creation_options"]["publicKey"]
    assert options["rp"] == {"id": "testserver", "name": "testserver"}
    assert options["user"]["name"] == "carol@customer.test"
    assert b'<script id="js_data" type="application/json">' in response.content
    assert b'<script src="/static/mfa/js/webauthn.js"></script>' in response.content


def test_passkey_list_page_renders(browser, carol):
    log_in(browser, carol.email)

    response = browser.get(LIST_URL)

    assert response.status_code == 200
    assert list(response.context["authenticators"]) == []


def test_login_page_offers_passkey_login(browser):
    response = browser.get("/accounts/login/")

    assert response.status_code == 200
    assert b'id="passkey_login"' in response.content
    assert b'<form id="mfa_login" action="/accounts/2fa/webauthn/login/" method="post">' in response.content


def test_passkey_login_options_are_served_to_the_page_script_only(browser):
    as_script = browser.get(PASSKEY_LOGIN_URL, headers=AJAX)
    as_page = browser.get(PASSKEY_LOGIN_URL)

    assert as_script.status_code == 200
    assert as_script.json()["request_options"]["publicKey"]["userVerification"] == "required"
    assert as_page.status_code == 302
    assert as_page["Location"] == "/accounts/login/"


def test_registering_a_software_passkey_stores_it_and_generates_recovery_codes(
    browser, carol, django_capture_on_commit_callbacks
):
    log_in(browser, carol.email)

    response = register(browser, SoftwarePasskey())

    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/recovery-codes/"
    passkey = Authenticator.objects.get(user=carol, type=Authenticator.Type.WEBAUTHN)
    assert passkey.wrap().name == "Laptop"
    assert passkey.wrap().is_passwordless is True
    assert sorted(Authenticator.objects.filter(user=carol).values_list("type", flat=True)) == [
        "recovery_codes",
        "webauthn",
    ]
    assert AuditEvent.objects.get(action="mfa.added", data__type="webauthn").actor == carol
    listed = browser.get(LIST_URL)
    assert [key.wrap().name for key in listed.context["authenticators"]] == ["Laptop"]


def test_a_passkey_answering_a_different_challenge_is_refused(browser, carol):
    log_in(browser, carol.email)
    browser.get(ADD_URL)
    stale = {"rp": {"id": "testserver"}, "user": {"id": "MQ"}, "challenge": "c3RhbGUtY2hhbGxlbmdl"}

    response = browser.post(ADD_URL, {"name": "Old", "credential": as_post(SoftwarePasskey().create(stale))})

    assert response.status_code == 200
    assert response.context["form"].errors == {"__all__": ["Incorrect code."]}
    assert Authenticator.objects.filter(user=carol).count() == 0


def test_logging_in_with_a_registered_passkey_needs_no_password(browser, carol):
    passkey = SoftwarePasskey()
    log_in(browser, carol.email)
    register(browser, passkey)
    browser.post("/accounts/logout/")

    response = log_in_with_passkey(browser, passkey)

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert int(browser.session["_auth_user_id"]) == carol.pk
    assert browser.get("/app/").status_code == 200
    assert AuditEvent.objects.filter(action="auth.login", actor=carol).count() == 2


def test_an_unregistered_passkey_cannot_log_in(browser, carol):
    registered = SoftwarePasskey()
    log_in(browser, carol.email)
    register(browser, registered)
    browser.post("/accounts/logout/")
    impostor = SoftwarePasskey()
    impostor.user_handle = registered.user_handle
    impostor.rp_id = registered.rp_id

    response = log_in_with_passkey(browser, impostor)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in browser.session


def test_staff_with_a_passkey_passes_the_staff_gate(browser, nora_nomfa):
    log_in(browser, nora_nomfa.email)
    assert browser.get("/staff/").status_code == 302

    register(browser, SoftwarePasskey())

    assert browser.get("/staff/").status_code == 200


def test_a_passkey_is_accepted_as_the_second_factor_after_the_password(browser, carol):
    passkey = SoftwarePasskey()
    log_in(browser, carol.email)
    register(browser, passkey, passwordless=False)
    browser.post("/accounts/logout/")

    step = log_in(browser, carol.email)
    page = browser.get(TOTP_AUTHENTICATE_URL)
    options = page.context["js_data"]["request_options"]["publicKey"]
    response = browser.post(TOTP_AUTHENTICATE_URL, {"credential": as_post(passkey.get(options))})

    assert step["Location"] == TOTP_AUTHENTICATE_URL
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert int(browser.session["_auth_user_id"]) == carol.pk
