"""A local copy of ANAF's public e-Factura validation service.

POST <base>/FACT1 (an invoice) or <base>/FCN (a credit note), with the XML as the
text/plain body, no authentication. ANAF answers 200 with JSON in both cases:
``{"stare": "ok", "trace_id": "..."}`` for a valid document and
``{"stare": "nok", "Messages": [{"message": "..."}], "trace_id": "..."}`` for an invalid
one, each message either structured ("tipAssert=...; codEroare=BR-RO-110;
localizareEroare=/Invoice; textEroare=[BR-RO-110]-...; expresieValidata=...") or free
("E: validari globale SCHEMATRON eroare: [BR-CO-09]-...").

The fake accepts every document until told to `reject` with given messages; it does not
validate anything itself (the real rules are the local validator's business). Any other
standard gets ANAF's 404 page; other methods 405.
"""

from __future__ import annotations

import uuid
from http import HTTPStatus

from praho.testing.fakes import FakeService, Received, Reply

BASE_PATH = "/prod/FCTEL/rest/validare"
STANDARDS = ("FACT1", "FCN")


class FakeAnafValidation(FakeService):
    def __init__(self, *, port: int = 0) -> None:
        """`port` 0 takes a free one (tests); `manage.py fakes` gives a fixed one."""
        super().__init__(port=port)
        # None: accept every document; a list (even empty): answer "nok" with these messages.
        self.rejection: list[str] | None = None

    @property
    def validation_url(self) -> str:
        """What EFACTURA_REMOTE_VALIDATION_URL is set to."""
        return self.url + BASE_PATH

    def reject(self, *messages: str) -> None:
        """Answer "nok" with these messages from now on (none: a bare "nok")."""
        self.rejection = list(messages)

    def answer(self, received: Received) -> Reply:
        if received.method != "POST":
            return Reply(HTTPStatus.METHOD_NOT_ALLOWED, b"Method Not Allowed", "text/plain")
        prefix, _, standard = received.path.partition("?")[0].rpartition("/")
        if prefix != BASE_PATH or standard not in STANDARDS:
            return Reply(HTTPStatus.NOT_FOUND, b"<html><body>Not Found</body></html>", "text/html")
        trace_id = str(uuid.uuid4())
        if self.rejection is not None:
            payload = {"stare": "nok", "Messages": [{"message": text} for text in self.rejection]}
            return Reply.of_json(HTTPStatus.OK, payload | {"trace_id": trace_id})
        return Reply.of_json(HTTPStatus.OK, {"stare": "ok", "trace_id": trace_id})

    def error_reply(self, received: Received) -> Reply:
        """ANAF on a bad day: HTTP 500 with a Java server's JSON error body."""
        body = b'{"timestamp":"2026-11-28T10:00:00","status":500,"error":"Internal Server Error"}'
        return Reply(HTTPStatus.INTERNAL_SERVER_ERROR, body)
