"""Emailing documents through a real SMTP server and a real Celery worker. Split from test_delivery.py,
whose helpers it uses.
"""

from __future__ import annotations

import contextlib
import email
import socket
import socketserver
import threading
import time
import uuid
from collections.abc import Iterator
from email.message import Message

import pytest
from django.db import connection
from django.test import override_settings

from praho.audit.models import AuditEvent
from praho.billing.models import DeliveryStatus, DocumentDelivery
from praho.billing.services import delivery
from praho.billing.tests.test_delivery import (  # noqa: F401 (fixtures and helpers of the tests split from it)
    ALL_ATTEMPTS,
    INVOICE_EMAIL,
    PDF_MAGIC,
    _issued,
    _send,
    frozen_now,
    invoice,
    invoice_email,
)
from praho.customers.services.customers import change_tax_profile

# --- real SMTP -----------------------------------------------------------------------------


class _SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321) for smtplib: no extensions, no TLS, no AUTH."""

    server: FakeSmtp

    def _reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self._reply("220 fake.test ESMTP")
        while line := self.rfile.readline():
            command = line.decode().strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self._reply("250 fake.test")
            elif command.startswith("RCPT"):
                self._reply(self.server.next_rcpt_reply())
            elif command == "DATA":
                self._reply("354 End data with <CR><LF>.<CR><LF>")
                self.server.messages.append(self._read_data())
                self._reply("250 2.0.0 Queued")
            elif command == "QUIT":
                self._reply("221 Bye")
                return
            else:  # MAIL, RSET, NOOP
                self._reply("250 OK")

    def _read_data(self) -> bytes:
        lines = []
        while (line := self.rfile.readline()) not in (b".\r\n", b""):
            lines.append(line[1:] if line.startswith(b"..") else line)
        return b"".join(lines)


class FakeSmtp(socketserver.ThreadingTCPServer):
    """A local SMTP server on a free port; RCPT gets `rcpt_replies` in turn (the last one repeats)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, rcpt_replies: tuple[str, ...] = ("250 OK",)) -> None:
        super().__init__(("127.0.0.1", 0), _SmtpHandler)
        self.rcpt_replies = list(rcpt_replies)
        self.messages: list[bytes] = []
        self.port = self.server_address[1]

    def next_rcpt_reply(self) -> str:
        return self.rcpt_replies.pop(0) if len(self.rcpt_replies) > 1 else self.rcpt_replies[0]

    def __enter__(self) -> FakeSmtp:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.shutdown()
        self.server_close()


