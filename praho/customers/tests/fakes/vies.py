"""A local VIES REST service (POST /check-vat-number).

Speaks the documented format: ``{"countryCode", "vatNumber",
"requesterMemberStateCode"?, "requesterNumber"?}`` answered with ``{"countryCode",
"vatNumber", "requestDate", "valid", "requestIdentifier", "name", "address",
"trader*"...}``. A request VIES would refuse (unknown country code such as "GR",
empty number, half a requester) gets ``{"actionSucceed": false,
"errorWrappers": [{"error": "INVALID_INPUT"}]}``. Consultation numbers are
"WAPIAAAA" and an eight-digit counter, so tests can name them.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

from praho.testing.fakes import FakeService, Received, Reply

PATH = "/check-vat-number"
# VIES's member state codes: Greece is EL, Northern Ireland XI.
MEMBER_STATES = frozenset(
    {
        *("AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "FR", "HR", "HU"),
        *("IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "XI"),
    }
)
NOT_SHARED = "---"


def error_body(code: str) -> dict[str, Any]:
    return {"actionSucceed": False, "errorWrappers": [{"error": code, "message": None}]}


class FakeVies(FakeService):
    def __init__(self, *, port: int = 0) -> None:
        """`port` 0 takes a free one (tests); `manage.py fakes` gives a fixed one."""
        super().__init__(port=port)
        # "DE136695976" -> (name, address); any other number is answered "valid": false.
        self.traders: dict[str, tuple[str, str]] = {}
        # What ERROR mode answers: VIES reports a member state being down as a business error.
        self.error_code = "MS_UNAVAILABLE"
        self.error_status: int = HTTPStatus.OK
        self._consultations = 0
        self._counter_lock = threading.Lock()

    def register(self, vat_number: str, name: str = NOT_SHARED, address: str = NOT_SHARED) -> None:
        self.traders[vat_number] = (name, address)

    def error_reply(self, received: Received) -> Reply:
        return Reply.of_json(self.error_status, error_body(self.error_code))

    def answer(self, received: Received) -> Reply:
        if received.path != PATH or received.method != "POST":
            return Reply.of_json(HTTPStatus.NOT_FOUND, error_body("NOT_FOUND"))
        request, problem = _parse(received.body)
        if problem:
            return Reply.of_json(HTTPStatus.BAD_REQUEST, error_body(problem))
        country, number = request["countryCode"], request["vatNumber"]
        trader = self.traders.get(country + number)
        name, address = trader or (NOT_SHARED, NOT_SHARED)
        return Reply.of_json(
            HTTPStatus.OK,
            {
                "countryCode": country,
                "vatNumber": number,
                "requestDate": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "valid": trader is not None,
                "requestIdentifier": self._next_identifier() if "requesterNumber" in request else "",
                "name": name,
                "address": address,
                **{f"trader{part}": "" for part in ("Name", "Street", "PostalCode", "City", "CompanyType")},
                **{
                    f"trader{part}Match": "NOT_PROCESSED"
                    for part in ("Name", "Street", "PostalCode", "City", "CompanyType")
                },
            },
        )

    def _next_identifier(self) -> str:
        with self._counter_lock:
            self._consultations += 1
            return f"WAPIAAAA{self._consultations:08d}"


def _parse(body: bytes) -> tuple[dict[str, str], str]:
    """The request, or the error code VIES would answer with."""
    try:
        request = json.loads(body)
    except ValueError:
        return {}, "INVALID_INPUT"
    if not isinstance(request, dict):
        return {}, "INVALID_INPUT"
    country, number = request.get("countryCode"), request.get("vatNumber")
    if country not in MEMBER_STATES or not isinstance(number, str) or not number.isalnum():
        return {}, "INVALID_INPUT"
    requester = (request.get("requesterMemberStateCode"), request.get("requesterNumber"))
    if requester != (None, None) and (
        requester[0] not in MEMBER_STATES or not isinstance(requester[1], str) or not requester[1].isalnum()
    ):
        return {}, "INVALID_REQUESTER_INFO"
    return request, ""
