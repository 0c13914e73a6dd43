"""Validation of e-Factura XML (ours or a supplier's) the way ANAF validates it.

With EFACTURA_VALIDATION_DIR set, a document is checked locally in two stages:

1. the OASIS UBL 2.1 schema (lxml), chosen by the root element (Invoice or CreditNote);
2. ANAF's CIUS-RO 1.0.9 rules (EN 16931 1.3.8 plus the Romanian BR-RO rules), compiled
   to an XSLT 2.0 stylesheet that writes an SVRL report, run with Saxon (saxonche):
   lxml only runs XSLT 1.0.

A document is valid when the schema passes and the report has no assert or report flagged
"fatal" or "error"; warnings are listed but do not fail it. README "e-Factura validation"
gives the directory layout and where operators download the files.

With the setting empty, the document goes to ANAF's public validation service
(EFACTURA_REMOTE_VALIDATION_URL + "/FACT1" or "/FCN"). Whatever happens, the answer is one
of three: valid, invalid with each failed rule, or not validated with the reason. Bad input
never raises. Nothing here writes anywhere; callers record the outcome.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import httpx
from django.conf import settings
from django.utils.translation import gettext as _
from lxml import etree
from saxonche import (  # type: ignore[import-not-found]  # saxonche ships no type hints
    PySaxonApiError,
    PySaxonProcessor,
    PyXsltExecutable,
)

from praho.customers.gateways import USER_AGENT, timeout

logger = logging.getLogger(__name__)

# The rules ANAF applies today; a new ANAF release is a code change (and a test run), not a setting.
CIUS_RO_VERSION = "1.0.9"
RULES_STYLESHEET = "EN16931-CIUS_RO-UBL-validation.xslt"

VALID, INVALID, NOT_VALIDATED = "valid", "invalid", "not_validated"
FATAL, ERROR, WARNING = "fatal", "error", "warning"
# The stage that found a document invalid (ValidationResult.reason).
STAGE_XML, STAGE_XSD, STAGE_SCHEMATRON, STAGE_REMOTE = "xml", "xsd", "schematron", "remote"

INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
SVRL_NS = "http://purl.oclc.org/dsdl/svrl"
PREFIXES = {
    INVOICE_NS: "",
    CREDIT_NOTE_NS: "",
    "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2": "cac:",
    "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2": "cbc:",
    "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2": "ext:",
}


@dataclass(frozen=True)
class DocumentKind:
    root: str  # the root element's local name
    schema: str  # file name under <dir>/ubl21/xsd/maindoc
    anaf_standard: str  # the `standard` of ANAF's validation service


KINDS = {
    f"{{{INVOICE_NS}}}Invoice": DocumentKind("Invoice", "UBL-Invoice-2.1.xsd", "FACT1"),
    f"{{{CREDIT_NOTE_NS}}}CreditNote": DocumentKind("CreditNote", "UBL-CreditNote-2.1.xsd", "FCN"),
}


@dataclass(frozen=True)
class Failure:
    """One failed rule."""

    rule_id: str  # "BR-RO-010", "BR-CO-15"; "XSD" for schema errors, "XML" for unreadable documents
    flag: str  # FATAL, ERROR or WARNING
    text: str
    location: str  # an XPath (SVRL @location), "line N" (XML and XSD errors), or "" when unknown

    @property
    def is_error(self) -> bool:
        return self.flag in (FATAL, ERROR)

    @property
    def readable_location(self) -> str:
        """The SVRL location with prefixes instead of namespace tests: /Invoice[1]/cac:TaxTotal[1]."""
        return _NAMESPACE_STEP.sub(
            lambda m: PREFIXES.get(m["uri"], "{" + m["uri"] + "}") + m["name"], self.location
        )


_NAMESPACE_STEP = re.compile(r"\*:(?P<name>[\w.-]+)\[namespace-uri\(\)='(?P<uri>[^']*)'\]")


@dataclass(frozen=True)
class ValidationResult:
    state: str  # VALID, INVALID or NOT_VALIDATED
    failures: tuple[Failure, ...] = ()
    # NOT_VALIDATED: why, in words fit to show staff. INVALID: the stage that failed (STAGE_*).
    reason: str = ""
    # Who decided: "CIUS-RO 1.0.9" (local artifacts) or "ANAF" (remote service); "" when nobody did.
    validator: str = ""
    # NOT_VALIDATED: the technical cause ("ConnectError: ...", a parser's message), for the log and
    # the operator's command line, never for a page.
    detail: str = ""

    @property
    def is_valid(self) -> bool:
        return self.state == VALID

    def errors(self) -> tuple[Failure, ...]:
        """The failures that make a document invalid (fatal and error)."""
        return tuple(failure for failure in self.failures if failure.is_error)

    def warnings(self) -> tuple[Failure, ...]:
        return tuple(failure for failure in self.failures if not failure.is_error)


class _NotValidatedError(Exception):
    """A stage could not run; str(error) is the reason shown to staff, `detail` its technical cause."""

    def __init__(self, reason: str, *, detail: str = "") -> None:
        super().__init__(reason)
        self.detail = detail


def validate_xml(xml: bytes) -> ValidationResult:
    """Validate one e-Factura document (UBL 2.1 Invoice or CreditNote) as ANAF would."""
    parsed = _parse(xml)
    if isinstance(parsed, ValidationResult):
        return parsed
    tree, kind = parsed
    try:
        if not settings.EFACTURA_VALIDATION_DIR:
            return _validate_remotely(xml, kind)
        return _validate_locally(tree, kind, Path(settings.EFACTURA_VALIDATION_DIR).expanduser())
    except _NotValidatedError as error:
        return ValidationResult(NOT_VALIDATED, reason=str(error), detail=error.detail)


# --- Reading the document -------------------------------------------------------------------------


def _safe_parser() -> etree.XMLParser:
    """No DTD, no entities, no network, default size limits: the document may come from anyone."""
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)


def _parse(xml: bytes) -> tuple[etree._ElementTree, DocumentKind] | ValidationResult:
    try:
        root = etree.fromstring(xml, _safe_parser())
    except etree.XMLSyntaxError as error:
        return _unreadable(
            _("The file is not well-formed XML: %(error)s") % {"error": error.msg}, error.lineno or 0
        )
    except (ValueError, TypeError) as error:  # e.g. not bytes, or an unknown declared encoding
        return _unreadable(_("The file is not well-formed XML: %(error)s") % {"error": error}, 0)
    tree = root.getroottree()
    # UBL never needs a DTD; refusing one keeps entity tricks away from both XML parsers.
    if cast(Any, tree.docinfo).doctype:  # (lxml's stubs lack DocInfo.doctype)
        return _unreadable(_("The document has a DOCTYPE declaration, which e-Factura does not allow."), 1)
    kind = KINDS.get(root.tag)
    if kind is None:
        return _unreadable(
            _(
                "The root element is %(root)s; an e-Factura document is a UBL 2.1 Invoice "
                "(%(invoice)s) or CreditNote (%(credit_note)s)."
            )
            % {"root": root.tag, "invoice": INVOICE_NS, "credit_note": CREDIT_NOTE_NS},
            cast(int | None, root.sourceline) or 1,
        )
    return tree, kind


def _unreadable(text: str, line: int) -> ValidationResult:
    location = f"line {line}" if line else ""
    return ValidationResult(INVALID, (Failure("XML", FATAL, text, location),), reason=STAGE_XML)


# --- Local validation: UBL 2.1 XSD, then the CIUS-RO stylesheet -----------------------------------


@dataclass
class _Schema:
    schema: etree.XMLSchema
    # An XMLSchema keeps the last run's errors on itself, so two threads must not validate at once.
    lock: threading.Lock


@dataclass
class _Rules:
    processor: PySaxonProcessor
    executable: PyXsltExecutable


_cache_lock = threading.Lock()
# Saxon's objects are not thread-safe: compiling and running take turns (a run is about 15 ms).
_saxon_lock = threading.Lock()
_schemas: dict[Path, _Schema] = {}
_rules: dict[Path, _Rules] = {}
_processor: PySaxonProcessor | None = None
compilations = 0  # stylesheets compiled by this process (the tests check it stays at one)


def _forget_after_fork() -> None:
    """A forked child cannot use its parent's Saxon runtime (its threads did not survive the fork)."""
    global _cache_lock, _saxon_lock, _processor
    _cache_lock, _saxon_lock = threading.Lock(), threading.Lock()
    _schemas.clear()
    _rules.clear()
    _processor = None


