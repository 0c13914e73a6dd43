"""Bank statements in, payment entries out: camt.053 (001.02 to 001.08) and SWIFT MT940.

Pure code: bytes go in, a ParsedStatement comes out, nothing is stored. The format is
decided by the content alone, because banks name their exports anything (.xml, .txt, .sta,
.940); `filename` is accepted so callers can pass what they have, and does not change the
result. Every refusal is a StatementError with a translated message naming the problem.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from praho.payments.statements import camt053, mt940
from praho.payments.statements.entries import ParsedStatement, StatementEntry
from praho.payments.statements.errors import StatementError

MAX_FILE_BYTES = 20 * 1024 * 1024

__all__ = ["MAX_FILE_BYTES", "ParsedStatement", "StatementEntry", "StatementError", "parse_statement"]

_BYTE_ORDER_MARKS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def parse_statement(data: bytes, *, filename: str = "") -> ParsedStatement:
    """The statement(s) in `data`, or a StatementError saying precisely what is wrong."""
    del filename  # the content decides; see the module docstring
    if len(data) > MAX_FILE_BYTES:
        raise StatementError(_("The file is larger than 20 MB."))
    if not data.strip():
        raise StatementError(_("The file is empty."))
    if _looks_like_xml(data):
        return camt053.parse(data)
    if mt940.looks_like_mt940(data):
        return mt940.parse(data)
    raise StatementError(_("The file is neither a CAMT.053 statement nor an MT940 one."))


def _looks_like_xml(data: bytes) -> bool:
    """Whether the file starts like an XML document (after a byte-order mark and blanks)."""
    head = data[:1024]
    for mark in _BYTE_ORDER_MARKS:
        if head.startswith(mark):
            return mark != b"\xef\xbb\xbf" or head[len(mark) :].lstrip().startswith(b"<")
    return head.lstrip().startswith(b"<")
