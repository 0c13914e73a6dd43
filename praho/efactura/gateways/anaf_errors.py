"""What can go wrong when PRAHO talks to ANAF, sorted by what the caller must do next.

- AnafRejectedError: ANAF answered and refused (bad parameters, an invalid file, an unknown
  index, a download past its 60 days). Repeating the same request gets the same answer.
- AnafRetryableError: ANAF did not answer usefully (HTTP 429 or 5xx on a read, network
  errors before a request was sent, a maintenance page). Try again later, after
  `retry_after` seconds when ANAF said so. AnafRateLimitedError is the 429 / daily-quota kind.
- AnafUnknownOutcomeError: an upload was sent but its answer was lost (timeout, dropped
  connection, 5xx). ANAF may have registered it: the caller must look for it in the message
  list before uploading again, or the invoice may be reported twice.
- AnafAuthError: the access token is missing, expired or refused (401), or the certificate
  holder has no rights for the CIF. Someone must connect PRAHO to ANAF again.
- AnafConfigurationError: ANAF's server does not take the request as PRAHO sends it (HTTP 404,
  405, 413): a wrong EFACTURA_API_URL, an endpoint that moved, a file too large. Nothing was
  registered; an operator must fix the setting (or the document).
"""

from __future__ import annotations

from django.utils.functional import Promise


class AnafError(Exception):
    """`str(error)` is a translated message fit to show staff; `detail` is for the log only."""

    def __init__(self, message: str | Promise, *, detail: str = "") -> None:
        super().__init__(str(message))
        self.message = str(message)
        self.detail = detail


class AnafRejectedError(AnafError):
    """ANAF refused the request; `errors` are its own messages (in Romanian), one per entry.

    For an upload it means nothing was registered: there is no upload index.
    """

    def __init__(self, message: str | Promise, *, errors: tuple[str, ...] = (), detail: str = "") -> None:
        super().__init__(message, detail=detail)
        self.errors = errors


class AnafRetryableError(AnafError):
    def __init__(self, message: str | Promise, *, retry_after: float | None = None, detail: str = "") -> None:
        super().__init__(message, detail=detail)
        # Seconds ANAF asked us to wait (Retry-After, or until its daily quota resets); None: not said.
        self.retry_after = retry_after


class AnafRateLimitedError(AnafRetryableError):
    """HTTP 429, or one of ANAF's daily limits ("S-au facut deja 20 descarcari ... in cursul zilei")."""


class AnafUnreadableAnswerError(AnafRetryableError):
    """ANAF answered something that is not one of its documented answers (e.g. a maintenance page)."""


class AnafUnknownOutcomeError(AnafError):
    """The upload reached the network but no answer came back: ANAF may or may not have it."""


class AnafConfigurationError(AnafError):
    """The request did not reach the e-Factura service as such; not ANAF's verdict on the document."""


class AnafAuthError(AnafError):
    """ANAF does not accept our authorization; connecting to ANAF again is the fix."""


class AnafNotConnectedError(AnafAuthError):
    """PRAHO holds no ANAF token for the configured OAuth client."""


class AnafNoRightsError(AnafAuthError):
    """The token is valid but its certificate holder may not act for this CIF in ANAF's SPV."""


class AnafOAuthError(AnafError):
    """ANAF's OAuth server refused a token request; `error` is the OAuth error code (invalid_grant ...)."""

    def __init__(self, message: str | Promise, *, error: str = "", detail: str = "") -> None:
        super().__init__(message, detail=detail)
        self.error = error
