"""Pages outside the layouts, in a browser: the API documentation (Swagger UI and Redoc) load
their own assets, icon included, without a console error or a CSP violation."""

from __future__ import annotations

import pytest

from praho.e2e.steps import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# Redoc's bundle always shows Redocly's logo from its CDN; the CSP (no third-party hosts) blocks
# it, and Redoc then hides the image. The one violation the browser tests accept, stated exactly.
REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
REDOC_LOGO_BLOCKED = [
    f"Loading the image '{REDOC_LOGO}' violates the following Content Security Policy directive: "
    "\"img-src 'self' data:\". The action has been blocked.",
    f"CSP violation: img-src blocked {REDOC_LOGO}",
]


def test_the_swagger_ui_loads_without_a_browser_error(web, alice_admin):
    log_in(web, alice_admin)
    web.go("/api/v1/docs/")

    web.page.locator(".swagger-ui .info .title").first.wait_for()
    web.page.wait_for_load_state("networkidle")
    assert web.page.title() == "PRAHO API"


def test_redoc_loads_with_its_icon_and_only_its_cdn_logo_blocked(web, alice_admin):
    log_in(web, alice_admin)
    web.go("/api/v1/redoc/")

    web.page.locator("redoc .api-info").first.wait_for()
    web.page.wait_for_load_state("networkidle")
    reported = [error.split(": ", 1)[1] for error in web.errors]
    assert reported == REDOC_LOGO_BLOCKED
    web.errors.clear()