os.register_at_fork(after_in_child=_forget_after_fork)


def _validate_locally(tree: etree._ElementTree, kind: DocumentKind, directory: Path) -> ValidationResult:
    schema = _schema(_artifact(directory, "ubl21", "xsd", "maindoc", kind.schema))
    with schema.lock:
        schema_valid = schema.schema.validate(tree)
        schema_errors = list(cast(Iterable[Any], schema.schema.error_log))
    if not schema_valid:
        failures = tuple(
            Failure("XSD", FATAL, _shorten_names(error.message), f"line {error.line}")
            for error in schema_errors
        )
        return ValidationResult(INVALID, failures, reason=STAGE_XSD, validator=_local_validator())
    rules = _compiled_rules(_artifact(directory, "cius-ro", CIUS_RO_VERSION, "xslt", RULES_STYLESHEET))
    failures = _svrl_failures(_run_rules(rules, tree))
    if any(failure.is_error for failure in failures):
        return ValidationResult(INVALID, failures, reason=STAGE_SCHEMATRON, validator=_local_validator())
    return ValidationResult(VALID, failures, validator=_local_validator())


def _local_validator() -> str:
    return f"CIUS-RO {CIUS_RO_VERSION}"


def _artifact(directory: Path, *parts: str) -> Path:
    if not directory.is_dir():
        raise _NotValidatedError(
            _("The e-Factura validation directory %(dir)s (EFACTURA_VALIDATION_DIR) does not exist.")
            % {"dir": directory}
        )
    path = directory.joinpath(*parts)
    if not path.is_file():
        raise _NotValidatedError(
            _(
                "The e-Factura validation file %(file)s is missing from EFACTURA_VALIDATION_DIR; "
                'README "e-Factura validation" says where to download it.'
            )
            % {"file": path}
        )
    return path


