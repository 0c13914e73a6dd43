"""Demo payments: a bank statement the billing clerk imported, built from billing's demo documents
(`manage.py demo` runs billing's demo first), so the bank pages show each outcome:

- a transfer naming the overdue invoice of the Romanian company, for what it owes: booked by itself;
- a transfer naming the EU business's open proforma, for less than it asks: waiting for review;
- a transfer nobody can place: unmatched, waiting for staff to book it as someone's credit.

Card payments need the local fake Stripe (`manage.py fakes`): a customer pays a proforma from its
page in the customer area. The statement is imported once (its id names it).
"""

from __future__ import annotations

import hashlib
from decimal import Decimal

from praho.accounts.demo import STAFF
from praho.accounts.models import User
from praho.accounts.roles import Role
from praho.billing.demo import NOTE
from praho.billing.models import Document
from praho.core.validation import fiscal_today
from praho.payments.models import BankStatement
from praho.payments.services.bank_import import import_parsed
from praho.payments.statements import ParsedStatement, StatementEntry

STATEMENT_ID = "DEMO-EXTRAS-1"
ACCOUNT = "RO03RNCB0082044456780001"


def _document(scenario: str) -> Document | None:
    return Document.objects.filter(notes=f"{NOTE} {scenario}").first()


def _entry(key: str, amount: Decimal, currency: str, payer: str, remittance: str) -> StatementEntry:
    return StatementEntry(
        account_iban=ACCOUNT,
        booking_date=fiscal_today(),
        value_date=fiscal_today(),
        amount=amount,
        currency=currency,
        is_credit=True,
        is_reversal=False,
        payer_name=payer,
        payer_iban="",
        remittance=remittance,
        bank_reference=key,
        entry_key=f"{ACCOUNT}:{key}",
    )


def _entries() -> list[StatementEntry]:
    entries = []
    overdue = _document("Romanian company, overdue invoice")
    if overdue is not None and overdue.outstanding_amount > 0:
        entries.append(
            _entry(
                "DEMO-1",
                overdue.outstanding_amount,
                overdue.currency,
                "SC ACME SRL",
                f"Plata factura {overdue.number}",
            )
        )
    proforma = _document("EU business, open proforma")
    if proforma is not None:
        part = (proforma.total / 2).quantize(Decimal("0.01"))
        entries.append(
            _entry("DEMO-2", part, proforma.currency, "SOFIA WEB OOD", f"Avans {proforma.number.lower()}")
        )
    entries.append(_entry("DEMO-3", Decimal("250.00"), "RON", "ION POPESCU", "contravaloare servicii"))
    return entries


def load(*, with_passwords: bool) -> list[str]:
    if BankStatement.objects.filter(statement_ref=STATEMENT_ID).exists():
        return ["", "Payments: the demo bank statement is there already."]
    clerk = User.objects.filter(
        email=next(email for role, email, _f, _l in STAFF if role == Role.BILLING)
    ).first()
    entries = _entries()
    parsed = ParsedStatement(
        format="camt.053.001.08",
        statement_id=STATEMENT_ID,
        account_iban=ACCOUNT,
        currency="RON",
        entries=entries,
    )
    imported = import_parsed(
        actor=clerk,
        parsed=parsed,
        digest=hashlib.sha256(STATEMENT_ID.encode()).hexdigest(),
        filename="demo.xml",
    )
    statement = imported.statement
    return [
        "",
        f"Payments: a demo bank statement with {statement.transactions} transfers "
        f"({statement.matched} matched, {statement.unmatched} unmatched; exact matches are booked by "
        "themselves): /staff/payments/bank/.",
        "  Card payments: run `manage.py fakes` (Stripe on 8718), then pay a proforma in the customer area.",
    ]
