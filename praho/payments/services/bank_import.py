"""Importing a bank statement (CAMT.053 or MT940): every credit entry becomes a bank transaction,
once, with the document matching proposes for it (praho.payments.matching).

The same file again changes nothing (its SHA-256 is unique); an overlapping statement adds only
the entries not seen before (each entry's key is unique). Debits and reversals are not payments
and are skipped. What matches exactly is booked after the import's transaction commits, by a
worker, when PAYMENTS_AUTO_BOOK_EXACT is on; the rest waits in the review queue.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from praho.audit.services import record_event
from praho.payments.matching import Converter, Match, Matcher
from praho.payments.models import BankStatement, BankTransaction, TransactionStatus
from praho.payments.statements import (
    MAX_FILE_BYTES,
    ParsedStatement,
    StatementEntry,
    StatementError,
    parse_statement,
)

BATCH = 2000


@dataclass(frozen=True)
class Imported:
    statement: BankStatement
    created: bool  # False: the same file was imported before; nothing was added


def import_statement(*, actor: Any, data: bytes, filename: str = "") -> Imported:
    """Store the statement's new credit transactions with their proposed matches."""
    if len(data) > MAX_FILE_BYTES:
        raise ValidationError(
            {"file": ValidationError(_("The file is larger than 20 MB."), code="too_large")}
        )
    digest = hashlib.sha256(data).hexdigest()
    existing = BankStatement.objects.filter(sha256=digest).first()
    if existing is not None:
        return Imported(existing, created=False)
    try:
        parsed = parse_statement(data, filename=filename)
    except StatementError as problem:
        raise ValidationError({"file": ValidationError(str(problem), code="bad_statement")}) from None
    return import_parsed(actor=actor, parsed=parsed, digest=digest, filename=filename)


def import_parsed(*, actor: Any, parsed: ParsedStatement, digest: str, filename: str = "") -> Imported:
    """The import of a statement already read (the demo builds one without a file)."""
    try:
        statement, exact = _store(actor, parsed, digest, filename[:255])
    except IntegrityError:  # the same file, uploaded twice at once: the first one stands
        return Imported(BankStatement.objects.get(sha256=digest), created=False)
    if exact and settings.PAYMENTS_AUTO_BOOK_EXACT:
        transaction.on_commit(partial(_book_later, statement.pk), robust=True)
    return Imported(statement, created=True)


@transaction.atomic
def _store(actor: Any, parsed: ParsedStatement, digest: str, filename: str) -> tuple[BankStatement, int]:
    credits = [entry for entry in parsed.entries if entry.is_credit and not entry.is_reversal]
    statement = BankStatement.objects.create(
        sha256=digest,
        filename=filename,
        format=parsed.format,
        statement_ref=parsed.statement_id[:255],
        account_iban=parsed.account_iban[:34],
        entries=len(parsed.entries),
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    new = _not_seen(credits)
    matcher, convert = Matcher.load(), Converter()
    rows = [_row(statement, entry, matcher.match(entry, convert)) for entry in new]
    for start in range(0, len(rows), BATCH):
        # A concurrent import of an overlapping statement may have stored some meanwhile: theirs stand.
        BankTransaction.objects.bulk_create(rows[start : start + BATCH], ignore_conflicts=True)
    counts = _counts(statement)
    BankStatement.objects.filter(pk=statement.pk).update(**counts)
    statement.refresh_from_db()
    record_event(
        "payments.bank_statement_imported",
        actor=actor,
        target=statement,
        data={"format": parsed.format, "entries": len(parsed.entries), "credits": len(credits)} | counts,
    )
    exact = BankTransaction.objects.filter(statement=statement, confidence=100).count()
    return statement, exact


def _not_seen(entries: list[StatementEntry]) -> list[StatementEntry]:
    keys = [entry.entry_key for entry in entries]
    seen: set[str] = set()
    for start in range(0, len(keys), BATCH):
        chunk = keys[start : start + BATCH]
        seen.update(BankTransaction.objects.filter(entry_key__in=chunk).values_list("entry_key", flat=True))
    return [entry for entry in entries if entry.entry_key not in seen]


def _row(statement: BankStatement, entry: StatementEntry, match: Match) -> BankTransaction:
    return BankTransaction(
        statement=statement,
        entry_key=entry.entry_key,
        account_iban=entry.account_iban[:34],
        booking_date=entry.booking_date,
        value_date=entry.value_date,
        amount=entry.amount,
        currency=entry.currency,
        payer_name=entry.payer_name[:140],
        payer_iban=entry.payer_iban[:34],
        remittance=entry.remittance[:500],
        bank_reference=entry.bank_reference[:128],
        status=match.status,
        document_id=match.document.pk if match.document else None,
        customer_id=match.customer_id,
        confidence=match.confidence,
        rule=match.rule,
    )


def _counts(statement: BankStatement) -> dict[str, int]:
    mine = BankTransaction.objects.filter(statement=statement)
    total = mine.count()
    matched = mine.filter(status=TransactionStatus.PROPOSED).count()
    return {"transactions": total, "matched": matched, "unmatched": total - matched}


def _book_later(statement_id: int) -> None:
    from praho.payments.tasks import book_exact_matches  # the task module imports these services

    book_exact_matches.delay(statement_id)
