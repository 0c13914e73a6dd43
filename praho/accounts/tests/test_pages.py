"""Every main page: renders, has the landmarks, labelled inputs, and nothing CSP would block."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from praho.accounts.tests import html_audit
from praho.accounts.tests.steps import activate_totp, log_in, log_in_with_totp, new_browser

pytestmark = pytest.mark.django_db


def _anonymous(request) -> Client:
    return new_browser()


def _customer(request) -> Client:
    browser = new_browser()
    log_in(browser, request.getfixturevalue("carol").email)
    return browser


def _admin(request) -> Client:
    browser = new_browser()
    log_in_with_totp(browser, request.getfixturevalue("alice_admin"))
    return browser


def _staff_without_second_factor(request) -> Client:
    browser = new_browser()
    log_in(browser, request.getfixturevalue("nora_nomfa").email)
    return browser


def _customer_with_totp(request) -> Client:
    browser = _customer(request)
    activate_totp(browser)
    return browser


def _half_logged_in_staff(request) -> Client:
    """Password given, code not yet."""
    browser = new_browser()
    log_in(browser, request.getfixturevalue("alice_admin").email)
    return browser


VISITORS: dict[str, Callable] = {
    "anonymous": _anonymous,
    "customer": _customer,
    "admin": _admin,
    "staff without 2FA": _staff_without_second_factor,
    "between password and code": _half_logged_in_staff,
    "customer with TOTP": _customer_with_totp,
}

PAGES = [
    ("anonymous", "/accounts/login/"),
    ("anonymous", "/accounts/signup/"),
    ("anonymous", "/accounts/password/reset/"),
    ("anonymous", "/accounts/password/reset/done/"),
    ("anonymous", "/accounts/confirm-email/"),
    ("between password and code", "/accounts/2fa/authenticate/"),
    ("admin", "/staff/"),
    ("admin", "/staff/users/"),
    ("admin", "/staff/users/{alice}/roles/"),
    ("admin", "/staff/lockouts/"),
    ("admin", "/app/profile/"),
    ("admin", "/accounts/2fa/"),
    ("staff without 2FA", "/accounts/2fa/totp/activate/"),
    ("customer", "/app/"),
    ("customer", "/app/profile/"),
    ("customer", "/accounts/2fa/"),
    ("customer", "/accounts/2fa/totp/activate/"),
    ("customer with TOTP", "/accounts/2fa/"),
    ("customer with TOTP", "/accounts/2fa/recovery-codes/"),
    ("customer with TOTP", "/accounts/2fa/totp/deactivate/"),
    ("customer", "/accounts/2fa/webauthn/"),
    ("customer", "/accounts/2fa/webauthn/add/"),
    ("customer", "/accounts/password/change/"),
    ("customer", "/accounts/email/"),
    ("customer", "/accounts/logout/"),
]

# Forms sent back with errors: the errors must be tied to their inputs.
FAILED_FORMS = [
    ("anonymous", "/accounts/login/", {"login": "carol@customer.test", "password": "wrong"}),
    ("anonymous", "/accounts/signup/", {"email": "not-an-email", "password1": "short", "password2": "other"}),
    ("anonymous", "/accounts/password/reset/", {"email": "not-an-email"}),
    ("between password and code", "/accounts/2fa/authenticate/", {"code": "000000"}),
    ("admin", "/staff/users/", {"email": "nobody@example.test"}),
    ("customer", "/app/profile/", {"language": "xx", "timezone": "Mars/Olympus"}),
    ("customer", "/accounts/password/change/", {"oldpassword": "x", "password1": "a", "password2": "b"}),
    ("customer", "/accounts/2fa/totp/activate/", {"code": "000000"}),
]


def assert_page_is_sound(response, where: str) -> html_audit.Page:
    assert response.status_code == 200, where
    page = html_audit.read(response.content)
    assert b"<main" in response.content, where
    assert page.inline_scripts == [], f"{where}: inline scripts {page.inline_scripts}"
    assert page.external_urls == [], f"{where}: external URLs {page.external_urls}"
    assert page.html_lang == "en", where
    for landmark in ("header", "nav", "main", "footer"):
        assert landmark in page.landmarks, f"{where}: no <{landmark}>"
    assert page.skip_link_target == "#main", where
    assert "main" in page.ids, where
    assert page.h1_count == 1, f"{where}: {page.h1_count} <h1>"
    assert page.unlabelled_controls() == [], f"{where}: inputs without a label"
    assert page.dangling_describedby() == [], f"{where}: aria-describedby pointing nowhere"
    assert page.duplicate_ids() == [], f"{where}: duplicate ids"
    return page


@pytest.mark.parametrize(("visitor", "path"), PAGES, ids=[f"{v}:{p}" for v, p in PAGES])
def test_main_pages_render_accessibly_without_inline_scripts_or_external_assets(request, visitor, path):
    browser = VISITORS[visitor](request)
    if "{alice}" in path:
        path = path.format(alice=request.getfixturevalue("alice_admin").pk)

    response = browser.get(path)

    assert_page_is_sound(response, f"{visitor} {path}")


@pytest.mark.parametrize(
    ("visitor", "path", "data"), FAILED_FORMS, ids=[f"{v}:{p}" for v, p, _ in FAILED_FORMS]
)
def test_form_errors_are_tied_to_their_inputs(request, visitor, path, data):
    browser = VISITORS[visitor](request)
    browser.get(path)  # the TOTP page keeps its secret in the session on GET

    response = browser.post(path, data)

    page = assert_page_is_sound(response, f"{visitor} POST {path}")
    form_errors = response.context["form"].errors
    field_errors = [name for name in form_errors if name != "__all__"]
    invalid = sorted({attrs.get("name", "") for attrs in page.invalid_controls})
    assert invalid == sorted(field_errors), path
    assert page.invalid_controls_without_error_text() == [], path
    if "__all__" in form_errors:
        assert b'<div class="form-errors" role="alert">' in response.content


def test_the_lockout_page_is_sound_too(request, carol):
    browser = new_browser()
    for n in range(5):
        log_in(browser, carol.email, f"wrong {n}")

    response = log_in(browser, carol.email)

    assert response.status_code == 429
    response.status_code = 200  # checked above; the rest of the checks apply as for any page
    assert_page_is_sound(response, "lockout page")
