"""A task carries the request ID of the request that enqueued it, so one ID follows an API call
into the worker and on to the gateways it calls; a task no request enqueued (Celery beat, a
command) gets a fresh one. Through a real worker on Redis (its JSON log lines) and in-process."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import redis

from praho.core import request_id
from praho.core.request_id import RequestContext
from praho.core.tasks import ping
from praho.core.tests.test_tasks import RESULT_TIMEOUT_SECONDS, app_using, worker

FRESH_ID = re.compile(r"[0-9a-f]{32}")
API_CALL = "api-call-7f3c2a9e51"


@contextmanager
def serving(rid: str) -> Iterator[None]:
    """What RequestIDMiddleware does around a request."""
    token = request_id.activate(RequestContext(request_id=rid))
    try:
        yield
    finally:
        request_id.deactivate(token)


def json_lines(text: str) -> list[dict[str, str]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_a_real_worker_logs_the_request_id_of_the_request_that_enqueued_the_task(
    redis_url, tmp_path, monkeypatch
):
    monkeypatch.setenv("LOG_JSON", "1")
    queue = f"praho-test-{uuid.uuid4().hex[:12]}"
    log = tmp_path / "worker.log"

    with worker(redis_url, queue, log), app_using(redis_url):
        with serving(API_CALL):
            traced = ping.apply_async(args=["traced"], queue=queue)
        scheduled = ping.apply_async(args=["scheduled"], queue=queue)  # as Celery beat sends it
        answers = [result.get(timeout=RESULT_TIMEOUT_SECONDS) for result in (traced, scheduled)]
        for result in (traced, scheduled):
            result.forget()
    redis.Redis.from_url(redis_url).delete(queue, f"_kombu.binding.{queue}")

    lines = json_lines(log.read_text())
    pinged = {line["message"]: line["request_id"] for line in lines if line["logger"] == "praho.core.tasks"}
    assert pinged["core.ping: traced"] == API_CALL
    assert FRESH_ID.fullmatch(pinged["core.ping: scheduled"])
    assert [answer["request_id"] for answer in answers] == [API_CALL, pinged["core.ping: scheduled"]]
    [succeeded] = [
        line for line in lines if line["message"].startswith(f"Task core.ping[{traced.id}] succeeded")
    ]
    assert succeeded["request_id"] == API_CALL
    # Between tasks the worker is in no request: what it logs then carries none.
    [received] = [line for line in lines if line["message"] == f"Task core.ping[{scheduled.id}] received"]
    assert received["request_id"] == "-"


def test_in_process_a_task_runs_under_the_request_id_of_the_request_that_enqueued_it(settings):
    assert settings.CELERY_TASK_ALWAYS_EAGER is True

    with serving(API_CALL):
        answer = ping.delay("eager").get(timeout=1)
        assert request_id.current().request_id == API_CALL  # still the request's, after the task

    assert answer["request_id"] == API_CALL
    assert request_id.current().request_id == ""


def test_in_process_a_task_no_request_enqueued_gets_a_fresh_request_id_of_its_own():
    first = ping.delay("one").get(timeout=1)["request_id"]
    second = ping.delay("two").get(timeout=1)["request_id"]

    assert FRESH_ID.fullmatch(first)
    assert FRESH_ID.fullmatch(second)
    assert first != second
    assert request_id.current().request_id == ""
