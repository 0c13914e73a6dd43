"""core.ping: in-process without a broker, through a real worker with one."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from celery.result import EagerResult
from kombu import pools

from praho.celery import app
from praho.core.tasks import ping

BASE_DIR = Path(__file__).resolve().parents[3]
CELERY = BASE_DIR / ".venv" / "bin" / "celery"
RESULT_TIMEOUT_SECONDS = 60


def test_without_a_broker_ping_runs_in_process(settings):
    assert settings.CELERY_BROKER_URL == ""

    result = ping.delay("x")

    assert isinstance(result, EagerResult)
    assert result.get(timeout=1)["echo"] == "x"
    assert result.get(timeout=1)["worker"] == socket.gethostname()


def test_the_ping_task_is_registered_under_its_stable_name():
    assert ping.name == "core.ping"
    assert app.tasks["core.ping"].name == "core.ping"


def _drop_connections() -> None:
    """Forget pooled broker connections and the result backend, so the next
    call builds them from the current app.conf."""
    app._pool = None
    pools.reset()  # closes kombu's shared pools and forgets them
    with contextlib.suppress(AttributeError, KeyError):
        app.__dict__["amqp"]._producer_pool = None
    app._backend_cache = None
    with contextlib.suppress(AttributeError):
        del app._local.backend


@contextlib.contextmanager
def app_using(broker_url: str) -> Iterator[None]:
    keys = ("broker_url", "result_backend", "task_always_eager")
    saved = {key: app.conf[key] for key in keys}
    app.conf.update(broker_url=broker_url, result_backend=broker_url, task_always_eager=False)
    _drop_connections()
    try:
        yield
    finally:
        app.conf.update(saved)
        _drop_connections()


@contextlib.contextmanager
def worker(broker_url: str, queue: str, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "praho.settings.dev",
        "CELERY_BROKER_URL": broker_url,
        "CELERY_RESULT_BACKEND": broker_url,
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                str(CELERY),
                "-A",
                "praho",
                "worker",
                "--pool=solo",
                "--concurrency=1",
                "-Q",
                queue,
                "-n",
                f"{queue}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=INFO",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            yield process
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


def test_a_real_worker_answers_ping_through_redis(redis_url, tmp_path):
    queue = f"praho-test-{uuid.uuid4().hex[:12]}"
    log = tmp_path / "worker.log"

    with worker(redis_url, queue, log) as process, app_using(redis_url):
        result = ping.apply_async(args=["hello"], queue=queue)
        try:
            answer = result.get(timeout=RESULT_TIMEOUT_SECONDS)
            status = result.status
        except Exception:
            pytest.fail(f"no answer from the worker (exit code {process.poll()}):\n{log.read_text()}")
        finally:
            result.forget()

    assert answer == {"echo": "hello", "worker": socket.gethostname(), "request_id": answer["request_id"]}
    assert status == "SUCCESS"
    assert process.returncode is not None  # the worker was stopped
    assert f"Task core.ping[{result.id}] succeeded" in log.read_text()
    client = redis.Redis.from_url(redis_url)
    client.delete(queue)
    assert client.llen(queue) == 0


def test_the_app_configuration_is_restored_after_the_round_trip(settings):
    assert app.conf.task_always_eager is True
    assert app.conf.broker_url in ("", None)
    assert isinstance(ping.delay("again"), EagerResult)
