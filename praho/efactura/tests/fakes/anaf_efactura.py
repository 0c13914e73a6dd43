"""A local ANAF e-Factura: its OAuth2 server and its REST API, as a real HTTP server.

OAuth (under /anaf-oauth2/v1, one registered client and redirect URI):
- GET /authorize?response_type=code&client_id&redirect_uri&state&token_content_type=jwt: redirects
  (302) to redirect_uri?code=...&state=..., or ?error=access_denied&error_description=... after
  `refuse_authorization()`; an unknown client or redirect URI gets an error page, no redirect;
- POST /token (form; client id/secret in the form or HTTP Basic): grant_type=authorization_code
  (single-use code, same redirect_uri) or refresh_token (rotated: the old one dies); answers
  {"access_token", "token_type": "Bearer", "refresh_token", "expires_in"}, or {"error",
  "error_description"} with 400/401. Only JWT tokens (token_content_type=jwt) open the API.

API (under /test/FCTEL/rest and /prod/FCTEL/rest, Bearer token required, 401 otherwise):
- POST /upload, /uploadb2c?standard&cif: registers the XML, answers ExecutionStatus="0" with
  index_incarcare, or ExecutionStatus="1" with <Errors> for a bad standard, CIF or file;
- GET /stareMesaj?id_incarcare: "in prelucrare" for `polls` calls, then the verdict chosen with
  `decide()` (ok / nok with id_descarcare, or "XML cu erori nepreluat de sistem"); <Errors> for
  an index that is not a number or unknown;
- GET /descarcare?id: a real ZIP ({index}.xml: the invoice, or ANAF's error report for nok;
  semnatura_{index}.xml: a signature), or {"eroare": ...} JSON;
- GET /listaMesajeFactura?zile&cif[&filtru] and /listaMesajePaginatieFactura?startTime&endTime
  &cif&pagina[&filtru]: a message per upload with a verdict (FACTURA TRIMISA / ERORI FACTURA).

Failures, per endpoint (the last path segment) and for the next `times` requests, with
`fail_next()` (praho.testing.fakes.service): HANG_UP (close before doing anything), HANG_UP_AFTER
(do the work, e.g. register the upload, then close without answering), SLOW (do the work, answer
after `delay` seconds), TOO_MANY_REQUESTS (429, with Retry-After when given), SERVER_ERROR (500),
UNAVAILABLE (503), GARBAGE (a 200 maintenance page), and ANAF's own: DAILY_LIMIT (ANAF's 200
answer "S-au facut deja ..."), LATE_PROCESSING ("in prelucrare" for an upload whatever its
verdict: an answer that arrives late, after another worker's poll has already got the verdict).
"""

from __future__ import annotations

import base64
import hashlib
import io
import math
import secrets
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit
from xml.sax.saxutils import quoteattr

from django.utils import timezone
from lxml import etree

from praho.core.validation import FISCAL_TIME_ZONE
from praho.testing.fakes.service import FAILURES as HTTP_FAILURES
from praho.testing.fakes.service import Failure, FakeService, Received, Reply

OAUTH_PATH = "/anaf-oauth2/v1"
API_PATHS = ("/test/FCTEL/rest", "/prod/FCTEL/rest")
CLIENT_ID = "fake-anaf-client"
CLIENT_SECRET = "fake-anaf-secret"
REDIRECT_URI = "http://testserver/staff/efactura/anaf/callback/"
ACCESS_LIFETIME = 7_776_000  # 90 days, as ANAF documents

DAILY_LIMIT = "daily_limit"
LATE_PROCESSING = "late_processing"
FAILURES = (*HTTP_FAILURES, DAILY_LIMIT, LATE_PROCESSING)

OK, NOK, XML_ERRORS = "ok", "nok", "XML cu erori nepreluat de sistem"
UPLOAD_NS = "mfp:anaf:dgti:spv:respUploadFisier:v1"
STATUS_NS = "mfp:anaf:dgti:efactura:stareMesajFactura:v1"
ERRORS_NS = "mfp:anaf:dgti:efactura:mesajEroriFactuta:v1"
STANDARDS = ("UBL", "CN", "CII", "RASP")


