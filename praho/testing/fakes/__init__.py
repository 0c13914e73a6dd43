"""The base of every local fake HTTP service (praho.testing.fakes.service)."""

from praho.testing.fakes.service import (
    ERROR,
    GARBAGE,
    HANG_UP,
    HANG_UP_AFTER,
    MODES,
    SERVER_ERROR,
    SLOW,
    TOO_MANY_REQUESTS,
    UNAVAILABLE,
    UP,
    FakeService,
    Received,
    Reply,
)

__all__ = [
    "ERROR",
    "GARBAGE",
    "HANG_UP",
    "HANG_UP_AFTER",
    "MODES",
    "SERVER_ERROR",
    "SLOW",
    "TOO_MANY_REQUESTS",
    "UNAVAILABLE",
    "UP",
    "FakeService",
    "Received",
    "Reply",
]
