"""What a visitor does in a browser, done through the real pages and forms.

Every step goes through allauth's real URLs and forms; nothing of ours is mocked.
"""

from __future__ import annotations

import re
import time

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from django.core import mail
from django.test import Client

from praho.accounts.tests.factories import PASSWORD, totp_code

USER_AGENT = "PRAHO-test-browser/1.0 (pytest)"
LOGIN_URL = "/accounts/login/"
TOTP_AUTHENTICATE_URL = "/accounts/2fa/authenticate/"
TOTP_ACTIVATE_URL = "/accounts/2fa/totp/activate/"


def new_browser() -> Client:
    """A client that sends a recognisable user agent (REMOTE_ADDR is 127.0.0.1)."""
    return Client(headers={"user-agent": USER_AGENT})


def log_in(browser: Client, email: str, password: str = PASSWORD, **extra: str):
    return browser.post(LOGIN_URL, {"login": email, "password": password, **extra})


def log_in_with_totp(browser: Client, user, password: str = PASSWORD):
    """Password, then the code of the authenticator app; returns the code step's response."""
    response = log_in(browser, user.email, password)
    assert response.status_code == 302
    assert response["Location"] == TOTP_AUTHENTICATE_URL
    return browser.post(TOTP_AUTHENTICATE_URL, {"code": totp_code(user)})


def last_link(prefix: str) -> str:
    """The path of the first link starting with `prefix` in the last email sent."""
    match = re.search(rf"http://testserver({re.escape(prefix)}\S+)", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(1)


def activate_totp(browser: Client):
    """Open the activation page, read the secret the page shows, enter its current code."""
    page = browser.get(TOTP_ACTIVATE_URL)
    assert page.status_code == 200
    secret = page.context["form"].secret
    assert browser.session[SECRET_SESSION_KEY] == secret
    return browser.post(TOTP_ACTIVATE_URL, {"code": code_for_secret(secret)})


def code_for_secret(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD))