@dataclass
class Upload:
    index: str
    cif: str
    standard: str
    params: dict[str, str]
    xml: bytes
    received_at: datetime
    outcome: str
    polls_left: int
    errors: tuple[str, ...]
    download_id: str = ""
    done_at: datetime | None = None
    report: bytes | None = None  # the error report in the ZIP instead of one built from `errors`

    @property
    def done(self) -> bool:
        return self.done_at is not None


class FakeAnafEfactura(FakeService):
    failures = FAILURES

    def __init__(
        self,
        *,
        port: int = 0,
        client_id: str = CLIENT_ID,
        client_secret: str = CLIENT_SECRET,
        redirect_uri: str = REDIRECT_URI,
    ) -> None:
        super().__init__(port=port)
        self.client_id, self.client_secret, self.redirect_uri = client_id, client_secret, redirect_uri
        self.uploads: dict[str, Upload] = {}
        self.access_lifetime = ACCESS_LIFETIME
        self.page_size = 500
        self.refuse_refresh = False
        self.issued_tokens: list[dict[str, Any]] = []  # every token answer given, oldest first
        self._authorization_refusal: tuple[str, str] | None = None
        self._codes: dict[str, str] = {}
        self._access_tokens: set[str] = set()
        self._refresh_tokens: set[str] = set()
        self._verdict: tuple[str, int, tuple[str, ...]] = (OK, 1, ())
        self._report: bytes | None = None
        self._next_index = 5_000_000_001
        self._next_download = 3_000_000_001

    # --- addresses -------------------------------------------------------------------------

    @property
    def api_url(self) -> str:
        return self.url + API_PATHS[0]

    @property
    def authorize_url(self) -> str:
        return self.url + OAUTH_PATH + "/authorize"

    @property
    def token_url(self) -> str:
        return self.url + OAUTH_PATH + "/token"

    # --- scripting -------------------------------------------------------------------------

    def decide(
        self, outcome: str, *, polls: int = 1, errors: tuple[str, ...] = (), report: bytes | None = None
    ) -> None:
        """The verdict on the uploads that follow, after `polls` answers of "in prelucrare";
        `report`: the bytes of a rejection's error report as they are (e.g. a broken one)."""
        if outcome not in (OK, NOK, XML_ERRORS):
            raise ValueError(outcome)
        self._verdict = (outcome, polls, errors or ("E: validari globale eroare regula: BR-RO-010",))
        self._report = report

    def refuse_authorization(self, error: str, description: str) -> None:
        self._authorization_refusal = (error, description)

    def finish(self, index: str) -> Upload:
        """Reach the verdict on an upload now, as ANAF does whether or not anyone asks."""
        with self._lock:
            upload = self.uploads[index]
            if not upload.done:
                upload.done_at = timezone.now()
                upload.polls_left = 0
                if upload.outcome in (OK, NOK):
                    upload.download_id = str(self._next_download)
                    self._next_download += 1
            return upload

    def expire_access_tokens(self) -> None:
        """ANAF stops accepting every access token issued so far (the API answers 401)."""
        with self._lock:
            self._access_tokens.clear()

    # --- the handler's side ----------------------------------------------------------------

    def answer(self, received: Received) -> Reply:
        split = urlsplit(received.path)
        query = {key: values[0] for key, values in parse_qs(split.query).items()}
        if split.path == OAUTH_PATH + "/authorize" and received.method == "GET":
            return self._authorize(query)
        if split.path == OAUTH_PATH + "/token" and received.method == "POST":
            return self._token(received)
        base, _slash, endpoint = split.path.rpartition("/")
        route = _ROUTES.get((received.method, endpoint))
        if base not in API_PATHS or route is None:
            return Reply(HTTPStatus.NOT_FOUND, b"<html><body>404 Not Found</body></html>", "text/html")
        if not self._bearer_ok(received):
            return _json(
                {"status": 401, "error": "Unauthorized", "message": "Token invalid sau expirat"},
                HTTPStatus.UNAUTHORIZED,
            )
        with self._lock:
            return route(self, query, received)

    def failure_reply(self, failure: Failure) -> Reply | None:
        """ANAF's own failures; the plain HTTP ones are the base's."""
        if failure.mode == DAILY_LIMIT:
            message = "S-au facut deja 20 descarcari de mesaj in cursul zilei"
            if failure.endpoint == "descarcare":
                return _json({"eroare": message, "titlu": "Descarcare mesaj"})
            return Reply.of_xml(f'<header xmlns="{STATUS_NS}"><Errors errorMessage="{message}"/></header>')
        if failure.mode == LATE_PROCESSING:
            return Reply.of_xml(f'<header xmlns="{STATUS_NS}" stare="in prelucrare"/>')
        return super().failure_reply(failure)

    # --- OAuth -----------------------------------------------------------------------------

    def _authorize(self, query: dict[str, str]) -> Reply:
        if query.get("client_id") != self.client_id or query.get("redirect_uri") != self.redirect_uri:
            return Reply(
                HTTPStatus.BAD_REQUEST, b"<html><body>Aplicatie necunoscuta</body></html>", "text/html"
            )
        state = query.get("state", "")
        with self._lock:
            if self._authorization_refusal is not None:
                error, description = self._authorization_refusal
                answer = {"error": error, "error_description": description, "state": state}
            else:
                code = secrets.token_urlsafe(16)
                self._codes[code] = query.get("token_content_type", "")
                answer = {"code": code, "state": state}
        return Reply(
            HTTPStatus.FOUND, b"", "text/html", {"Location": f"{self.redirect_uri}?{urlencode(answer)}"}
        )

    def _token(self, received: Received) -> Reply:
        form = {key: values[0] for key, values in parse_qs(received.body.decode()).items()}
        client_id, client_secret = _client_credentials(received, form)
        if client_id != self.client_id or client_secret != self.client_secret:
            return _oauth_error("invalid_client", "Client authentication failed", HTTPStatus.UNAUTHORIZED)
        grant_type = form.get("grant_type")
        with self._lock:
            if grant_type == "authorization_code":
                if form.get("code") not in self._codes or form.get("redirect_uri") != self.redirect_uri:
                    return _oauth_error("invalid_grant", "Invalid authorization code")
                del self._codes[form["code"]]
            elif grant_type == "refresh_token":
                if self.refuse_refresh or form.get("refresh_token") not in self._refresh_tokens:
                    return _oauth_error("invalid_grant", "Invalid refresh token")
                self._refresh_tokens.discard(form["refresh_token"])
            else:
                return _oauth_error("unsupported_grant_type", f"Unsupported grant type {grant_type}")
            return _json(self._issue_tokens(jwt=form.get("token_content_type") == "jwt"))

    def _issue_tokens(self, *, jwt: bool) -> dict[str, Any]:
        access = "eyJhbGciOiJSUzUxMiJ9." + secrets.token_urlsafe(24) if jwt else secrets.token_hex(16)
        refresh = "eyJhbGciOiJSUzUxMiJ9." + secrets.token_urlsafe(24)
        if jwt:  # ANAF's API accepts only JWT access tokens
            self._access_tokens.add(access)
        self._refresh_tokens.add(refresh)
        answer = {
            "access_token": access,
            "token_type": "Bearer",
            "refresh_token": refresh,
            "expires_in": self.access_lifetime,
        }
        self.issued_tokens.append(answer)
        return answer

    def _bearer_ok(self, received: Received) -> bool:
        scheme, _space, token = received.headers.get("authorization", "").partition(" ")
        with self._lock:
            return scheme == "Bearer" and token in self._access_tokens

    # --- API -------------------------------------------------------------------------------

    def _upload(self, query: dict[str, str], received: Received) -> Reply:
        standard, cif = query.get("standard", ""), query.get("cif", "")
        if standard not in STANDARDS:
            return _upload_refused("Valorile acceptate pentru parametrul standard sunt UBL, CN, CII sau RASP")
        if not cif.isdigit():
            return _upload_refused(f"CIF introdus= {cif} nu este un numar")
        try:
            etree.fromstring(received.body, etree.XMLParser(resolve_entities=False, no_network=True))
        except etree.XMLSyntaxError:
            return _upload_refused("Fisierul transmis nu este valid. org.xml.sax.SAXParseException")
        outcome, polls, errors = self._verdict
        index = str(self._next_index)
        self._next_index += 1
        self.uploads[index] = Upload(
            index=index,
            cif=cif,
            standard=standard,
            params=dict(query),
            xml=received.body,
            received_at=timezone.now(),
            outcome=outcome,
            polls_left=polls,
            errors=errors,
            report=self._report,
        )
        return Reply.of_xml(
            f'<header xmlns="{UPLOAD_NS}" dateResponse="{_anaf_time(timezone.now())}" '
            f'ExecutionStatus="0" index_incarcare="{index}"/>'
        )

    def _status(self, query: dict[str, str], received: Received) -> Reply:
        index = query.get("id_incarcare", "")
        if not index.isdigit():
            return _status_errors(f"Id_incarcare introdus= {index} nu este un numar intreg")
        upload = self.uploads.get(index)
        if upload is None:
            return _status_errors(f"Nu exista factura cu id_incarcare= {index}")
        if not upload.done and upload.polls_left > 0:
            upload.polls_left -= 1
            return Reply.of_xml(f'<header xmlns="{STATUS_NS}" stare="in prelucrare"/>')
        self.finish(index)
        download = f' id_descarcare="{upload.download_id}"' if upload.download_id else ""
        return Reply.of_xml(f'<header xmlns="{STATUS_NS}" stare="{upload.outcome}"{download}/>')

    def _download(self, query: dict[str, str], received: Received) -> Reply:
        download_id = query.get("id", "")
        upload = next(
            (u for u in self.uploads.values() if u.download_id and u.download_id == download_id), None
        )
        if upload is None:
            return _json(
                {
                    "eroare": f"Pentru id={download_id} nu exista inregistrata nici o factura",
                    "titlu": "Descarcare mesaj",
                }
            )
        return Reply(HTTPStatus.OK, answer_zip(upload), "application/octet-stream")

    def _list(self, query: dict[str, str], received: Received) -> Reply:
        days, cif = query.get("zile", ""), query.get("cif", "")
        if not days.isdigit() or not 1 <= int(days) <= 60:
            return _list_error(f"Numarul de zile trebuie sa fie intre 1 si 60, nu {days}")
        if not cif.isdigit():
            return _list_error(f"CIF introdus= {cif} nu este un numar")
        since = timezone.now() - timedelta(days=int(days))
        found = self._messages(cif, query.get("filtru"), lambda done_at: done_at >= since)
        if not found:
            return _list_error(f"Nu exista mesaje in ultimele {days} zile")
        return _json({"mesaje": found, "serial": "1234AA456", "cui": cif, "titlu": "Lista Mesaje"})

    def _list_pages(self, query: dict[str, str], received: Received) -> Reply:
        cif, start, end, page = (query.get(k, "") for k in ("cif", "startTime", "endTime", "pagina"))
        if not (cif.isdigit() and start.isdigit() and end.isdigit() and page.isdigit()):
            return _list_error("Parametrii cif, startTime, endTime si pagina sunt obligatorii si numerici")
        first = datetime.fromtimestamp(int(start) / 1000, tz=FISCAL_TIME_ZONE)
        last = datetime.fromtimestamp(int(end) / 1000, tz=FISCAL_TIME_ZONE)
        if first < timezone.now() - timedelta(days=60) or last <= first:
            return _list_error("Intervalul startTime - endTime este invalid (cel mult 60 de zile in urma)")
        found = self._messages(cif, query.get("filtru"), lambda done_at: first <= done_at <= last)
        if not found:
            return _list_error("Nu exista mesaje in intervalul selectat")
        pages = math.ceil(len(found) / self.page_size)
        number = int(page)
        if not 1 <= number <= pages:
            return _list_error(
                f"Pagina solicitata {number} este mai mare decat numarul total de pagini {pages}"
            )
        chunk = found[(number - 1) * self.page_size : number * self.page_size]
        return _json(
            {
                "mesaje": chunk,
                "numar_inregistrari_in_pagina": len(chunk),
                "numar_total_inregistrari_per_pagina": self.page_size,
                "numar_total_inregistrari": len(found),
                "numar_total_pagini": pages,
                "index_pagina_curenta": number,
                "serial": "1234AA456",
                "cui": cif,
                "titlu": "Lista Mesaje",
            }
        )

    def _messages(self, cif: str, kind: str | None, when: Any) -> list[dict[str, str]]:
        wanted = {"T": (OK,), "E": (NOK,), None: (OK, NOK)}.get(kind, ())
        finished = [
            u
            for u in self.uploads.values()
            if u.done_at and u.cif == cif and u.outcome in wanted and when(u.done_at)
        ]
        return [_message(upload) for upload in sorted(finished, key=lambda u: u.index, reverse=True)]


