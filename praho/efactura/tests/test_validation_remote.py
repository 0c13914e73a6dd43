"""Validation by ANAF's service when EFACTURA_VALIDATION_DIR is empty, over real HTTP to a fake."""

from __future__ import annotations

import pytest

from praho.efactura.tests.fakes.anaf_validation import FakeAnafValidation
from praho.efactura.ubl.validation import ERROR, INVALID, NOT_VALIDATED, VALID, WARNING, validate_xml
from praho.testing.fakes import GARBAGE, HANG_UP, SLOW, Reply

TIMEOUT_SECONDS = 0.5
INVOICE = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b"<Invoice xmlns='urn:oasis:names:specification:ubl:schema:xsd:Invoice-2'><ID>F-1</ID></Invoice>"
)
CREDIT_NOTE = b"<CreditNote xmlns='urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2'/>"
# The sentence staff see; the cause is in `detail` (and the log), never on a page.
UNREACHABLE = "ANAF's validation service could not be reached; PRAHO tries again later."


@pytest.fixture
def fake_anaf_validation(settings):
    with FakeAnafValidation() as fake:
        settings.EFACTURA_VALIDATION_DIR = ""
        settings.EFACTURA_REMOTE_VALIDATION_URL = fake.validation_url
        settings.GATEWAY_CONNECT_TIMEOUT_SECONDS = TIMEOUT_SECONDS
        settings.GATEWAY_TIMEOUT_SECONDS = TIMEOUT_SECONDS
        yield fake


def test_an_invoice_anaf_accepts_is_valid(fake_anaf_validation):
    result = validate_xml(INVOICE)

    assert result.state == VALID
    assert result.failures == ()
    assert result.validator == "ANAF"
    [request] = fake_anaf_validation.received
    assert (request.method, request.path) == ("POST", "/prod/FCTEL/rest/validare/FACT1")
    assert request.body == INVOICE  # the file as it is, not as we re-serialised it
    assert request.headers["content-type"] == "text/plain"
    assert "authorization" not in request.headers


def test_a_credit_note_goes_to_the_credit_note_standard(fake_anaf_validation):
    assert validate_xml(CREDIT_NOTE).state == VALID

    assert fake_anaf_validation.received[0].path == "/prod/FCTEL/rest/validare/FCN"


def test_a_document_anaf_rejects_is_invalid_with_each_message(fake_anaf_validation):
    fake_anaf_validation.reject(
        "tipAssert=FailedAssert; codEroare=BR-RO-110; localizareEroare=/Invoice; "
        "textEroare=[BR-RO-110]-Daca Codul tarii Vanzatorului (BT-40) este RO; atunci ...; "
        "expresieValidata=not(cac:AccountingSupplierParty) || tipAssert=E; codEroare=ERRIdentif; "
        "textEroare=CUI vanzator incorect",
        "E: validari globale SCHEMATRON eroare: [BR-CO-09]-Invalid VAT identifier format",
        "E: validari globale  eroare: cvc-complex-type.2.4.a: Invalid content was found",
    )

    result = validate_xml(INVOICE)

    assert result.state == INVALID
    assert result.reason == "remote"
    assert result.validator == "ANAF"
    assert [(f.rule_id, f.flag, f.text, f.location) for f in result.failures] == [
        (
            "BR-RO-110",
            ERROR,
            "[BR-RO-110]-Daca Codul tarii Vanzatorului (BT-40) este RO; atunci ...",
            "/Invoice",
        ),
        ("ERRIdentif", ERROR, "CUI vanzator incorect", ""),
        (
            "BR-CO-09",
            ERROR,
            "E: validari globale SCHEMATRON eroare: [BR-CO-09]-Invalid VAT identifier format",
            "",
        ),
        ("ANAF", ERROR, "E: validari globale eroare: cvc-complex-type.2.4.a: Invalid content was found", ""),
    ]


def test_a_bare_nok_is_still_invalid(fake_anaf_validation):
    fake_anaf_validation.reject()

    result = validate_xml(INVOICE)

    assert result.state == INVALID
    assert [(f.rule_id, f.flag) for f in result.failures] == [("ANAF", ERROR)]


def test_messages_on_an_accepted_document_are_warnings(fake_anaf_validation):
    fake_anaf_validation.reply_always(
        Reply.of_json(
            200, {"stare": "ok", "Messages": [{"message": "W: [BR-RO-W1]-advice"}], "trace_id": "t"}
        )
    )

    result = validate_xml(INVOICE)

    assert result.state == VALID
    assert [(f.rule_id, f.flag) for f in result.failures] == [("BR-RO-W1", WARNING)]


@pytest.mark.parametrize(
    ("mode", "detail"),
    [
        ("error", "HTTP 500"),
        (HANG_UP, "RemoteProtocolError"),
        (SLOW, "ReadTimeout"),
        (GARBAGE, "the answer is not JSON ('<html><body>Mentenanta</body></html>')"),
    ],
)
def test_a_service_that_fails_leaves_the_document_not_validated(fake_anaf_validation, mode, detail):
    fake_anaf_validation.go_down(mode)

    result = validate_xml(INVOICE)

    assert result.state == NOT_VALIDATED
    assert result.failures == ()
    assert result.reason == UNREACHABLE
    assert detail in result.detail


@pytest.mark.parametrize(
    "payload",
    [{"eroare": "Serviciul nu este disponibil"}, {"stare": "in prelucrare"}, ["ok"], "ok"],
)
def test_an_answer_without_a_verdict_leaves_the_document_not_validated(fake_anaf_validation, payload):
    fake_anaf_validation.reply_always(Reply.of_json(200, payload))

    result = validate_xml(INVOICE)

    assert result.state == NOT_VALIDATED
    assert result.reason == UNREACHABLE
    assert result.detail.startswith("unexpected answer ")


def test_nothing_listening_leaves_the_document_not_validated(settings):
    settings.EFACTURA_VALIDATION_DIR = ""  # the test settings' URL is port 9, where nothing listens

    result = validate_xml(INVOICE)

    assert result.state == NOT_VALIDATED
    assert result.reason == UNREACHABLE
    assert result.detail.startswith("ConnectError")


def test_malformed_xml_is_refused_without_asking_anaf(fake_anaf_validation):
    result = validate_xml(b"<Invoice")

    assert result.state == INVALID
    assert result.reason == "xml"
    assert fake_anaf_validation.request_count == 0
