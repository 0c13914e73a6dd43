"""ANAF's e-Factura answers, read into dataclasses (no HTTP here; anaf.py sends the requests).

The documented answers (ANAF's Swagger pages for upload, stareMesaj, descarcare and
listaMesaje; samples as recorded by OCA/l10n-romania's tests)::

    upload      <header xmlns="mfp:anaf:dgti:spv:respUploadFisier:v1" dateResponse="202108051140"
                        ExecutionStatus="0" index_incarcare="3828"/>
                ExecutionStatus="1" with <Errors errorMessage="..."/> children when refused
    stareMesaj  <header xmlns="mfp:anaf:dgti:efactura:stareMesajFactura:v1" stare="ok" id_descarcare="1234"/>
                stare="nok" (with id_descarcare: the ZIP holds the errors), stare="in prelucrare",
                stare="XML cu erori nepreluat de sistem", or <Errors errorMessage="..."/> children
    descarcare  a ZIP ({index}.xml and semnatura_{index}.xml), or JSON {"eroare": "...", "titlu": "..."}
    listaMesaje JSON {"mesaje": [{"data_creare": "202211011336", "cif": "...", "id_solicitare": "...",
                "detalii": "...", "tip": "FACTURA TRIMISA", "id": "..."}], "serial": "...", "cui": "...",
                "titlu": "Lista Mesaje"} (+ "numar_total_pagini" ... when paginated), or {"eroare": "..."}

ANAF answers most refusals with HTTP 200 and an error inside; classify_refusal() sorts its
messages into the errors of anaf_errors by what the caller has to do.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Any, cast

from django.utils import timezone
from django.utils.translation import gettext as _
from lxml import etree

from praho.core.validation import FISCAL_TIME_ZONE
from praho.efactura.gateways.anaf_errors import (
    AnafError,
    AnafNoRightsError,
    AnafRateLimitedError,
    AnafRejectedError,
    AnafUnreadableAnswerError,
)

# A signed answer is an invoice and a signature, a few MB at most: far more means a ZIP bomb.
MAX_ANSWER_BYTES = 64 * 1024 * 1024
NO_MESSAGES_PREFIX = "Nu exista mesaje"  # "... in ultimele 5 zile", "... in intervalul selectat"
_DAILY_LIMIT_PREFIX = "S-au facut deja"  # "S-au facut deja 20 descarcari de mesaj in cursul zilei"


class Standard(StrEnum):
    """The `standard` of an upload."""

    UBL = "UBL"  # a UBL 2.1 Invoice
    CN = "CN"  # a UBL 2.1 CreditNote
    CII = "CII"  # a UN/CEFACT Cross Industry Invoice
    RASP = "RASP"  # the buyer's message about an invoice received


class ProcessingState(StrEnum):
    OK = "ok"  # accepted: the signed invoice can be downloaded
    NOK = "nok"  # rejected: the download holds ANAF's errors
    PROCESSING = "processing"  # "in prelucrare": ask again later
    XML_ERRORS = "xml_errors"  # "XML cu erori nepreluat de sistem": not even registered


_STATES = {
    "ok": ProcessingState.OK,
    "nok": ProcessingState.NOK,
    "in prelucrare": ProcessingState.PROCESSING,
    "XML cu erori nepreluat de sistem": ProcessingState.XML_ERRORS,
}


class MessageKind(StrEnum):
    """The `tip` of an entry in the message list."""

    SENT = "FACTURA TRIMISA"  # an invoice we uploaded, accepted
    ERRORS = "ERORI FACTURA"  # an invoice we uploaded, rejected
    RECEIVED = "FACTURA PRIMITA"  # a supplier's invoice to us
    BUYER_MESSAGE = "MESAJ CUMPARATOR PRIMIT / MESAJ CUMPARATOR TRANSMIS"


class MessageFilter(StrEnum):
    """The list's `filtru`."""

    ERRORS = "E"
    SENT = "T"
    RECEIVED = "P"
    BUYER_MESSAGES = "R"


@dataclass(frozen=True)
class UploadResult:
    index: str  # index_incarcare: ANAF's id of this upload, to ask its status with
    response_date: datetime | None