_ROUTES: dict[tuple[str, str], Any] = {
    ("POST", "upload"): FakeAnafEfactura._upload,
    ("POST", "uploadb2c"): FakeAnafEfactura._upload,
    ("GET", "stareMesaj"): FakeAnafEfactura._status,
    ("GET", "descarcare"): FakeAnafEfactura._download,
    ("GET", "listaMesajeFactura"): FakeAnafEfactura._list,
    ("GET", "listaMesajePaginatieFactura"): FakeAnafEfactura._list_pages,
}


def answer_zip(upload: Upload) -> bytes:
    """What ANAF signs: the invoice as uploaded (accepted) or its error report (rejected)."""
    if upload.outcome == OK:
        document = upload.xml
    elif upload.report is not None:
        document = upload.report
    else:
        errors = "".join(f"<Error errorMessage={quoteattr(error)}/>" for error in upload.errors)
        document = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<header xmlns="{ERRORS_NS}" '
            f'Index_incarcare="{upload.index}" Cif_emitent="{upload.cif}">{errors}</header>'
        ).encode()
    digest = base64.b64encode(hashlib.sha256(document).digest()).decode()
    signature = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<DetachedSignature xmlns="mfp:anaf:dgti:efactura:semnatura:v1">'
        '<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo><ds:Reference>'
        '<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>'
        f"<ds:DigestValue>{digest}</ds:DigestValue></ds:Reference></ds:SignedInfo>"
        "<ds:SignatureValue>ZmFrZQ==</ds:SignatureValue></ds:Signature></DetachedSignature>"
    ).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{upload.index}.xml", document)
        archive.writestr(f"semnatura_{upload.index}.xml", signature)
    return buffer.getvalue()


