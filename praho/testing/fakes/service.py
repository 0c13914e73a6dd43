"""The base of every local stand-in for a service PRAHO calls (ANAF, VIES, BNR, ...).

Each fake is a real HTTP server on 127.0.0.1 and a free port, in a thread,
speaking the service's documented format, so the code under test goes through
httpx, sockets and timeouts exactly as in production. A fake records the
requests it receives and can be made to fail in the ways a real service fails:

- for every request from now on, `go_down(mode)` (HANG_UP, SLOW, ERROR, GARBAGE);
- for the next requests to one endpoint (the last segment of the path, e.g. "upload"),
  `fail_next(endpoint, mode, times=1, retry_after=None)`: HANG_UP (close before doing
  anything), HANG_UP_AFTER (do the work, then close without answering), SLOW (do the work,
  answer after `delay` seconds), TOO_MANY_REQUESTS (429, with Retry-After when given),
  SERVER_ERROR (500), UNAVAILABLE (503), GARBAGE (a 200 maintenance page), or a mode of the
  subclass's own that its `failure_reply` answers.

A subclass implements `answer(received) -> Reply` for a service that is up. Start and stop a
fake with `with FakeX() as fake:` (a pytest fixture wraps that and points the settings at
`fake.url`).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import urlsplit

# The ways a whole service can be down (go_down).
UP = "up"
HANG_UP = "hang_up"  # closes the connection without answering
SLOW = "slow"  # answers only after `delay` seconds, past any sane timeout
ERROR = "error"  # answers with the service's own error (see each fake's error_reply)
GARBAGE = "garbage"  # answers 200 with an HTML page instead of JSON or XML
MODES = (UP, HANG_UP, SLOW, ERROR, GARBAGE)

# The ways the next requests to one endpoint fail (fail_next), besides HANG_UP, SLOW and GARBAGE.
HANG_UP_AFTER = "hang_up_after"  # does the work (e.g. registers an upload), then hangs up
TOO_MANY_REQUESTS = "429"
SERVER_ERROR = "500"
UNAVAILABLE = "503"
FAILURES = (HANG_UP, HANG_UP_AFTER, SLOW, TOO_MANY_REQUESTS, SERVER_ERROR, UNAVAILABLE, GARBAGE)

MAINTENANCE = b"<html><body><h1>Serviciul este temporar indisponibil</h1></body></html>"


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def endpoint(self) -> str:
        """The last segment of the path: what fail_next() and requests_to() name."""
        return urlsplit(self.path).path.rstrip("/").rpartition("/")[2]


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of_json(cls, status: int, payload: Any) -> Reply:
        return cls(status, json.dumps(payload, ensure_ascii=False).encode())

    @classmethod
    def of_xml(cls, text: str, status: int = HTTPStatus.OK) -> Reply:
        declaration = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        return cls(status, (declaration + text).encode(), "application/xml")


@dataclass(frozen=True)
class Failure:
    """A failure queued for the next request to `endpoint`."""

    endpoint: str
    mode: str
    retry_after: str | None = None


class FakeService:
    """A threaded HTTP server answering with `answer()`, or failing as it was told to."""

    delay = 5.0
    failures: tuple[str, ...] = FAILURES  # a subclass adds its service's own

    def __init__(self, *, port: int = 0) -> None:
        """`port` 0 takes a free one (tests); `manage.py fakes` gives fixed ones."""
        self.mode = UP
        self.canned: Reply | None = None
        self.received: list[Received] = []
        self._failures: list[Failure] = []
        self._lock = threading.RLock()
        self._released = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler_for(self))
        # A short poll interval: shutdown() waits for the next poll, and every test stops a fake.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.01},
            name=type(self).__name__,
            daemon=True,
        )

    # --- lifecycle and address ---------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._released.set()  # wake any SLOW handler so nothing outlives the test
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # --- what tests read and script -------------------------------------------------------------

    @property
    def request_count(self) -> int:
        with self._lock:
            return len(self.received)

    def requests_to(self, endpoint: str) -> list[Received]:
        with self._lock:
            return [received for received in self.received if received.endpoint == endpoint]

    def reply_always(self, reply: Reply) -> None:
        """Answer every request with `reply`: for answers the service should never give."""
        self.canned = reply

    def go_down(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"Unknown mode {mode!r}; choose one of {MODES}")
        self.mode = mode

    def fail_next(self, endpoint: str, mode: str, *, times: int = 1, retry_after: str | None = None) -> None:
        if mode not in self.failures:
            raise ValueError(f"Unknown failure {mode!r}; choose one of {self.failures}")
        with self._lock:
            self._failures.extend(Failure(endpoint, mode, retry_after) for _ in range(times))

    # --- what subclasses answer -----------------------------------------------------------------

    def answer(self, received: Received) -> Reply:
        raise NotImplementedError

    def error_reply(self, received: Received) -> Reply:
        """The service's own error, for go_down(ERROR)."""
        return Reply(HTTPStatus.SERVICE_UNAVAILABLE, b"Service Unavailable", "text/plain")

    def failure_reply(self, failure: Failure) -> Reply | None:
        """The answer of a queued failure that does no work; None for those that do the work first
        (HANG_UP_AFTER, SLOW). A subclass answers its own modes and defers to this for the rest."""
        headers = {"Retry-After": failure.retry_after} if failure.retry_after else {}
        if failure.mode == TOO_MANY_REQUESTS:
            return Reply(HTTPStatus.TOO_MANY_REQUESTS, b"Too Many Requests", "text/plain", headers)
        if failure.mode == SERVER_ERROR:
            return Reply(HTTPStatus.INTERNAL_SERVER_ERROR, b"Internal Server Error", "text/plain")
        if failure.mode == UNAVAILABLE:
            return Reply(HTTPStatus.SERVICE_UNAVAILABLE, b"Service Unavailable", "text/plain", headers)
        if failure.mode == GARBAGE:
            return Reply(HTTPStatus.OK, MAINTENANCE, "text/html")
        return None

    # --- the handler's side ---------------------------------------------------------------------

    def _record(self, received: Received) -> Failure | None:
        """Keep the request; the failure queued for its endpoint, taken off the queue."""
        with self._lock:
            self.received.append(received)
            failure = next((f for f in self._failures if f.endpoint == received.endpoint), None)
            if failure is not None:
                self._failures.remove(failure)
            return failure

    def _wait_slowly(self) -> bool:
        """Sleep `delay` seconds; False when the fake was stopped meanwhile."""
        return not self._released.wait(self.delay)

    def _reply_for(self, received: Received) -> Reply | None:
        """None means: hang up without a word."""
        failure = self._record(received)
        if self.mode == HANG_UP:
            return None
        if self.mode == SLOW and not self._wait_slowly():
            return None  # stopped while waiting: the client gave up long ago
        if self.mode == ERROR:
            return self.error_reply(received)
        if self.mode == GARBAGE:
            return Reply(HTTPStatus.OK, b"<html><body>Mentenanta</body></html>", "text/html")
        if failure is None:
            return self.canned or self.answer(received)
        if failure.mode == HANG_UP:
            return None
        reply = self.failure_reply(failure) or self.answer(received)
        if failure.mode == HANG_UP_AFTER or (failure.mode == SLOW and not self._wait_slowly()):
            return None
        return reply


def _handler_for(fake: FakeService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in separate writes; with Nagle's algorithm the body waits for
        # the client's delayed ACK (~40 ms per answer), which would dominate every benchmark.
        disable_nagle_algorithm = True

        def do_GET(self) -> None:
            self._serve()

        def do_POST(self) -> None:
            self._serve()

        def do_PUT(self) -> None:
            self._serve()

        def do_DELETE(self) -> None:
            self._serve()

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            received = Received(
                method=self.command,
                path=self.path,
                headers={key.lower(): value for key, value in self.headers.items()},
                body=self.rfile.read(length),
            )
            reply = fake._reply_for(received)
            if reply is None:
                self.close_connection = True
                return
            self.send_response(reply.status)
            self.send_header("Content-Type", _with_charset(reply.content_type))
            self.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(reply.body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output clean

    return Handler


def _with_charset(content_type: str) -> str:
    textual = content_type.startswith("text/") or content_type.endswith(("/json", "/xml"))
    return f"{content_type}; charset=utf-8" if textual and "charset" not in content_type else content_type
