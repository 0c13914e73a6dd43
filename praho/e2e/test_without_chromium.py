"""Without Chromium the browser tests are skipped and say why; CI (PRAHO_REQUIRE_SERVICES=1)
fails instead, so a machine that lost its browser cannot pass by skipping them. Not browser tests
themselves: they run another pytest with PRAHO_CHROMIUM naming a file that is not there."""

from __future__ import annotations

from praho.core.tests.test_redis_fixture import run_pytest

A_BROWSER_TEST = "praho/e2e/test_area.py::test_the_owner_sees_her_companys_profile"
ABSENT = "/nonexistent/chromium"
REASON = f"Browser tests need Chromium at {ABSENT} (apt-get install chromium, or set PRAHO_CHROMIUM)"


def test_without_chromium_a_browser_test_is_skipped_with_the_reason():
    result = run_pytest(A_BROWSER_TEST, PRAHO_CHROMIUM=ABSENT, PRAHO_REQUIRE_SERVICES="0")

    assert result.returncode == 0, result.stdout
    assert "1 skipped" in result.stdout
    assert REASON in result.stdout


def test_without_chromium_a_browser_test_fails_when_ci_requires_it():
    result = run_pytest(A_BROWSER_TEST, PRAHO_CHROMIUM=ABSENT, PRAHO_REQUIRE_SERVICES="1")

    assert result.returncode == 1, result.stdout
    assert "1 error" in result.stdout
    assert f"{REASON}. PRAHO_REQUIRE_SERVICES=1 requires it." in result.stdout
