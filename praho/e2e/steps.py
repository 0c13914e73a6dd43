"""What a person does in the browser, shared by the browser tests: log in, with or without the
code of an authenticator app (allauth's own TOTP helpers make it, as the phone would)."""

from __future__ import annotations

from praho.accounts.tests.factories import PASSWORD, totp_code
from praho.e2e.conftest import Web

LOGIN_PATH = "/accounts/login/"
TOTP_AUTHENTICATE_PATH = "/accounts/2fa/authenticate/"


def submit(web: Web, form: str, button: str | None = None) -> None:
    """Press the submit button of the form matched by `form` (the one named `button`, else its
    only visible one) and wait for the next page."""
    buttons = web.page.locator(form).get_by_role("button", name=button, exact=True)
    with web.page.expect_navigation():
        (buttons if button else buttons.locator("visible=true")).first.click()


def log_in(web: Web, user, *, password: str = PASSWORD) -> None:
    """The login page; then the second-factor step when the user has an authenticator app."""
    web.go(LOGIN_PATH)
    web.page.fill("input[name=login]", user.email)
    web.page.fill("input[name=password]", password)
    submit(web, "form:has(input[name=password])")
    if web.path() == TOTP_AUTHENTICATE_PATH:
        web.page.fill("input[name=code]", totp_code(user))
        submit(web, "form:has(input[name=code])")
