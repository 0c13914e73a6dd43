"""Local stand-ins for the services the customers app calls.

Each fake is a real HTTP server on 127.0.0.1 and a free port, in a thread,
speaking the service's documented format, so the code under test goes through
httpx, sockets and timeouts exactly as in production. A fake counts the
requests it receives and can be switched into the ways a real service fails.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# The ways a service can be down.
UP = "up"
HANG_UP = "hang_up"  # closes the connection without answering
SLOW = "slow"  # answers only after `delay` seconds, past any sane timeout
ERROR = "error"  # answers with the service's own error (see each fake)
GARBAGE = "garbage"  # answers 200 with an HTML page instead of JSON
MODES = (UP, HANG_UP, SLOW, ERROR, GARBAGE)


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    content_type: str = "application/json"

    @classmethod
    def of_json(cls, status: int, payload: Any) -> Reply:
        return cls(status, json.dumps(payload, ensure_ascii=False).encode())


class FakeService:
    """Subclasses implement `answer(received) -> Reply` for a service that is up."""

    delay = 5.0

    def __init__(self) -> None:
        self.mode = UP
        self.canned: Reply | None = None
        self.received: list[Received] = []
        self._lock = threading.Lock()
        self._released = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        # A short poll interval: shutdown() waits for the next poll, and every test stops a fake.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.01},
            name=type(self).__name__,
            daemon=True,
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def request_count(self) -> int:
        with self._lock:
            return len(self.received)

    def reply_always(self, reply: Reply) -> None:
        """Answer every request with `reply`: for answers the service should never give."""
        self.canned = reply

    def go_down(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"Unknown mode {mode!r}; choose one of {MODES}")
        self.mode = mode

    def start(self) -> FakeService:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._released.set()  # wake any SLOW handler so nothing outlives the test
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeService:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def answer(self, received: Received) -> Reply:
        raise NotImplementedError

    def error_reply(self, received: Received) -> Reply:
        return Reply(HTTPStatus.SERVICE_UNAVAILABLE, b"Service Unavailable", "text/plain")

    def _record(self, received: Received) -> None:
        with self._lock:
            self.received.append(received)

    def _reply_for(self, received: Received) -> Reply | None:
        """None means: hang up without a word."""
        if self.mode == HANG_UP:
            return None
        if self.mode == SLOW and self._released.wait(self.delay):
            return None  # stopped while waiting: the client gave up long ago
        if self.mode == ERROR:
            return self.error_reply(received)
        if self.mode == GARBAGE:
            return Reply(HTTPStatus.OK, b"<html><body>Mentenanta</body></html>", "text/html")
        return self.canned or self.answer(received)


def _handler_for(fake: FakeService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._serve()

        def do_POST(self) -> None:
            self._serve()

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            received = Received(
                method=self.command,
                path=self.path,
                headers={key.lower(): value for key, value in self.headers.items()},
                body=self.rfile.read(length),
            )
            fake._record(received)
            reply = fake._reply_for(received)
            if reply is None:
                self.close_connection = True
                return
            self.send_response(reply.status)
            self.send_header("Content-Type", f"{reply.content_type}; charset=utf-8")
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output clean

    return Handler