@contextlib.contextmanager
def hanging_up_port() -> Iterator[int]:
    """A port whose server accepts each connection and closes it at once."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)  # accept() wakes up to see `stop`; closing does not interrupt it
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            with contextlib.suppress(OSError):
                client, _address = listener.accept()
                client.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        listener.close()
        thread.join(timeout=5)


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def smtp_to(port: int):
    return override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=port,
        EMAIL_USE_TLS=False,
        EMAIL_HOST_USER="",
        EMAIL_TIMEOUT=5,
    )


@pytest.fixture
def eager_retries():
    """Run the task's retries at once, in this process, as Celery does for an eager task whose
    errors are not propagated (test settings propagate them, which would stop at the first retry)."""
    from praho.celery import app

    saved = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = saved


def _delivered(sent: DocumentDelivery) -> tuple[str, int, str]:
    sent.refresh_from_db()
    return sent.status, sent.attempts, sent.detail


def test_a_real_smtp_server_receives_the_email_with_the_pdf(
    invoice, bill_billing, django_capture_on_commit_callbacks
):
    with FakeSmtp() as server, smtp_to(server.port):
        sent = _send(django_capture_on_commit_callbacks, actor=bill_billing, document=invoice)

    assert _delivered(sent) == (DeliveryStatus.SENT, 1, "")
    [raw] = server.messages
    received: Message = email.message_from_bytes(raw)
    assert received["To"] == INVOICE_EMAIL
    parts = [part for part in received.walk() if part.get_filename()]
    assert [(part.get_filename(), part.get_content_type()) for part in parts] == [
        ("PRH-2026-000001.pdf", "application/pdf")
    ]
    payload = parts[0].get_payload(decode=True)
    assert isinstance(payload, bytes)
    assert payload.startswith(PDF_MAGIC)


def test_a_server_that_hangs_up_is_retried_then_the_delivery_fails(
    eager_retries, invoice, bill_billing, mailoutbox, django_capture_on_commit_callbacks
):
    with hanging_up_port() as port, smtp_to(port):
        sent = _send(django_capture_on_commit_callbacks, actor=bill_billing, document=invoice)

    assert _delivered(sent) == (
        DeliveryStatus.FAILED,
        ALL_ATTEMPTS,
        "SMTPServerDisconnected: Connection unexpectedly closed",
    )
    assert sent.sent_at is None
    failed = AuditEvent.objects.get(action="billing.document_email_failed")
    assert failed.data["attempts"] == ALL_ATTEMPTS
    assert AuditEvent.objects.filter(action="billing.document_emailed").count() == 0


def test_a_port_nobody_listens_on_fails_with_the_connection_error(
    eager_retries, invoice, bill_billing, django_capture_on_commit_callbacks
):
    with smtp_to(unused_port()):
        sent = _send(django_capture_on_commit_callbacks, actor=bill_billing, document=invoice)

    assert _delivered(sent) == (
        DeliveryStatus.FAILED,
        ALL_ATTEMPTS,
        "ConnectionRefusedError: [Errno 111] Connection refused",
    )


def test_a_temporary_failure_keeps_the_delivery_queued_for_the_next_try(invoice, bill_billing):
    queued = DocumentDelivery.objects.create(document=invoice, recipient=INVOICE_EMAIL, subject="Invoice")

    with hanging_up_port() as port, smtp_to(port), pytest.raises(delivery.TransientDeliveryError):
        delivery.deliver(queued.pk, last_attempt=False)

    assert _delivered(queued) == (
        DeliveryStatus.QUEUED,
        1,
        "SMTPServerDisconnected: Connection unexpectedly closed",
    )
    assert AuditEvent.objects.filter(action__startswith="billing.document_email").count() == 0


def test_greylisting_is_retried_and_the_email_sent_once(
    eager_retries, invoice, bill_billing, django_capture_on_commit_callbacks
):
    greylisting = FakeSmtp(rcpt_replies=("451 4.7.1 Greylisted, try again later", "250 OK"))
    with greylisting as server, smtp_to(server.port):
        sent = _send(django_capture_on_commit_callbacks, actor=bill_billing, document=invoice)

    assert _delivered(sent) == (DeliveryStatus.SENT, 2, "")
    assert len(server.messages) == 1


def test_a_refused_recipient_fails_at_once(invoice, bill_billing, django_capture_on_commit_callbacks):
    with FakeSmtp(rcpt_replies=("550 5.1.1 No such user",)) as server, smtp_to(server.port):
        sent = _send(django_capture_on_commit_callbacks, actor=bill_billing, document=invoice)

    assert _delivered(sent) == (DeliveryStatus.FAILED, 1, f"{INVOICE_EMAIL}: 550 5.1.1 No such user")
    assert server.messages == []


# --- through a real Celery worker ----------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_emails_the_document(
    redis_url, tmp_path, monkeypatch, billing_ready, bill_billing, alice_admin, carol_customer
):
    """The task goes through Redis to a `celery worker` process that reads the test database
    (so PostgreSQL: SQLite's test database lives in this process's memory) and sends with the
    development settings' console backend, which writes the email to the worker's log."""
    if connection.vendor != "postgresql":
        pytest.skip("a worker process needs a database it can share with the test (PostgreSQL)")
    from praho.celery import app
    from praho.core.tests.test_tasks import app_using, worker

    change_tax_profile(actor=alice_admin, customer=carol_customer, invoice_email=INVOICE_EMAIL)
    invoice = _issued(bill_billing, carol_customer)
    db = connection.settings_dict
    monkeypatch.setenv(
        "DATABASE_URL",
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    )
    queue = f"praho-test-{uuid.uuid4().hex[:12]}"
    log = tmp_path / "worker.log"
    saved_routes = app.conf.task_routes
    with worker(redis_url, queue, log) as process, app_using(redis_url):
        app.conf.task_routes = {"billing.email_document": {"queue": queue}}
        app.amqp.flush_routes()
        try:
            sent = delivery.send_document(actor=bill_billing, document=invoice)  # enqueued on commit
            deadline = time.monotonic() + 60
            while _delivered(sent)[0] == DeliveryStatus.QUEUED and time.monotonic() < deadline:
                time.sleep(0.2)
        finally:
            app.conf.task_routes = saved_routes
            app.amqp.flush_routes()
        alive = process.poll() is None

    assert alive, log.read_text()
    assert _delivered(sent) == (DeliveryStatus.SENT, 1, ""), log.read_text()
    output = log.read_text()
    assert f"To: {INVOICE_EMAIL}" in output
    assert 'filename="PRH-2026-000001.pdf"' in output
    assert "Task billing.email_document[" in output
