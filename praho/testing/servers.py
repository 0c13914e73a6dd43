"""PRAHO as it runs in production, for load and reliability tests and benches: gunicorn serving
`praho.wsgi:application` with several worker processes, and a `celery worker`, each started in a
process group of its own so that stopping it (or a failing test) kills every process it forked,
never leaving a server holding the test database or a port.

The processes read their settings from the environment (`environment()`): the database, the
broker, Stripe's address and secrets. Celery's default queue is a setting, not an environment
variable, so `queue_settings()` writes a settings module that routes every task the processes send
to one queue: a test's worker then consumes only what this test's servers sent.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"
START_SECONDS = 60
STOP_SECONDS = 15
SETTINGS_NAME = "praho_queue_settings"


def free_port() -> int:
    """A port nobody listens on now (the OS's choice, released at once)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def environment(base: Mapping[str, str], **values: str) -> dict[str, str]:
    """`base` (usually os.environ) with PRAHO's development settings, quiet logs, no side work on
    issue (e-Factura submissions, PDFs: not what a webhook test measures) and `values` on top."""
    return {
        **base,
        "DJANGO_SETTINGS_MODULE": "praho.settings.dev",
        "DJANGO_DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "EFACTURA_SUBMIT_ON_ISSUE": "0",
        "BILLING_STORE_PDF_ON_ISSUE": "0",
        **values,
    }


def queue_settings(directory: Path, queue: str) -> dict[str, str]:
    """Environment values making PRAHO's processes send every task to `queue`."""
    (directory / f"{SETTINGS_NAME}.py").write_text(
        f'from praho.settings.dev import *  # noqa: F403\n\nCELERY_TASK_DEFAULT_QUEUE = "{queue}"\n'
    )
    path = os.pathsep.join(filter(None, [str(directory), os.environ.get("PYTHONPATH", "")]))
    return {"DJANGO_SETTINGS_MODULE": SETTINGS_NAME, "PYTHONPATH": path}


def tail(log: Path, lines: int = 60) -> str:
    """The end of a process's log, for a failure message."""
    if not log.exists():
        return f"({log} was not written)"
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


@contextlib.contextmanager
def process_group(command: list[str], env: Mapping[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`command` in a new session (its own process group), output to `log`; on exit the whole
    group gets SIGTERM, then SIGKILL if it is still there after STOP_SECONDS."""
    with log.open("ab") as out:
        process = subprocess.Popen(  # noqa: S603 (the caller's own command: gunicorn, celery)
            command, cwd=ROOT, env=dict(env), stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield process
    finally:
        _stop_group(process)


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    for sent in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sent)
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            continue
        if sent == signal.SIGTERM:  # the leader is gone; children it did not reap go too
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        return


@contextlib.contextmanager
def gunicorn(env: Mapping[str, str], log: Path, *, workers: int = 2, port: int = 0) -> Iterator[str]:
    """PRAHO under gunicorn (sync workers) on 127.0.0.1; yields its base URL once every worker can
    answer /health/live/."""
    port = port or free_port()
    command = [
        str(BIN / "gunicorn"),
        "praho.wsgi:application",
        f"--workers={workers}",
        f"--bind=127.0.0.1:{port}",
        "--log-level=warning",
        "--timeout=60",
    ]
    url = f"http://127.0.0.1:{port}"
    with process_group(command, env, log) as process:
        _wait(lambda: _answers(f"{url}/health/live/"), process, log, "gunicorn")
        yield url


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@contextlib.contextmanager
def celery_worker(
    env: Mapping[str, str], log: Path, *, queue: str = "celery", concurrency: int = 2
) -> Iterator[subprocess.Popen[bytes]]:
    """A `celery worker` (prefork, `concurrency` processes) consuming `queue`; yields once it says
    it is ready (logging at INFO, so its log also shows each task)."""
    command = [
        str(BIN / "celery"),
        "-A",
        "praho",
        "worker",
        "--pool=prefork",
        f"--concurrency={concurrency}",
        "-Q",
        queue,
        "-n",
        f"{queue}@%h",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--loglevel=INFO",
    ]
    with process_group(command, {**env, "LOG_LEVEL": "INFO"}, log) as process:
        _wait(lambda: " ready." in log.read_text(errors="replace"), process, log, "the Celery worker")
        yield process


def _wait(ready: Callable[[], bool], process: subprocess.Popen[bytes], log: Path, what: str) -> None:
    deadline = time.monotonic() + START_SECONDS
    while not ready():
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}:\n{tail(log)}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start within {START_SECONDS} s:\n{tail(log)}")
        time.sleep(0.2)