@dataclass(frozen=True)
class StatusResult:
    state: ProcessingState
    download_id: str  # id_descarcare for OK and NOK, else ""
    errors: tuple[str, ...] = ()

    @property
    def is_final(self) -> bool:
        return self.state != ProcessingState.PROCESSING


@dataclass(frozen=True)
class MessageItem:
    id: str  # the download id of this message's ZIP
    upload_index: str  # id_solicitare: the index_incarcare of the upload it is about
    kind: str  # a MessageKind value (kept as text: ANAF may add kinds)
    cif: str
    created_at: datetime
    details: str


@dataclass(frozen=True)
class MessagePage:
    messages: list[MessageItem]
    page: int
    total_pages: int


@dataclass(frozen=True)
class AnswerArchive:
    """The ZIP from descarcare: the invoice (or ANAF's error report) and ANAF's signature over it."""

    files: dict[str, bytes]

    @property
    def signature_xml(self) -> bytes | None:
        return next((data for name, data in self.files.items() if _is_signature(name)), None)

    @property
    def document_xml(self) -> bytes | None:
        """The invoice as ANAF registered it (accepted), or its error report (rejected)."""
        return next(
            (data for name, data in self.files.items() if name.endswith(".xml") and not _is_signature(name)),
            None,
        )

    @property
    def errors(self) -> tuple[str, ...]:
        """ANAF's reasons for a rejection (empty for an accepted invoice); a report that does not
        parse is one reason saying so, the ZIP itself being archived for staff to open."""
        document = self.document_xml
        if document is None:
            return ()
        try:
            root = _xml_root(document)
        except etree.XMLSyntaxError:
            return (
                _("ANAF's error report could not be read; open the archived answer to see ANAF's errors."),
            )
        if etree.QName(root).localname != "header":
            return ()
        return _error_messages(root)


def _is_signature(name: str) -> bool:
    return name.rsplit("/", 1)[-1].lower().startswith("semnatura")


# --- the answers ---------------------------------------------------------------------------


def parse_upload(content: bytes) -> UploadResult:
    root = _header(content, "upload")
    status = root.get("ExecutionStatus")
    index = (root.get("index_incarcare") or "").strip()
    if status == "0" and index.isdigit():
        return UploadResult(index=index, response_date=_anaf_time(root.get("dateResponse")))
    errors = _error_messages(root)
    if status == "1" or errors:
        raise classify_refusal(errors, _("ANAF refused the upload"))
    raise _unreadable("upload", content)


def parse_status(content: bytes) -> StatusResult:
    root = _header(content, "stareMesaj")
    errors = _error_messages(root)
    stare = root.get("stare")
    if stare is None:
        if errors:
            raise classify_refusal(errors, _("ANAF did not give the upload's status"))
        raise _unreadable("stareMesaj", content)
    state = _STATES.get(stare.strip())
    download_id = (root.get("id_descarcare") or "").strip()
    if state is None or (state in (ProcessingState.OK, ProcessingState.NOK) and not download_id.isdigit()):
        raise _unreadable("stareMesaj", content)
    return StatusResult(state=state, download_id=download_id, errors=errors)


def check_download(content: bytes) -> bytes:
    """The ZIP itself, once it is known to be one that opens; ANAF's refusal otherwise."""
    if content.startswith(b"PK"):
        read_answer(content)
        return content
    data = _json(content, "descarcare")
    if isinstance(data, dict) and data.get("eroare"):
        raise classify_refusal((str(data["eroare"]),), _("ANAF did not give the answer file"))
    raise _unreadable("descarcare", content)


def read_answer(content: bytes) -> AnswerArchive:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            infos = archive.infolist()
            if not infos or sum(info.file_size for info in infos) > MAX_ANSWER_BYTES:
                raise _unreadable("descarcare", content[:200])
            if archive.testzip() is not None:
                raise _unreadable("descarcare", content[:200])
            return AnswerArchive(files={info.filename: archive.read(info) for info in infos})
    except zipfile.BadZipFile as error:
        raise _unreadable("descarcare", content[:200]) from error


