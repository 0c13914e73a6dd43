"""A local copy of BNR's exchange rate files: GET /nbrfxrates.xml and /nbrfxrates10days.xml.

It serves the saved feeds in praho/billing/tests/data/ (the last banking day is
Friday 2026-11-27; the ten-day file covers 2026-11-16 to 2026-11-27) and
answers any other path with BNR's 404 page. A test can publish other content
(`publish`) or switch the fake into the ways a service fails (`go_down`).
"""

from __future__ import annotations

from http import HTTPStatus
from pathlib import Path

from praho.testing.fakes import FakeService, Received, Reply

DATA = Path(__file__).resolve().parent.parent / "data"
DAILY_PATH = "/nbrfxrates.xml"
TEN_DAYS_PATH = "/nbrfxrates10days.xml"

NOT_FOUND = b"<!DOCTYPE html><html><head><title>404</title></head><body>Pagina nu a fost gasita</body></html>"


class FakeBnr(FakeService):
    def __init__(self, *, port: int = 0) -> None:
        """`port` 0 takes a free one (tests); `manage.py fakes` gives a fixed one."""
        super().__init__(port=port)
        self.files = {
            DAILY_PATH: (DATA / "nbrfxrates.xml").read_bytes(),
            TEN_DAYS_PATH: (DATA / "nbrfxrates10days.xml").read_bytes(),
        }

    @property
    def daily_url(self) -> str:
        return self.url + DAILY_PATH

    @property
    def ten_days_url(self) -> str:
        return self.url + TEN_DAYS_PATH

    def publish(self, path: str, content: bytes) -> None:
        """Serve `content` at `path` from now on (e.g. the next day's file)."""
        self.files[path] = content

    def answer(self, received: Received) -> Reply:
        if received.method != "GET":
            return Reply(HTTPStatus.METHOD_NOT_ALLOWED, b"Method Not Allowed", "text/plain")
        content = self.files.get(received.path.split("?", 1)[0])
        if content is None:
            return Reply(HTTPStatus.NOT_FOUND, NOT_FOUND, "text/html")
        return Reply(HTTPStatus.OK, content, "text/xml")
