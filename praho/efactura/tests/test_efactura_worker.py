"""e-Factura through a real Celery worker on Redis: an invoice issued in a committed transaction is
submitted by a `celery worker` process (efactura.submit_issued, enqueued from billing's
documents_issued signal) to the local ANAF, and efactura.poll_pending run by the same worker takes
it to accepted with ANAF's signed ZIP archived.

The worker is another process: it reads the test database (so PostgreSQL: SQLite's test database
lives in this process's memory), the ANAF token committed by the anaf_connected fixture, and its
settings from the environment (anaf_worker_environment)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from django.db import connection, transaction
from django.utils import timezone

from praho.audit.models import AuditEvent
from praho.billing.models import Document
from praho.celery import app
from praho.core.tests.test_task_request_ids import serving
from praho.efactura import tasks
from praho.efactura.gateways.anaf_answers import read_answer
from praho.efactura.models import Submission, SubmissionState
from praho.efactura.tests.ubl_builders import (
    DOMAIN,
    HOSTING,
    issued_invoice,
    require_validation_artifacts,
    start_billing,
)

State = SubmissionState
SELLER_CIF = "18547290"  # the demo seller's RO18547290 without RO
WAIT_SECONDS = 60
STAFF_REQUEST = "staff-request-5b9e0c2d77"
# Where a submission rests until a later task run: anything else is on its way, unless the task
# left the reason it stopped in last_error (e.g. not connected to ANAF).
AT_REST = (State.UPLOADED, State.PROCESSING, State.ACCEPTED, State.REJECTED, State.INVALID)


@pytest.fixture
def shared_database(monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker reads the test database: DATABASE_URL names it for the process started afterwards.
    Skipped on SQLite, whose test database this process alone can see."""
    if connection.vendor != "postgresql":
        pytest.skip("a worker process needs a database it can share with the test (PostgreSQL)")
    db = connection.settings_dict
    monkeypatch.setenv(
        "DATABASE_URL",
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    )


@pytest.fixture
def efactura_worker(redis_url: str, tmp_path: Path, shared_database: None) -> Iterator[Path]:
    """A `celery worker` on a queue of its own, with the e-Factura tasks routed to it; its log.

    Started after the environment fixtures so that it inherits them; this process sends through
    Redis (not eagerly) meanwhile.
    """
    from praho.core.tests.test_tasks import app_using, worker

    require_validation_artifacts()  # the worker validates with them before uploading
    queue = f"praho-test-{uuid.uuid4().hex[:12]}"
    log = tmp_path / "worker.log"
    saved_routes = app.conf.task_routes
    with worker(redis_url, queue, log) as process, app_using(redis_url):
        _route({name: {"queue": queue} for name in ("efactura.submit_issued", "efactura.poll_pending")})
        try:
            yield log
        finally:
            _route(saved_routes)
            alive = process.poll() is None
    redis.Redis.from_url(redis_url).delete(queue, f"_kombu.binding.{queue}")  # the list and its binding
    assert alive, f"the worker died:\n{log.read_text()}"


def _route(routes: object) -> None:
    """Send tasks by these routes from now on. Celery builds its router from task_routes on the
    first send in a process and keeps it (amqp.router is a cached property), so flush_routes()
    alone is not enough after an earlier test has sent a task: the router is built again."""
    app.conf.task_routes = routes
    app.amqp.flush_routes()
    del app.amqp.router


def _wait_for(ready: Callable[[], bool], log: Path) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not ready():
        if time.monotonic() > deadline:
            pytest.fail(f"the worker did not get there in {WAIT_SECONDS} s:\n{log.read_text()}")
        time.sleep(0.1)


def _submission(invoice: Document) -> Submission | None:
    return Submission.objects.filter(document=invoice).first()


def _at_rest(invoice: Document) -> bool:
    submission = _submission(invoice)
    return submission is not None and (submission.state in AT_REST or bool(submission.last_error))


def _poll_in_the_worker(log: Path) -> int:
    """One efactura.poll_pending run by the worker; how many submissions it looked at."""
    result = tasks.poll_pending.delay()
    try:
        return int(result.get(timeout=WAIT_SECONDS))
    except Exception:
        pytest.fail(f"no answer from the worker's poll_pending:\n{log.read_text()}")
    finally:
        result.forget()


def _time_passes(submission: Submission) -> None:
    """The next look at ANAF falls due. The worker runs on the real clock, so instead of travelling
    to it (as the in-process tests do) the submission's next attempt is brought to now."""
    Submission.objects.filter(pk=submission.pk).update(next_attempt_at=timezone.now())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_submits_an_issued_invoice_and_polls_it_to_accepted(
    shared_database, settings, anaf_connected, fake_anaf_efactura, anaf_worker_environment, efactura_worker
):
    log = efactura_worker
    settings.EFACTURA_SUBMIT_ON_ISSUE = True
    billing = start_billing()

    with serving(STAFF_REQUEST), transaction.atomic():  # as a staff member's request would
        invoice = issued_invoice(billing, "ro_company", (HOSTING, DOMAIN))
        assert len(connection.run_on_commit) == 1  # documents_issued waits for the commit
    _wait_for(lambda: _at_rest(invoice), log)

    submission = _submission(invoice)
    assert submission is not None
    assert submission.state == State.UPLOADED, (submission.validation, submission.last_error)
    [upload] = fake_anaf_efactura.uploads.values()
    assert (submission.upload_index, upload.cif, upload.standard) == (upload.index, SELLER_CIF, "UBL")
    assert f"<cbc:ID>{invoice.number}</cbc:ID>".encode() in upload.xml
    assert "Task efactura.submit_issued[" in log.read_text()

    assert _poll_in_the_worker(log) == 0  # the first look is due a minute after the upload
    assert fake_anaf_efactura.requests_to("stareMesaj") == []
    _time_passes(submission)
    assert _poll_in_the_worker(log) == 1  # ANAF: "in prelucrare"
    assert Submission.objects.get(pk=submission.pk).state == State.PROCESSING
    _time_passes(submission)
    assert _poll_in_the_worker(log) == 1  # ANAF: ok, with the signed ZIP to download

    submission.refresh_from_db()
    assert submission.state == State.ACCEPTED
    assert submission.download_id == upload.download_id
    archive = read_answer(bytes(submission.answer))
    assert archive.document_xml == upload.xml
    assert archive.signature_xml is not None
    assert len(fake_anaf_efactura.requests_to("upload")) == 1
    events = AuditEvent.objects.filter(object_type="efactura.submission", object_id=str(submission.pk))
    assert list(events.order_by("id").values_list("action", "actor")) == [
        ("efactura.validated", None),
        ("efactura.upload_sent", None),
        ("efactura.uploaded", None),
        ("efactura.processing", None),
        ("efactura.answer_downloaded", None),
        ("efactura.accepted", None),
    ]
    # The worker did the upload under the issuing request's ID; each poll, which no request
    # enqueued (as Celery beat would), under a fresh one of its own.
    request_ids = list(events.order_by("id").values_list("request_id", flat=True))
    assert request_ids[:3] == [STAFF_REQUEST] * 3
    assert request_ids[3] != request_ids[4] == request_ids[5] != STAFF_REQUEST