def _schema(path: Path) -> _Schema:
    """The UBL schema at `path`, loaded once per process (about 0.1 s)."""
    cached = _schemas.get(path)
    if cached is not None:
        return cached
    with _cache_lock:
        cached = _schemas.get(path)
        if cached is None:
            try:
                # The schema's includes resolve to its sibling files; no_network keeps them local.
                schema = etree.XMLSchema(etree.parse(str(path), _safe_parser()))
            except (etree.XMLSchemaParseError, etree.XMLSyntaxError, OSError) as error:
                logger.error("UBL schema %s not loaded: %s", path, error)
                raise _NotValidatedError(
                    _("The UBL schema %(file)s could not be loaded; check EFACTURA_VALIDATION_DIR.")
                    % {"file": path},
                    detail=str(error),
                ) from error
            cached = _schemas[path] = _Schema(schema, threading.Lock())
    return cached


def _compiled_rules(path: Path) -> _Rules:
    """The CIUS-RO stylesheet at `path`, compiled once per process (about half a second)."""
    global _processor, compilations
    cached = _rules.get(path)
    if cached is not None:
        return cached
    with _cache_lock:
        cached = _rules.get(path)
        if cached is None:
            try:
                with _saxon_lock:
                    if _processor is None:
                        _processor = PySaxonProcessor(license=False)
                    compiler = _processor.new_xslt30_processor()
                    executable = compiler.compile_stylesheet(stylesheet_file=str(path))
            except PySaxonApiError as error:
                logger.error("CIUS-RO stylesheet %s not compiled: %s", path, error)
                raise _NotValidatedError(
                    _("The CIUS-RO stylesheet %(file)s could not be compiled; check EFACTURA_VALIDATION_DIR.")
                    % {"file": path},
                    detail=_one_line(str(error)),
                ) from error
            compilations += 1
            cached = _rules[path] = _Rules(_processor, executable)
    return cached


def _run_rules(rules: _Rules, tree: etree._ElementTree) -> bytes:
    # Saxon reads the document as lxml understood it (no declaration, so no encoding to disagree
    # on, and the DOCTYPE was refused above), rather than parsing the caller's bytes a second way.
    text = etree.tostring(tree, encoding="unicode")
    try:
        with _saxon_lock:
            node = rules.processor.parse_xml(xml_text=text)
            report = rules.executable.transform_to_string(xdm_node=node)
    except PySaxonApiError as error:
        # The rules stopped on this document (a dynamic error); no verdict can be given.
        logger.warning("CIUS-RO rules failed on a document: %s", error)
        raise _NotValidatedError(
            _("The CIUS-RO rules could not be evaluated on this document."), detail=_one_line(str(error))
        ) from error
    if not report:
        raise _NotValidatedError(_("The CIUS-RO rules produced no report."))
    return report.encode()


def _svrl_failures(report: bytes) -> tuple[Failure, ...]:
    try:
        root = etree.fromstring(report, _safe_parser())
    except etree.XMLSyntaxError as error:
        logger.error("CIUS-RO rules produced an unreadable report: %s", error)
        raise _NotValidatedError(
            _("The CIUS-RO rules produced an unreadable report."), detail=str(error)
        ) from error
    if root.tag != f"{{{SVRL_NS}}}schematron-output":
        raise _NotValidatedError(
            _("The CIUS-RO rules produced no SVRL report (root %(root)s).") % {"root": root.tag}
        )
    return tuple(
        Failure(
            rule_id=element.get("id") or "",
            flag=_flag(element.get("flag")),
            text=_one_line(element.findtext(f"{{{SVRL_NS}}}text") or ""),
            location=element.get("location") or "",
        )
        for element in root.iter(f"{{{SVRL_NS}}}failed-assert", f"{{{SVRL_NS}}}successful-report")
    )


