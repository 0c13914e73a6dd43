"""What the statement tests share: the sample files and short ways to read a parse."""

from __future__ import annotations

from pathlib import Path

import pytest

from praho.payments.statements import ParsedStatement, StatementError, parse_statement

SAMPLES = Path(__file__).parent / "samples"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def parse_sample(name: str) -> ParsedStatement:
    return parse_statement(sample(name), filename=name)


def refusal(data: bytes) -> str:
    """The message of the StatementError that parsing `data` raises."""
    with pytest.raises(StatementError) as caught:
        parse_statement(data)
    return str(caught.value)


def rows(parsed: ParsedStatement) -> list[tuple[str, ...]]:
    """Each entry as (booking date, amount, currency, C/D, reversal?, payer, payer IBAN, remittance)."""
    return [
        (
            entry.booking_date.isoformat(),
            f"{entry.amount}",
            entry.currency,
            "C" if entry.is_credit else "D",
            "reversal" if entry.is_reversal else "",
            entry.payer_name,
            entry.payer_iban,
            entry.remittance,
        )
        for entry in parsed.entries
    ]


def keys(parsed: ParsedStatement) -> list[str]:
    return [entry.entry_key for entry in parsed.entries]
