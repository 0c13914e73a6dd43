"""The shared `redis_url` fixture: skip without Redis, fail when CI requires it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[3]
NEEDS_REDIS = "praho/core/tests/test_health.py::test_ready_is_ok_with_a_reachable_redis_broker"


@pytest.fixture
def unreachable_redis_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"redis://127.0.0.1:{port}/15"


def run_pytest(*arguments: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Another pytest run, on its own in-memory SQLite database: on PostgreSQL it would create the
    same test database as a run beside it (another xdist worker's), which one of them loses."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if name != "DATABASE_URL" and not name.startswith("PYTEST_XDIST")  # a run of its own
    }
    return subprocess.run(
        [sys.executable, "-m", "pytest", *(arguments or [NEEDS_REDIS]), "-p", "no:cacheprovider", "-rsf"],
        cwd=BASE_DIR,
        env={**environment, **env},
        capture_output=True,
        text=True,
        timeout=300,  # a busy machine (other xdist workers, a live server) starts pytest slowly
        check=False,
    )


def test_a_test_needing_redis_is_skipped_with_the_reason_when_redis_is_down(unreachable_redis_url):
    result = run_pytest(PRAHO_TEST_REDIS_URL=unreachable_redis_url, PRAHO_REQUIRE_SERVICES="0")

    assert result.returncode == 0, result.stdout
    assert "1 skipped" in result.stdout
    assert f"Redis at {unreachable_redis_url} is not reachable" in result.stdout


def test_a_test_needing_redis_fails_when_ci_requires_services(unreachable_redis_url):
    result = run_pytest(PRAHO_TEST_REDIS_URL=unreachable_redis_url, PRAHO_REQUIRE_SERVICES="1")

    assert result.returncode == 1, result.stdout
    assert "1 error" in result.stdout
    assert "PRAHO_REQUIRE_SERVICES=1 requires it." in result.stdout


@pytest.mark.parametrize(
    ("worker", "url", "expected"),
    [
        ("gw0", "redis://127.0.0.1:6379/15", "redis://127.0.0.1:6379/15"),
        ("gw1", "redis://127.0.0.1:6379/15", "redis://127.0.0.1:6379/14"),
        ("gw3", "redis://:secret@redis.test:6380/10", "redis://:secret@redis.test:6380/7"),
    ],
)
def test_each_xdist_worker_gets_its_own_redis_database(monkeypatch, worker, url, expected):
    from conftest import _per_worker_database

    monkeypatch.setenv("PYTEST_XDIST_WORKER", worker)

    assert _per_worker_database(url) == expected