def _message(upload: Upload) -> dict[str, str]:
    assert upload.done_at is not None
    accepted = upload.outcome == OK
    details = (
        f"Factura cu id_incarcare={upload.index} emisa de cif_emitent={upload.cif} pentru cif_beneficiar=0"
        if accepted
        else f"Erori de validare identificate la factura primita cu id_incarcare={upload.index}"
    )
    return {
        "data_creare": _anaf_time(upload.done_at),
        "cif": upload.cif,
        "id_solicitare": upload.index,
        "detalii": details,
        "tip": "FACTURA TRIMISA" if accepted else "ERORI FACTURA",
        "id": upload.download_id,
    }


def _anaf_time(moment: datetime) -> str:
    return moment.astimezone(FISCAL_TIME_ZONE).strftime("%Y%m%d%H%M")


def _upload_refused(message: str) -> Reply:
    return Reply.of_xml(
        f'<header xmlns="{UPLOAD_NS}" dateResponse="{_anaf_time(timezone.now())}" ExecutionStatus="1">'
        f"<Errors errorMessage={quoteattr(message)}/></header>"
    )


def _status_errors(message: str) -> Reply:
    return Reply.of_xml(f'<header xmlns="{STATUS_NS}"><Errors errorMessage={quoteattr(message)}/></header>')


def _list_error(message: str) -> Reply:
    return _json({"eroare": message, "titlu": "Lista Mesaje"})


def _oauth_error(error: str, description: str, status: int = HTTPStatus.BAD_REQUEST) -> Reply:
    return _json({"error": error, "error_description": description}, status)


def _client_credentials(received: Received, form: dict[str, str]) -> tuple[str, str]:
    scheme, _space, encoded = received.headers.get("authorization", "").partition(" ")
    if scheme == "Basic":
        client_id, _colon, secret = base64.b64decode(encoded).decode().partition(":")
        return client_id, secret
    return form.get("client_id", ""), form.get("client_secret", "")


def _json(payload: Any, status: int = HTTPStatus.OK) -> Reply:
    return Reply.of_json(status, payload)
