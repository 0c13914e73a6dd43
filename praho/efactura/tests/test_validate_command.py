"""manage.py efactura_validate FILE...: one line per file, each failure, and the exit status."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from praho.efactura.ubl import validation

NEGATIVE_SAMPLE = "ubl_b2g_example6.xml"
VALID_SAMPLES = ("ubl_b2g_example9.xml", "ubl_b2g_example5.xml")


@pytest.fixture
def samples(settings) -> Path:
    """ANAF's samples beside the artifacts; skip without them, fail under PRAHO_REQUIRE_SERVICES=1."""
    directory = Path(settings.EFACTURA_VALIDATION_DIR)
    stylesheet = directory / "cius-ro" / validation.CIUS_RO_VERSION / "xslt" / validation.RULES_STYLESHEET
    if settings.EFACTURA_VALIDATION_DIR and stylesheet.is_file() and (directory / "samples").is_dir():
        return directory / "samples"
    reason = f"e-Factura validation artifacts or samples not found in {settings.EFACTURA_VALIDATION_DIR!r}"
    reason += "; set EFACTURA_VALIDATION_DIR (README, e-Factura validation)"
    if os.environ.get("PRAHO_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason}. PRAHO_REQUIRE_SERVICES=1 requires it.")
    pytest.skip(reason)


def run(*files: Path | str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("efactura_validate", *map(str, files), stdout=out, no_color=True)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue()
    return 0, out.getvalue()


def test_all_valid_files_exit_0(samples):
    status, output = run(*(samples / name for name in VALID_SAMPLES))

    assert status == 0
    assert output.splitlines()[0] == f"{samples / VALID_SAMPLES[0]}: VALID (CIUS-RO 1.0.9)"
    # example5 is valid with a warning, which is still printed.
    assert f"{samples / VALID_SAMPLES[1]}: VALID (CIUS-RO 1.0.9)" in output
    assert "  warning " in output


def test_an_invalid_file_exits_1_listing_each_failure(samples):
    status, output = run(samples / VALID_SAMPLES[0], samples / NEGATIVE_SAMPLE)

    assert status == 1
    lines = output.splitlines()
    start = lines.index(f"{samples / NEGATIVE_SAMPLE}: INVALID (CIUS-RO 1.0.9)")
    failures = lines[start + 1 :]
    assert failures[0].startswith(
        "  fatal   BR-S-08: [BR-S-08]-For each different value of VAT category rate"
    )
    assert failures[1] == "          at /Invoice[1]/cac:TaxTotal[1]/cac:TaxSubtotal[1]/cac:TaxCategory[1]"
    assert any(line.startswith("  fatal   BR-RO-111: ") for line in failures)
    assert any(line.startswith("  fatal   BR-RO-170: ") for line in failures)
    assert any(line.startswith("  warning UBL-CR-681: ") for line in failures)


def test_a_schema_error_is_printed_with_its_line(tmp_path, samples):
    broken = tmp_path / "broken.xml"
    # Without its number (cbc:ID, line 37), the next element on line 38 is out of place.
    broken.write_bytes((samples / VALID_SAMPLES[0]).read_bytes().replace(b"<cbc:ID>1316/85</cbc:ID>", b""))

    status, output = run(broken)

    assert status == 1
    assert f"{broken}: INVALID (CIUS-RO 1.0.9)" in output
    assert (
        "  fatal   XSD: Element 'cbc:IssueDate': This element is not expected. "
        "Expected is one of ( cbc:ProfileExecutionID, cbc:ID )."
    ) in output
    assert "          at line 38" in output


def test_a_file_that_is_not_xml_exits_1(tmp_path):
    not_xml = tmp_path / "factura.pdf"
    not_xml.write_bytes(b"%PDF-1.7\n")

    status, output = run(not_xml)

    assert status == 1
    assert output.splitlines() == [
        f"{not_xml}: INVALID",
        "  fatal   XML: The file is not well-formed XML: Start tag expected, '<' not found, line 1, column 1",
        "          at line 1",
    ]


def test_a_missing_file_is_not_validated_and_exits_2(tmp_path):
    status, output = run(tmp_path / "nowhere.xml")

    assert status == 2
    assert (
        output
        == f"{tmp_path / 'nowhere.xml'}: NOT VALIDATED (cannot read the file: No such file or directory)\n"
    )


def test_missing_artifacts_exit_2_with_the_reason(settings, tmp_path):
    settings.EFACTURA_VALIDATION_DIR = str(tmp_path / "artifacts")
    invoice = tmp_path / "invoice.xml"
    invoice.write_bytes(b"<Invoice xmlns='urn:oasis:names:specification:ubl:schema:xsd:Invoice-2'/>")

    status, output = run(invoice)

    assert status == 2
    assert output.startswith(
        f"{invoice}: NOT VALIDATED (The e-Factura validation directory {tmp_path / 'artifacts'}"
    )


def test_invalid_outranks_not_validated(tmp_path):
    not_xml = tmp_path / "bad.xml"
    not_xml.write_bytes(b"<Invoice")

    status, output = run(tmp_path / "nowhere.xml", not_xml)

    assert status == 1
    assert "nowhere.xml: NOT VALIDATED" in output
    assert "bad.xml: INVALID" in output


def test_files_are_required():
    with pytest.raises(CommandError, match="the following arguments are required: FILE"):
        call_command("efactura_validate")
