"""Clients for the external services the customers app asks: ANAF's company
lookup (anaf.py) and the EU's VIES (vies.py).

Both answer while a member of staff waits on a form, and typing the data by
hand always works, so they share one rule: fail fast (short timeouts from
settings) and say plainly that the service did not answer.
"""

from __future__ import annotations

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.functional import Promise

USER_AGENT = "PRAHO (hosting billing platform)"


class GatewayError(Exception):
    """A service answered nothing useful. `str(error)` is translated and fit to show staff."""

    code = "gateway_error"

    def __init__(self, message: str | Promise, *, detail: str = "") -> None:
        super().__init__(str(message))
        self.message = str(message)
        # For the log only: what went wrong on the wire (never shown to staff).
        self.detail = detail

    def as_validation_error(self, field: str) -> ValidationError:
        """The same message as a field error, for forms that show it next to the field."""
        return ValidationError({field: ValidationError(self.message, code=self.code)})


class GatewayUnavailableError(GatewayError):
    """The service did not answer, answered late, or answered something unreadable."""

    code = "unavailable"


def timeout() -> httpx.Timeout:
    """Read from settings on every call so tests (and operators) can shorten them."""
    return httpx.Timeout(
        settings.GATEWAY_TIMEOUT_SECONDS,
        connect=settings.GATEWAY_CONNECT_TIMEOUT_SECONDS,
    )
