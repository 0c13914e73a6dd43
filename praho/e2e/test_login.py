"""Staff login in a browser: setting up the authenticator app, then the second-factor step."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator

from praho.accounts.tests.factories import PASSWORD, totp_code
from praho.accounts.tests.steps import code_for_secret
from praho.e2e.steps import LOGIN_PATH, TOTP_AUTHENTICATE_PATH, log_in, submit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_staff_without_a_second_factor_sets_up_totp_from_the_shown_secret_and_reaches_the_staff_area(
    web, nora_nomfa
):
    log_in(web, nora_nomfa)
    assert web.path() == "/accounts/2fa/totp/activate/"

    secret = web.page.input_value("#authenticator_secret")
    web.page.fill("input[name=code]", code_for_secret(secret))
    submit(web, "form:has(input[name=code])")

    assert web.path() == "/accounts/2fa/recovery-codes/"
    assert Authenticator.objects.filter(user=nora_nomfa, type=Authenticator.Type.TOTP).count() == 1
    web.go("/staff/")
    assert web.path() == "/staff/"


def test_staff_with_totp_is_asked_for_the_code_and_then_reaches_the_staff_dashboard(web, alice_admin):
    web.go(LOGIN_PATH)
    web.page.fill("input[name=login]", alice_admin.email)
    web.page.fill("input[name=password]", PASSWORD)
    submit(web, "form:has(input[name=password])")
    assert web.path() == TOTP_AUTHENTICATE_PATH

    web.page.fill("input[name=code]", totp_code(alice_admin))
    submit(web, "form:has(input[name=code])")

    assert web.path() == "/staff/"
    assert web.page.locator("h1").first.inner_text() == "Staff dashboard"
