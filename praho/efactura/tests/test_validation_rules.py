"""How the validator reads a rules stylesheet's SVRL report, and what happens when the rules fail.

These run Saxon on small stylesheets written here, in a validation directory laid out like the
real one (with a permissive stand-in for the UBL schema), so they need no official artifacts.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from praho.efactura.ubl import validation
from praho.efactura.ubl.validation import ERROR, FATAL, INVALID, NOT_VALIDATED, VALID, WARNING, validate_xml

INVOICE = b"<Invoice xmlns='urn:oasis:names:specification:ubl:schema:xsd:Invoice-2'><ID>1</ID></Invoice>"

# Accepts any Invoice element: these tests are about the second stage.
PERMISSIVE_SCHEMA = """<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"
           targetNamespace="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">
  <xs:element name="Invoice">
    <xs:complexType>
      <xs:sequence><xs:any processContents="skip" minOccurs="0" maxOccurs="unbounded"/></xs:sequence>
    </xs:complexType>
  </xs:element>
</xs:schema>
"""


def stylesheet(body: str) -> str:
    return f"""<xsl:stylesheet version="2.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
        xmlns:svrl="http://purl.oclc.org/dsdl/svrl">
      <xsl:template match="/">{body}</xsl:template>
    </xsl:stylesheet>"""


def svrl(*items: str) -> str:
    return stylesheet(f"<svrl:schematron-output>{''.join(items)}</svrl:schematron-output>")


@pytest.fixture
def rules_dir(settings, tmp_path):
    """Write a validation directory whose rules are `source`; return a function doing that."""
    schema = tmp_path / "ubl21" / "xsd" / "maindoc" / "UBL-Invoice-2.1.xsd"
    schema.parent.mkdir(parents=True)
    schema.write_text(PERMISSIVE_SCHEMA)
    settings.EFACTURA_VALIDATION_DIR = str(tmp_path)

    def write(source: str) -> Path:
        path = tmp_path / "cius-ro" / "1.0.9" / "xslt" / validation.RULES_STYLESHEET
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
        return path

    return write


def test_failed_asserts_and_successful_reports_are_both_failures(rules_dir):
    rules_dir(
        svrl(
            '<svrl:fired-rule context="/"/>',
            '<svrl:failed-assert id="BR-01" flag="fatal" location="/Invoice">'
            "<svrl:text>\n  [BR-01]-An Invoice shall have\n  a Specification identifier.</svrl:text>"
            "</svrl:failed-assert>",
            '<svrl:successful-report id="BR-RO-A999" flag="warning" location="/Invoice/ID">'
            "<svrl:text>Just so you know.</svrl:text></svrl:successful-report>",
        )
    )

    result = validate_xml(INVOICE)

    assert result.state == INVALID
    assert result.reason == "schematron"
    assert [(f.rule_id, f.flag, f.text, f.location) for f in result.failures] == [
        ("BR-01", FATAL, "[BR-01]-An Invoice shall have a Specification identifier.", "/Invoice"),
        ("BR-RO-A999", WARNING, "Just so you know.", "/Invoice/ID"),
    ]
    assert [f.rule_id for f in result.errors()] == ["BR-01"]


@pytest.mark.parametrize(
    ("flag", "expected"), [(None, ERROR), ("error", ERROR), ("FATAL", FATAL), ("odd", ERROR)]
)
def test_a_missing_or_unknown_flag_counts_as_an_error(rules_dir, flag, expected):
    flag_attribute = f' flag="{flag}"' if flag else ""
    rules_dir(
        svrl(
            f'<svrl:failed-assert id="R-1"{flag_attribute} location="/">'
            "<svrl:text>t</svrl:text></svrl:failed-assert>"
        )
    )

    result = validate_xml(INVOICE)

    assert result.state == INVALID
    assert result.failures[0].flag == expected


def test_a_report_with_only_warnings_is_valid(rules_dir):
    rules_dir(
        svrl(
            '<svrl:failed-assert id="W-1" flag="warning" location="/">'
            "<svrl:text>w</svrl:text></svrl:failed-assert>"
        )
    )

    result = validate_xml(INVOICE)

    assert result.state == VALID
    assert [f.rule_id for f in result.warnings()] == ["W-1"]
    assert result.errors() == ()


def test_rules_that_stop_on_the_document_leave_it_not_validated(rules_dir):
    rules_dir(stylesheet("<xsl:value-of select=\"error(QName('', 'BOOM'), 'cannot cope')\"/>"))

    result = validate_xml(INVOICE)

    assert result.state == NOT_VALIDATED
    assert result.reason == "The CIUS-RO rules could not be evaluated on this document."
    assert "cannot cope" in result.detail  # Saxon's words: for the log and the command line


def test_rules_that_write_no_svrl_leave_the_document_not_validated(rules_dir):
    rules_dir(stylesheet("<html>hello</html>"))

    result = validate_xml(INVOICE)

    assert result.state == NOT_VALIDATED
    assert "no SVRL report" in result.reason


def test_a_stylesheet_that_does_not_compile_leaves_documents_not_validated(rules_dir):
    path = rules_dir(stylesheet("<xsl:value-of select='(('/>"))

    result = validate_xml(INVOICE)

    assert result.state == NOT_VALIDATED
    assert result.reason == (
        f"The CIUS-RO stylesheet {path} could not be compiled; check EFACTURA_VALIDATION_DIR."
    )
    assert "XPST0003" in result.detail


def test_a_schema_that_does_not_load_leaves_documents_not_validated(settings, tmp_path):
    schema = tmp_path / "ubl21" / "xsd" / "maindoc" / "UBL-Invoice-2.1.xsd"
    schema.parent.mkdir(parents=True)
    schema.write_text("<xs:schema xmlns:xs='http://www.w3.org/2001/XMLSchema'><xs:element/></xs:schema>")
    settings.EFACTURA_VALIDATION_DIR = str(tmp_path)

    result = validate_xml(INVOICE)

    assert result.state == NOT_VALIDATED
    assert result.reason == f"The UBL schema {schema} could not be loaded; check EFACTURA_VALIDATION_DIR."
    assert "element" in result.detail


def test_the_document_reaches_the_rules_as_parsed(rules_dir):
    """Saxon sees the same tree lxml checked, whatever encoding the file declared."""
    rules_dir(
        svrl(
            '<svrl:failed-assert id="SEEN" flag="warning" location="/">'
            '<svrl:text><xsl:value-of select="/*/*"/></svrl:text></svrl:failed-assert>'
        )
    )
    xml = (
        "<?xml version='1.0' encoding='ISO-8859-16'?>"
        "<Invoice xmlns='urn:oasis:names:specification:ubl:schema:xsd:Invoice-2'><ID>Timișoara</ID></Invoice>"
    ).encode("iso-8859-16")

    result = validate_xml(xml)

    assert result.state == VALID
    assert result.failures[0].text == "Timișoara"
