"""Reads and pure helpers of the submission state machine (praho.efactura.submissions writes).

Which documents are taken in and which submissions are due; a validation result as stored;
how a document is uploaded (standard, b2c, extern); whether one of ANAF's answer ZIPs holds a
given invoice; ANAF's rejection errors as stored.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Exists, F, OuterRef, Q, QuerySet, TextField, Value
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from lxml import etree

from praho.billing.models import Document, DocumentStatus, DocumentType
from praho.billing.models.documents import FISCAL_TYPES
from praho.core.countries import EU_MEMBER_STATES
from praho.customers.models import CustomerKind
from praho.efactura.gateways.anaf_answers import ProcessingState, Standard, StatusResult, read_answer
from praho.efactura.models import Submission
from praho.efactura.ubl.validation import FATAL, INVALID, Failure, ValidationResult

XML_ERRORS_TEXT = "XML cu erori nepreluat de sistem"
UBL_ID = "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}ID"
UBL_ISSUE_DATE = "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}IssueDate"


# --- what is taken in, what is due ---------------------------------------------------------


def documents_without_submission() -> QuerySet[Document]:
    """Issued invoices and credit notes e-Factura has not taken in yet, oldest first."""
    return (
        Document.objects.filter(document_type__in=FISCAL_TYPES, status=DocumentStatus.ISSUED)
        .filter(~Exists(Submission.objects.filter(document=OuterRef("pk"))))
        .order_by("issued_at", "pk")
    )


def supplied_in_romania(documents: QuerySet[Document]) -> QuerySet[Document]:
    """The documents without those a consumer abroad was supplied and taxed where they live.

    Documents whose place of supply is outside Romania for a consumer: not reported to e-Factura.

    RO e-Factura covers supplies whose place is in Romania (OUG 120/2021 as amended for B2C from
    2025). A consumer (a person) abroad is supplied where they live when the services are taxed
    there: in another EU state once the seller declares them under OSS (the seller's profile as
    issued is OSS-registered), and outside the EU always (art. 278(5)(h)). Those documents are not
    sent through /uploadb2c; a consumer in another EU state charged Romanian VAT (under the €10,000
    threshold) is, as a Romanian supply. Companies abroad stay reportable with extern=DA.
    """
    # Coalesced: a missing snapshot key or seller would be NULL, and NOT NULL drops the row too.
    documents = documents.alias(
        buyer_kind=Coalesce(KT("buyer__kind"), Value(""), output_field=TextField()),
        buyer_country=Coalesce(KT("buyer__country"), Value("RO"), output_field=TextField()),
        seller_oss=Coalesce(F("seller__oss_registered"), Value(False)),
    )
    consumer_abroad = Q(buyer_kind=CustomerKind.INDIVIDUAL) & ~Q(buyer_country="RO")
    taxed_there = Q(seller_oss=True) | ~Q(buyer_country__in=sorted(EU_MEMBER_STATES))
    return documents.exclude(consumer_abroad & taxed_there)


def is_reported(document: Document) -> bool:
    """Whether e-Factura takes `document` in (see supplied_in_romania)."""
    buyer = document.buyer or {}
    if buyer.get("kind") != CustomerKind.INDIVIDUAL or str(buyer.get("country") or "RO").upper() == "RO":
        return True
    oss = document.seller is not None and document.seller.oss_registered
    return str(buyer.get("country")).upper() in EU_MEMBER_STATES and not oss


def start_date() -> date | None:
    """EFACTURA_START_DATE: documents issued before it are left to whatever sent them before PRAHO.
    Parsed (and a bad value refused) when the settings load, so an intake run never fails on it."""
    value: date | None = settings.EFACTURA_START_DATE
    return value or None


def from_start_date(documents: QuerySet[Document]) -> QuerySet[Document]:
    """The documents e-Factura takes in: issued from EFACTURA_START_DATE, supplied in Romania."""
    start = start_date()
    documents = supplied_in_romania(documents)
    return documents if start is None else documents.filter(issue_date__gte=start)


def due_in(submissions: QuerySet[Submission]) -> QuerySet[Submission]:
    return submissions.filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=timezone.now()))


def is_due(submission: Submission) -> bool:
    return submission.next_attempt_at is None or submission.next_attempt_at <= timezone.now()


# --- validation results --------------------------------------------------------------------


def unbuildable(error: ValidationError) -> ValidationResult:
    """The XML could not even be generated: each message, with the field it names, is a failure."""
    failures = tuple(
        Failure("PRAHO", FATAL, str(message), "" if field == "__all__" else field)
        for field, messages in _messages_by_field(error)
        for message in messages
    )
    return ValidationResult(INVALID, failures, reason="xml")


def _messages_by_field(error: ValidationError) -> Iterable[tuple[str, list[str]]]:
    if hasattr(error, "error_dict"):
        return error.message_dict.items()
    return [("__all__", error.messages)]


def verdict(result: ValidationResult) -> dict[str, Any]:
    """The submission's fields recording a validation."""
    return {
        "validation": {
            "state": result.state,
            "reason": result.reason,
            "validator": result.validator,
            "failures": [
                {"rule_id": f.rule_id, "flag": f.flag, "text": f.text, "location": f.readable_location}
                for f in result.failures
            ],
        },
        "validated_at": timezone.now(),
        "attempts": 0,
        "next_attempt_at": None,
        "last_error": "",
    }


# --- uploads -------------------------------------------------------------------------------


def seller_cif(document: Document) -> str:
    if document.seller is None:
        raise ValidationError(
            {"seller": ValidationError(_("The document has no seller snapshot."), code="no_seller")}
        )
    return document.seller.tax_id


def upload_options(document: Document) -> dict[str, Any]:
    """/uploadb2c for a consumer's document; standard CN for credit notes; extern=DA for a
    company buyer outside Romania (ANAF's parameter for buyers without a Romanian CUI)."""
    buyer = document.buyer or {}
    b2c = buyer.get("kind") == CustomerKind.INDIVIDUAL
    credit_note = document.document_type == DocumentType.CREDIT_NOTE
    return {
        "standard": Standard.CN if credit_note else Standard.UBL,
        "b2c": b2c,
        "external": not b2c and str(buyer.get("country") or "RO").upper() != "RO",
    }


# --- ANAF's answers ------------------------------------------------------------------------


def is_our_document(archive: bytes, document: Document) -> bool:
    """Whether an accepted upload's ZIP holds this invoice (same number and issue date)."""
    xml = read_answer(archive).document_xml
    if xml is None:
        return False
    try:
        root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))
    except etree.XMLSyntaxError:
        return False
    return (root.findtext(UBL_ID) or "").strip() == document.number and (
        root.findtext(UBL_ISSUE_DATE) or ""
    ).strip() == document.issue_date.isoformat()


def rejection_errors(status: StatusResult, archive: bytes | None) -> list[dict[str, str]]:
    """ANAF's reasons, each with the rule it names: from the error report in the ZIP, else the status."""
    messages: tuple[str, ...] = read_answer(archive).errors if archive is not None else ()
    if status.state == ProcessingState.XML_ERRORS:
        messages = (XML_ERRORS_TEXT, *status.errors)
    return [{"code": rule_code(message), "message": message} for message in messages or status.errors]


def rule_code(message: str) -> str:
    """ANAF's "E: validari globale eroare regula: BR-RO-010, ..." names the rule after "regula:"."""
    _head, found, rest = message.partition("regula:")
    return rest.strip().split(",")[0].split()[0] if found and rest.strip() else ""
