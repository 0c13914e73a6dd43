"""Browser tests: Debian's Chromium, driven by Playwright, against a live server.

Every test gets a fresh browser (`web`), started inside the test: Playwright's sync API keeps an
asyncio loop marked running on this thread while it lives, which Django takes for an async context
(the ORM refuses), so it must not outlive the test into the next one on the same xdist worker.
Every test fails on a console error, an uncaught exception or a Content-Security-Policy violation.

Without Chromium (or Playwright) the tests are skipped with the reason; under
PRAHO_REQUIRE_SERVICES=1 (CI) they fail instead. PRAHO_CHROMIUM names the browser
(default /usr/bin/chromium); Playwright never downloads one.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest

from praho.billing.tests.conftest import billing_ready  # noqa: F401 (a fixture)
from praho.customers.tests.conftest import fake_anaf  # noqa: F401 (a fixture)

if TYPE_CHECKING:
    from playwright.sync_api import Page

DEFAULT_CHROMIUM = "/usr/bin/chromium"
# Without the networking switches Chromium keeps calling Google's services, which this sandbox
# refuses: noise in the logs and time lost.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 20_000
# A CSP violation is also a console error in Chromium; this makes its report say what was blocked.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""


def _unavailable(reason: str) -> None:
    if os.environ.get("PRAHO_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason}. PRAHO_REQUIRE_SERVICES=1 requires it.")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium() -> str:
    """The path of the Chromium the tests drive; skips (fails in CI) when it or Playwright is absent."""
    path = os.environ.get("PRAHO_CHROMIUM", DEFAULT_CHROMIUM)
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("Browser tests need Playwright (the dev dependencies: make install)")
    if not (os.path.isfile(path) and os.access(path, os.X_OK)) and not shutil.which(path):
        _unavailable(
            f"Browser tests need Chromium at {path} (apt-get install chromium, or set PRAHO_CHROMIUM)"
        )
    return path


@pytest.fixture(scope="session")
def _urls_imported() -> None:
    """Import every view before the first page: done by the live server's thread on its first
    request, it can outlast a page load's timeout on a busy machine."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (imports the URLconf and every view module)


@dataclass
class Web:
    """The page a test drives, the live server's address and what the browser complained about."""

    page: Page
    base_url: str
    errors: list[str] = field(default_factory=list)

    def go(self, path: str) -> None:
        response = self.page.goto(self.base_url + path)
        assert response is not None
        assert response.ok, f"{path}: HTTP {response.status}"

    def path(self) -> str:
        return self.page.url.removeprefix(self.base_url)


@pytest.fixture
def web_viewport() -> dict[str, int]:
    """The window size of `web`; a test overrides it (e.g. a 375 px phone)."""
    return {"width": 1366, "height": 900}


@pytest.fixture
def web(
    chromium: str, _urls_imported: None, live_server, web_viewport, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Web]:
    """A fresh headless Chromium page on the live server; fails the test on any browser error."""
    from playwright.sync_api import sync_playwright

    # The test's own ORM calls run while Playwright's loop is marked running (see the module doc).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(viewport=web_viewport, locale="en-GB", accept_downloads=True)
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        page = context.new_page()
        web = Web(page=page, base_url=live_server.url)
        page.on(
            "console",
            lambda message: (
                message.type == "error" and web.errors.append(f"console error on {page.url}: {message.text}")
            ),
        )
        page.on("pageerror", lambda error: web.errors.append(f"uncaught exception on {page.url}: {error}"))
        try:
            yield web
        finally:
            context.close()
            browser.close()
    assert web.errors == [], "the browser reported errors:\n" + "\n".join(web.errors)
