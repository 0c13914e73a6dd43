"""praho.efactura.ubl.validation with the official artifacts: ANAF's samples, XSD and XML failures,
missing artifacts, the compile-once cache, and concurrent use.

The artifacts (UBL 2.1 XSD, CIUS-RO 1.0.9 XSLT) and ANAF's samples are read from
EFACTURA_VALIDATION_DIR (the test settings point it at ../shared/efactura when staged); tests
that need them skip without them, or fail under PRAHO_REQUIRE_SERVICES=1 as in CI.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pytest

from praho.efactura.ubl import validation
from praho.efactura.ubl.validation import (
    FATAL,
    INVALID,
    NOT_VALIDATED,
    VALID,
    WARNING,
    ValidationResult,
    validate_xml,
)

SAMPLES = [f"ubl_b2g_example{number}.xml" for number in range(11)]
NEGATIVE_SAMPLE = "ubl_b2g_example6.xml"
SMALL_SAMPLE = "ubl_b2g_example9.xml"  # EUR invoice, one line, VAT category B


def unavailable(reason: str) -> None:
    """Skip on a developer machine without the artifacts; fail in CI (PRAHO_REQUIRE_SERVICES=1)."""
    reason += "; set EFACTURA_VALIDATION_DIR (README, e-Factura validation)"
    if os.environ.get("PRAHO_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason}. PRAHO_REQUIRE_SERVICES=1 requires it.")
    pytest.skip(reason)


def require(path: Path, what: str) -> Path:
    if not path.exists():
        unavailable(f"{what} not found at {path}")
    return path


@pytest.fixture
def validation_artifacts(settings) -> Path:
    if not settings.EFACTURA_VALIDATION_DIR:
        unavailable("EFACTURA_VALIDATION_DIR is empty: no e-Factura validation artifacts")
    directory = Path(settings.EFACTURA_VALIDATION_DIR)
    require(
        directory / "cius-ro" / validation.CIUS_RO_VERSION / "xslt" / validation.RULES_STYLESHEET,
        "CIUS-RO XSLT",
    )
    return directory


@pytest.fixture
def samples(validation_artifacts) -> Path:
    return require(validation_artifacts / "samples", "ANAF's sample invoices")


def as_credit_note(invoice: bytes) -> bytes:
    """A one-line invoice turned into the credit note for it (same parties and amounts)."""
    replacements = [
        (b"xsd:Invoice-2", b"xsd:CreditNote-2"),
        (b"<Invoice ", b"<CreditNote "),
        (b"</Invoice>", b"</CreditNote>"),
        (
            b"<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>",
            b"<cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>",
        ),
        (b"cac:InvoiceLine>", b"cac:CreditNoteLine>"),
        (b"cbc:InvoicedQuantity", b"cbc:CreditedQuantity"),
    ]
    for old, new in replacements:
        assert old in invoice
        invoice = invoice.replace(old, new)
    return invoice


def line_of(xml: bytes, needle: bytes) -> int:
    return xml[: xml.index(needle)].count(b"\n") + 1


@pytest.mark.parametrize("name", [name for name in SAMPLES if name != NEGATIVE_SAMPLE])
def test_anaf_samples_are_valid(samples, name):
    result = validate_xml(require(samples / name, name).read_bytes())

    assert result.errors() == ()
    assert result.state == VALID
    assert result.is_valid
    assert result.validator == "CIUS-RO 1.0.9"


def test_negative_sample_is_invalid_naming_the_rules(samples):
    result = validate_xml((samples / NEGATIVE_SAMPLE).read_bytes())

    assert result.state == INVALID
    assert not result.is_valid
    assert result.reason == "schematron"
    errors = {failure.rule_id: failure for failure in result.errors()}
    # Its VAT breakdown disagrees with its lines, and two Romanian addresses lack ISO 3166-2:RO counties.
    assert set(errors) == {"BR-S-08", "BR-RO-111", "BR-RO-170"}
    assert {failure.flag for failure in errors.values()} == {FATAL}
    vat = errors["BR-S-08"]
    assert vat.text.startswith("[BR-S-08]-For each different value of VAT category rate (BT-119)")
    assert vat.location.startswith("/*:Invoice[namespace-uri()='urn:oasis:names:specification:ubl:schema:xsd")
    assert vat.readable_location == "/Invoice[1]/cac:TaxTotal[1]/cac:TaxSubtotal[1]/cac:TaxCategory[1]"
    assert (
        errors["BR-RO-170"].readable_location
        == "/Invoice[1]/cac:TaxRepresentativeParty[1]/cac:PostalAddress[1]"
    )
    # Warnings travel with the errors but are not errors.
    assert [failure.rule_id for failure in result.warnings()] == ["UBL-CR-681"]


def test_warnings_alone_leave_a_document_valid(samples):
    result = validate_xml((samples / "ubl_b2g_example5.xml").read_bytes())

    assert result.state == VALID
    assert result.failures
    assert {failure.flag for failure in result.failures} == {WARNING}
    assert all(failure.rule_id and failure.text and failure.location for failure in result.failures)


def test_a_credit_note_is_checked_against_the_credit_note_schema(samples):
    credit_note = as_credit_note((samples / SMALL_SAMPLE).read_bytes())

    assert validate_xml(credit_note).state == VALID
    # The invoice schema would refuse CreditedQuantity: the credit note's own schema was used.
    broken = credit_note.replace(b"cbc:CreditedQuantity", b"cbc:InvoicedQuantity")
    result = validate_xml(broken)
    assert result.reason == "xsd"
    assert "cbc:InvoicedQuantity" in result.failures[0].text


def test_an_element_out_of_order_fails_the_schema_with_its_line(samples):
    xml = (samples / SMALL_SAMPLE).read_bytes()
    issue_date = b"    <cbc:IssueDate>2020-02-13</cbc:IssueDate>\n"
    # IssueDate moved after DocumentCurrencyCode, where UBL 2.1 does not allow it.
    out_of_order = xml.replace(issue_date, b"").replace(
        b"<cbc:TaxCurrencyCode>", issue_date.strip() + b"\n    <cbc:TaxCurrencyCode>"
    )

    result = validate_xml(out_of_order)

    assert result.state == INVALID
    assert result.reason == "xsd"
    assert len(result.failures) == 1
    failure = result.failures[0]
    assert (failure.rule_id, failure.flag) == ("XSD", FATAL)
    assert failure.location == f"line {line_of(out_of_order, b'<cbc:InvoiceTypeCode>')}"
    assert failure.text.startswith("Element 'cbc:InvoiceTypeCode': This element is not expected.")
    assert "cbc:IssueDate" in failure.text
    # The schematron does not run on a document the schema refused.
    assert not any(failure.rule_id.startswith("BR-") for failure in result.failures)


def test_a_value_of_the_wrong_type_fails_the_schema(samples):
    xml = (samples / SMALL_SAMPLE).read_bytes().replace(b"2020-02-13", b"13.02.2020")

    result = validate_xml(xml)

    assert result.reason == "xsd"
    assert any("'13.02.2020' is not a valid value" in failure.text for failure in result.failures)


def test_the_stylesheet_is_compiled_once_per_process(samples, validation_artifacts):
    xml = (samples / SMALL_SAMPLE).read_bytes()
    validate_xml(xml)
    compiled_before = validation.compilations
    stylesheet = validation_artifacts / "cius-ro" / "1.0.9" / "xslt" / validation.RULES_STYLESHEET
    rules = validation._compiled_rules(stylesheet)

    for name in ("ubl_b2g_example0.xml", NEGATIVE_SAMPLE, SMALL_SAMPLE):
        validate_xml((samples / name).read_bytes())

    assert validation.compilations == compiled_before
    assert validation._compiled_rules(stylesheet) is rules


def test_threads_validate_at_the_same_time(samples):
    documents = {name: (samples / name).read_bytes() for name in (SMALL_SAMPLE, NEGATIVE_SAMPLE)}
    results: list[tuple[str, ValidationResult]] = []

    def work(name: str) -> None:
        for _ in range(3):
            results.append((name, validate_xml(documents[name])))

    threads = [threading.Thread(target=work, args=(name,)) for name in documents for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(results) == 12
    for name, result in results:
        assert result.state == (INVALID if name == NEGATIVE_SAMPLE else VALID)
        assert len(result.errors()) == (3 if name == NEGATIVE_SAMPLE else 0)


# --- Documents that are not e-Factura XML (no artifacts needed: they stop before the XSD) ---


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        (b"", "Document is empty"),
        (
            b"<Invoice xmlns='urn:oasis:names:specification:ubl:schema:xsd:Invoice-2'>\n<cbc:ID>",
            "Namespace prefix",
        ),
        (b"<?xml version='1.0'?>\n<Invoice>\n  <ID>1</Invoice>", "Opening and ending tag mismatch"),
        (b"\xff\xfe<\x00a\x00", "Couldn't find end of Start Tag a"),  # UTF-16, cut short
        (b"<?xml version='1.0' encoding='klingon'?><a/>", "klingon"),
    ],
)
def test_malformed_xml_is_invalid_with_the_parsers_message(xml, message):
    result = validate_xml(xml)

    assert result.state == INVALID
    assert result.reason == "xml"
    [failure] = result.failures
    assert (failure.rule_id, failure.flag) == ("XML", FATAL)
    assert failure.text.startswith("The file is not well-formed XML: ")
    assert message in failure.text
    assert re.fullmatch(r"line \d+", failure.location)


def test_malformed_xml_reports_the_line_of_the_error():
    result = validate_xml(b"<?xml version='1.0'?>\n<Invoice>\n  <ID>1</Invoice>")

    assert result.failures[0].location == "line 3"


@pytest.mark.parametrize(
    ("xml", "root"),
    [
        (b"<Order xmlns='urn:oasis:names:specification:ubl:schema:xsd:Order-2'/>", "Order"),
        (b"<Invoice/>", "Invoice"),  # the right name outside the UBL namespace
        (b"<CreditNote xmlns='urn:oasis:names:specification:ubl:schema:xsd:Invoice-2'/>", "CreditNote"),
        (b"<rsm:CrossIndustryInvoice xmlns:rsm='urn:un:unece:uncefact:data:standard:CII:100'/>", "CII"),
    ],
)
def test_a_root_other_than_invoice_or_credit_note_is_invalid_naming_it(xml, root):
    result = validate_xml(xml)

    assert result.state == INVALID
    assert result.reason == "xml"
    [failure] = result.failures
    assert failure.rule_id == "XML"
    assert failure.text.startswith("The root element is ")
    assert root in failure.text.split(";")[0]
    assert "Invoice-2" in failure.text
    assert "CreditNote-2" in failure.text
    assert failure.location == "line 1"


def test_a_doctype_is_refused_and_its_entities_never_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("do-not-leak")
    xml = (
        f'<?xml version="1.0"?>\n<!DOCTYPE Invoice [<!ENTITY leak SYSTEM "file://{secret}">]>\n'
        '<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID>&leak;</ID></Invoice>'
    ).encode()

    result = validate_xml(xml)

    assert result.state == INVALID
    assert (
        result.failures[0].text == "The document has a DOCTYPE declaration, which e-Factura does not allow."
    )
    assert "do-not-leak" not in repr(result)


def test_a_billion_laughs_document_is_refused_quickly():
    entities = "".join(f'<!ENTITY e{n} "{f"&e{n - 1};" * 10}">' for n in range(1, 10))
    xml = f'<!DOCTYPE Invoice [<!ENTITY e0 "ha">{entities}]><Invoice>&e9;</Invoice>'.encode()

    result = validate_xml(xml)

    assert result.state == INVALID
    assert result.reason == "xml"


# --- Missing artifacts ---------------------------------------------------------------------------

INVOICE = b"<Invoice xmlns='urn:oasis:names:specification:ubl:schema:xsd:Invoice-2'><ID>1</ID></Invoice>"


def test_a_validation_dir_that_does_not_exist_is_not_validated(settings, tmp_path):
    settings.EFACTURA_VALIDATION_DIR = str(tmp_path / "missing")

    result = validate_xml(INVOICE)

    assert result.state == NOT_VALIDATED
    assert result.failures == ()
    assert str(tmp_path / "missing") in result.reason
    assert "does not exist" in result.reason


def test_a_validation_dir_without_the_schema_names_the_missing_file(settings, tmp_path):
    settings.EFACTURA_VALIDATION_DIR = str(tmp_path)

    result = validate_xml(INVOICE)

    assert result.state == NOT_VALIDATED
    assert str(tmp_path / "ubl21" / "xsd" / "maindoc" / "UBL-Invoice-2.1.xsd") in result.reason
    assert 'README "e-Factura validation"' in result.reason


def test_a_validation_dir_without_the_stylesheet_names_the_missing_file(
    settings, tmp_path, samples, validation_artifacts
):
    (tmp_path / "ubl21").symlink_to(validation_artifacts / "ubl21")
    settings.EFACTURA_VALIDATION_DIR = str(tmp_path)

    result = validate_xml((samples / SMALL_SAMPLE).read_bytes())

    assert result.state == NOT_VALIDATED
    expected = tmp_path / "cius-ro" / "1.0.9" / "xslt" / "EN16931-CIUS_RO-UBL-validation.xslt"
    assert str(expected) in result.reason
