"""ANAF's e-Factura REST API (``EFACTURA_API_URL``: https://api.anaf.ro/{test,prod}/FCTEL/rest).

Every call carries ``Authorization: Bearer <access token>`` from a TokenSource (by default the
tokens PRAHO stored when staff connected it to ANAF, praho.efactura.tokens):

- ``POST /upload?standard=UBL|CN|CII|RASP&cif=<seller CIF>`` (+ ``extern=DA``, ``autofactura=DA``,
  ``executare=DA``), the XML as a text/plain body; ``POST /uploadb2c`` the same for consumers;
- ``GET /stareMesaj?id_incarcare=<index>``; ``GET /descarcare?id=<download id>``;
- ``GET /listaMesajeFactura?zile=1..60&cif=...`` and ``GET /listaMesajePaginatieFactura?
  startTime=<ms>&endTime=<ms>&cif=...&pagina=N`` (both with an optional ``filtru``).

The answers are read by anaf_answers.py; the errors raised are those of anaf_errors.py.

Retries: reads are repeated here on HTTP 429, 5xx and network errors, a few times with
backoff (settings EFACTURA_RETRY_*). An upload is never repeated blindly: once its request may
have reached ANAF, a lost answer is an AnafUnknownOutcomeError and the caller must look for
the upload in the message list before sending the document again. A 401 is answered by
renewing the token once and repeating the request: ANAF refused it at the door, so even an
upload is safe to repeat.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Protocol, TypeVar

import httpx
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from praho.customers.gateways import USER_AGENT
from praho.efactura.gateways import anaf_answers as answers
from praho.efactura.gateways.anaf_answers import (
    MessageFilter,
    MessageItem,
    ProcessingState,
    Standard,
    StatusResult,
    UploadResult,
)
from praho.efactura.gateways.anaf_errors import (
    AnafAuthError,
    AnafConfigurationError,
    AnafError,
    AnafRateLimitedError,
    AnafRejectedError,
    AnafRetryableError,
    AnafUnknownOutcomeError,
)

__all__ = [
    "AnafEfacturaClient",
    "MessageFilter",
    "MessageItem",
    "ProcessingState",
    "Standard",
    "StatusResult",
    "TokenSource",
    "UploadResult",
]

logger = logging.getLogger(__name__)

MAX_LIST_DAYS = 60  # ANAF keeps messages (and their ZIPs) for 60 days
MAX_PAGES = 1000  # a bound on a list walk, far above any real month of invoices
# Requests that failed before a byte was sent: ANAF cannot have seen them.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
T = TypeVar("T")


class TokenSource(Protocol):
    def access_token(self) -> str:
        """A valid access token (refreshed first when it is about to expire)."""
        ...

    def renew(self, rejected: str) -> str:
        """An access token other than `rejected`, which ANAF has just refused."""
        ...


class AnafEfacturaClient:
    """One client per task or request; `close()` it (or use `with`) to free its connections."""

    def __init__(
        self,
        *,
        tokens: TokenSource | None = None,
        base_url: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if tokens is None:
            # Imported here: a gateway does not depend on services, only this default does.
            from praho.efactura.tokens import StoredTokens

            tokens = StoredTokens()
        self._tokens = tokens
        self._base_url = (base_url or settings.EFACTURA_API_URL).rstrip("/")
        self._sleep = sleep
        self._http = httpx.Client(
            timeout=settings.EFACTURA_HTTP_TIMEOUT,
            headers={"User-Agent": USER_AGENT},
        )

    def __enter__(self) -> AnafEfacturaClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # --- the API ---------------------------------------------------------------------------

    def upload(
        self,
        xml: bytes,
        *,
        cif: str,
        standard: Standard | str = Standard.UBL,
        b2c: bool = False,
        external: bool = False,
        self_billed: bool = False,
    ) -> UploadResult:
        """Send one document; its upload index comes back at once, its verdict later (status()).

        `external`: the buyer is not Romanian (extern=DA); `self_billed`: the buyer issued it
        (autofactura=DA); `b2c`: the buyer is a consumer (/uploadb2c).
        Raises AnafRejectedError (nothing registered), AnafUnknownOutcomeError, AnafRetryableError
        (certainly not registered: try again later), AnafConfigurationError (not registered: the
        API address or the file's size must be fixed) or AnafAuthError.
        """
        params = {"standard": Standard(standard).value, "cif": normalize_cif(cif)}
        if external:
            params["extern"] = "DA"
        if self_billed:
            params["autofactura"] = "DA"
        path = "/uploadb2c" if b2c else "/upload"
        response = self._request("POST", path, params=params, content=xml)
        try:
            return answers.parse_upload(response.content)
        except AnafRateLimitedError:
            raise  # ANAF's daily limit refused it before registering anything: certainly not there
        except AnafRetryableError as error:
            # A 200 we cannot read may well carry an index we never saw.
            raise _unknown_outcome(path, error.detail) from error

    def status(self, upload_index: str) -> StatusResult:
        """Where ANAF is with an upload. Raises AnafRejectedError for an unknown index."""
        index = _digits(upload_index, "upload index")
        return self._read("/stareMesaj", {"id_incarcare": index}, answers.parse_status)

    def download(self, download_id: str) -> bytes:
        """The ZIP ANAF signed (invoice or error report, with its signature), checked to open.

        Read it with anaf_answers.read_answer(). ANAF keeps it 60 days: archive it.
        """
        download = _digits(download_id, "download id")
        return self._read("/descarcare", {"id": download}, answers.check_download)

    def messages(self, *, cif: str, days: int, kind: MessageFilter | None = None) -> list[MessageItem]:
        """The messages of the last `days` (1..60) days for this CIF, newest as ANAF orders them."""
        if not 1 <= days <= MAX_LIST_DAYS:
            raise ValueError(f"days must be between 1 and {MAX_LIST_DAYS}, not {days}")
        params = {"zile": str(days), "cif": normalize_cif(cif)}
        if kind is not None:
            params["filtru"] = MessageFilter(kind).value
        return self._read("/listaMesajeFactura", params, answers.parse_messages).messages

    def messages_between(
        self, *, cif: str, start: datetime, end: datetime, kind: MessageFilter | None = None
    ) -> list[MessageItem]:
        """The messages created between `start` and `end` (aware; within the last 60 days), every page."""
        params = {
            "startTime": str(int(start.timestamp() * 1000)),
            "endTime": str(int(end.timestamp() * 1000)),
            "cif": normalize_cif(cif),
        }
        if kind is not None:
            params["filtru"] = MessageFilter(kind).value
        found: list[MessageItem] = []
        for page_number in range(1, MAX_PAGES + 1):
            page = self._read(
                "/listaMesajePaginatieFactura", {**params, "pagina": str(page_number)}, answers.parse_messages
            )
            found.extend(page.messages)
            if page_number >= page.total_pages:
                break
        return found

    # --- HTTP ------------------------------------------------------------------------------

    def _read(self, path: str, params: dict[str, str], parse: Callable[[bytes], T]) -> T:
        """A GET, repeated on temporary failures (bounded, with backoff or ANAF's Retry-After)."""
        attempts = max(1, settings.EFACTURA_RETRY_ATTEMPTS)
        for attempt in range(1, attempts + 1):
            try:
                return parse(self._request("GET", path, params=params).content)
            except AnafRetryableError as error:
                delay = self._delay(attempt, error)
                if attempt == attempts or delay is None:
                    raise
                logger.info("ANAF %s: %s; attempt %s again in %.2fs", path, error.detail, attempt + 1, delay)
                self._sleep(delay)
        raise AssertionError("unreachable")  # the loop returns or raises

    @staticmethod
    def _delay(attempt: int, error: AnafRetryableError) -> float | None:
        """Seconds to wait before the next attempt; None when that is the caller's business."""
        if error.retry_after is not None:
            return (
                error.retry_after if error.retry_after <= settings.EFACTURA_RETRY_MAX_WAIT_SECONDS else None
            )
        backoff: float = settings.EFACTURA_RETRY_BACKOFF_SECONDS * 2 ** (attempt - 1)
        return backoff

    def _request(
        self, method: str, path: str, *, params: dict[str, str], content: bytes | None = None
    ) -> httpx.Response:
        """One request, once more after renewing a refused token; errors sorted by what can follow."""
        token = self._tokens.access_token()
        response = self._send(method, path, params=params, content=content, token=token)
        if response.status_code == httpx.codes.UNAUTHORIZED:
            response = self._send(
                method, path, params=params, content=content, token=self._tokens.renew(token)
            )
        _raise_for_status(method, path, response)
        return response

    def _send(
        self, method: str, path: str, *, params: dict[str, str], content: bytes | None, token: str
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"}
        if content is not None:
            headers["Content-Type"] = "text/plain"
        try:
            return self._http.request(
                method, self._base_url + path, params=params, content=content, headers=headers
            )
        except _NOT_SENT as error:
            raise _unavailable(path, f"{type(error).__name__}: {error}") from error
        except httpx.HTTPError as error:
            detail = f"{type(error).__name__}: {error}"
            if method == "POST":
                raise _unknown_outcome(path, detail) from error
            raise _unavailable(path, detail) from error


def normalize_cif(cif: str) -> str:
    """The CIF as ANAF's API wants it: digits only, without the "RO" of a VAT number."""
    digits = cif.strip().upper().removeprefix("RO").strip()
    return _digits(digits, "CIF")


def _digits(value: str, name: str) -> str:
    value = str(value).strip()
    if not value.isdigit():
        raise ValueError(f"{name} must be digits, not {value!r}")
    return value


def _raise_for_status(method: str, path: str, response: httpx.Response) -> None:
    status = response.status_code
    detail = f"HTTP {status}: {response.text[:300]!r}"
    if status == httpx.codes.OK:
        return
    if status in (httpx.codes.UNAUTHORIZED, httpx.codes.FORBIDDEN):
        logger.warning("ANAF %s refused our token: %s", path, detail)
        raise AnafAuthError(
            _("ANAF refused PRAHO's authorization; connect PRAHO to ANAF again."), detail=detail
        )
    if status == httpx.codes.TOO_MANY_REQUESTS:
        # Refused before any processing, so even an upload is certainly not registered.
        raise AnafRateLimitedError(
            _("ANAF asks PRAHO to slow down; the request will be tried again later."),
            retry_after=_retry_after(response),
            detail=detail,
        )
    if status >= httpx.codes.INTERNAL_SERVER_ERROR:
        if method == "POST":
            raise _unknown_outcome(path, detail)
        raise _unavailable(path, detail, retry_after=_retry_after(response))
    raise _refusal(path, response)


# Answers of the web server in front of the service, not of e-Factura: the request never got a verdict.
_NOT_THE_SERVICE = (
    httpx.codes.NOT_FOUND,
    httpx.codes.METHOD_NOT_ALLOWED,
    httpx.codes.REQUEST_ENTITY_TOO_LARGE,
)


def _refusal(path: str, response: httpx.Response) -> AnafError:
    """A 4xx other than 401/403/429: ANAF's own JSON error when it sent one; 404, 405 and 413
    are a configuration error (wrong address, file too large), never ANAF's verdict on a document."""
    detail = f"{path}: HTTP {response.status_code}: {response.text[:300]!r}"
    if response.status_code in _NOT_THE_SERVICE:
        logger.error("ANAF %s: %s", path, detail)
        if response.status_code == httpx.codes.REQUEST_ENTITY_TOO_LARGE:
            message = _("ANAF's server refused the file as too large (HTTP 413); nothing was registered.")
        else:
            message = _(
                "ANAF's server has no %(path)s at the configured address (HTTP %(status)s); check "
                "EFACTURA_API_URL. Nothing was registered."
            ) % {"path": path, "status": response.status_code}
        return AnafConfigurationError(message, detail=detail)
    message = response.text[:300]
    try:
        body = response.json()
        if isinstance(body, dict):
            message = str(body.get("message") or body.get("eroare") or body.get("error") or message)
    except ValueError:
        pass
    return AnafRejectedError(
        _("ANAF refused the request (HTTP %(status)s): %(message)s")
        % {"status": response.status_code, "message": message},
        errors=(message,),
        detail=detail,
    )


def _retry_after(response: httpx.Response) -> float | None:
    """Retry-After in seconds, given as seconds or as an HTTP date."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - timezone.now()).total_seconds())


def _unavailable(path: str, detail: str, *, retry_after: float | None = None) -> AnafRetryableError:
    logger.warning("ANAF %s did not answer: %s", path, detail)
    return AnafRetryableError(
        _("ANAF's e-Factura service did not answer; try again later."),
        retry_after=retry_after,
        detail=f"{path}: {detail}",
    )


def _unknown_outcome(path: str, detail: str) -> AnafUnknownOutcomeError:
    logger.warning("ANAF %s: the upload was sent but its answer was lost: %s", path, detail)
    return AnafUnknownOutcomeError(
        _(
            "The document was sent to ANAF but its answer was lost; PRAHO must check ANAF's "
            "message list before sending it again."
        ),
        detail=f"{path}: {detail}",
    )