def _flag(flag: str | None) -> str:
    """Schematron's flag; a missing or unknown one counts as an error, so nothing passes unnoticed."""
    value = (flag or ERROR).strip().lower()
    if value in (FATAL, WARNING):
        return value
    if value in ("warn", "info", "information"):
        return WARNING
    return ERROR


def _shorten_names(message: str) -> str:
    """lxml writes {urn:...CommonBasicComponents-2}IssueDate; staff read cbc:IssueDate."""
    return re.sub(r"\{([^}]*)\}", lambda m: PREFIXES.get(m[1], m[0]), message)


def _one_line(text: str) -> str:
    return " ".join(text.split())


# --- Remote validation: ANAF's public validation service ------------------------------------------

# ANAF's messages: structured ("tipAssert=FailedAssert; codEroare=BR-CO-26; localizareEroare=/Invoice;
# textEroare=[BR-CO-26]-...; expresieValidata=...", several joined by " || ") or free
# ("E: validari globale SCHEMATRON eroare: [BR-RO-110]-...").
_STRUCTURED = re.compile(
    r"(?:tipAssert=(?P<kind>[^;]*);\s*)?codEroare=(?P<code>[^;]*);\s*"
    r"(?:localizareEroare=(?P<location>[^;]*);\s*)?textEroare=(?P<text>.*?)"
    r"(?:;\s*expresieValidata=.*)?$",
    re.DOTALL,
)
_BRACKETED_RULE = re.compile(r"\[(?P<code>[A-Z][A-Z0-9_-]*)\]")


def _validate_remotely(xml: bytes, kind: DocumentKind) -> ValidationResult:
    url = f"{settings.EFACTURA_REMOTE_VALIDATION_URL.rstrip('/')}/{kind.anaf_standard}"
    try:
        response = httpx.post(
            url,
            content=xml,
            timeout=timeout(),
            headers={"Content-Type": "text/plain", "User-Agent": USER_AGENT},
        )
    except httpx.HTTPError as error:
        raise _unreachable(
            f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        ) from error
    if response.status_code != httpx.codes.OK:
        raise _unreachable(f"HTTP {response.status_code}")
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError) as error:
        raise _unreachable(f"the answer is not JSON ({response.text[:80]!r})") from error
    return _remote_verdict(body)


def _unreachable(detail: str) -> _NotValidatedError:
    logger.warning("ANAF's validation service failed: %s", detail)
    return _NotValidatedError(
        _("ANAF's validation service could not be reached; PRAHO tries again later."), detail=detail
    )


def _remote_verdict(body: Any) -> ValidationResult:
    state = body.get("stare") if isinstance(body, dict) else None
    if state not in ("ok", "nok"):
        raise _unreachable(f"unexpected answer {json.dumps(body)[:200]}")
    logger.info("ANAF validation %s (trace_id %s)", state, body.get("trace_id"))
    messages = body.get("Messages") or []
    if state == "ok":
        # An accepted document has no errors; whatever ANAF adds is advice.
        notes = tuple(_anaf_failure(text, default_flag=WARNING) for text in _message_texts(messages))
        return ValidationResult(VALID, notes, validator="ANAF")
    failures = tuple(_anaf_failure(text, default_flag=ERROR) for text in _message_texts(messages))
    if not any(failure.is_error for failure in failures):
        failures += (Failure("ANAF", ERROR, _("ANAF rejected the document without naming a rule."), ""),)
    return ValidationResult(INVALID, failures, reason=STAGE_REMOTE, validator="ANAF")


def _message_texts(messages: Any) -> list[str]:
    items = messages if isinstance(messages, list) else [messages]
    texts = [str(item.get("message", "")) if isinstance(item, dict) else str(item) for item in items]
    return [part.strip() for text in texts for part in text.split(" || ") if part.strip()]


def _anaf_failure(text: str, *, default_flag: str) -> Failure:
    structured = _STRUCTURED.search(text)
    if structured:
        kind = (structured["kind"] or "").strip().lower()
        flag = WARNING if kind.startswith("w") else default_flag
        return Failure(
            structured["code"].strip() or "ANAF",
            flag,
            _one_line(structured["text"]),
            (structured["location"] or "").strip(),
        )
    flag = WARNING if text.startswith("W:") else default_flag
    bracketed = _BRACKETED_RULE.search(text)
    return Failure(bracketed["code"] if bracketed else "ANAF", flag, _one_line(text), "")