def parse_messages(content: bytes) -> MessagePage:
    data = _json(content, "listaMesaje")
    if not isinstance(data, dict):
        raise _unreadable("listaMesaje", content)
    if data.get("eroare"):
        message = str(data["eroare"])
        if message.startswith(NO_MESSAGES_PREFIX):
            return MessagePage(messages=[], page=1, total_pages=0)
        raise classify_refusal((message,), _("ANAF did not give the message list"))
    items = data.get("mesaje")
    if not isinstance(items, list):
        raise _unreadable("listaMesaje", content)
    try:
        messages = [_message(cast(dict[str, Any], item)) for item in items]
        page = int(data.get("index_pagina_curenta", 1))
        total_pages = int(data.get("numar_total_pagini", 1))
    except (TypeError, ValueError, KeyError, AttributeError) as error:
        raise _unreadable("listaMesaje", content) from error
    return MessagePage(messages=messages, page=page, total_pages=total_pages)


def _message(item: dict[str, Any]) -> MessageItem:
    created_at = _anaf_time(str(item["data_creare"]))
    if created_at is None:
        raise ValueError(f"data_creare {item['data_creare']!r}")
    return MessageItem(
        id=str(item["id"]),
        upload_index=str(item.get("id_solicitare") or ""),
        kind=str(item.get("tip") or ""),
        cif=str(item.get("cif") or ""),
        created_at=created_at,
        details=str(item.get("detalii") or ""),
    )


# --- refusals ------------------------------------------------------------------------------


def classify_refusal(errors: tuple[str, ...], what: str) -> AnafError:
    """The error a refusal with these ANAF messages means for the caller.

    ANAF signals quotas and missing rights only by the text of its messages, so they are
    told apart by their documented wording; anything else is a plain rejection.
    """
    text = "; ".join(errors) or _("no reason given")
    message = _("%(what)s: %(errors)s") % {"what": what, "errors": text}
    if any(error.startswith(_DAILY_LIMIT_PREFIX) for error in errors):
        return AnafRateLimitedError(message, retry_after=_seconds_to_next_fiscal_day(), detail=text)
    if any(" drept" in f" {error.lower()}" for error in errors):
        # "Nu aveti drept in SPV pentru CIF=...", "Nu exista niciun CIF petru care sa aveti drept"
        return AnafNoRightsError(message, detail=text)
    return AnafRejectedError(message, errors=errors, detail=text)


def _seconds_to_next_fiscal_day() -> float:
    """ANAF's daily quotas reset at midnight, Bucharest time."""
    now = timezone.now().astimezone(FISCAL_TIME_ZONE)
    midnight = datetime.combine(now.date() + timedelta(days=1), time(), tzinfo=FISCAL_TIME_ZONE)
    return (midnight - now).total_seconds()


# --- reading -------------------------------------------------------------------------------


def _unreadable(endpoint: str, content: bytes) -> AnafUnreadableAnswerError:
    return AnafUnreadableAnswerError(
        _("ANAF answered something PRAHO cannot read; try again later."),
        detail=f"{endpoint}: {content[:300]!r}",
    )


def _xml_root(content: bytes) -> etree._Element:
    # ANAF's answers are plain data: no DTD, no entities, nothing fetched while parsing.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.fromstring(content, parser=parser)


def _header(content: bytes, endpoint: str) -> etree._Element:
    try:
        root = _xml_root(content)
    except etree.XMLSyntaxError as error:
        raise _unreadable(endpoint, content) from error
    doctype: str = cast(Any, root.getroottree().docinfo).doctype  # missing from lxml-stubs
    if doctype or etree.QName(root).localname != "header":
        raise _unreadable(endpoint, content)
    return root


def _error_messages(root: etree._Element) -> tuple[str, ...]:
    """errorMessage of the <Errors> (upload, stareMesaj) or <Error> (an error report) children."""
    return tuple(
        (child.get("errorMessage") or "").strip()
        for child in root
        if isinstance(child.tag, str) and etree.QName(child).localname in ("Errors", "Error")
    )


def _json(content: bytes, endpoint: str) -> Any:
    try:
        return json.loads(content)
    except (ValueError, UnicodeDecodeError) as error:
        raise _unreadable(endpoint, content) from error


def _anaf_time(value: str | None) -> datetime | None:
    """ANAF writes times as YYYYMMDDHHMM in Bucharest time."""
    if not value:
        return None
    try:
        naive = datetime.strptime(value.strip(), "%Y%m%d%H%M")  # noqa: DTZ007 (zone added below)
    except ValueError:
        return None
    return naive.replace(tzinfo=FISCAL_TIME_ZONE)
