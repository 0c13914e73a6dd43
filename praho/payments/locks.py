"""Row locks payments takes, after billing's: inbound event (inbox) → customer → documents
(billing.locks) → checkout sessions, card refunds, bank transactions (these) → the audit chain
(docs/decisions/0006-locking.md). A refund and a bank booking lock the customer before their own
row for that reason."""

from __future__ import annotations

from praho.payments.models import BankTransaction, CardRefund, CheckoutSession


def locked_checkout(session_id: str) -> CheckoutSession | None:
    return CheckoutSession.objects.select_for_update(no_key=True).filter(session_id=session_id).first()


def locked_card_refund(pk: int) -> CardRefund:
    return CardRefund.objects.select_for_update(no_key=True).select_related("payment").get(pk=pk)


def locked_bank_transaction(pk: int) -> BankTransaction:
    return BankTransaction.objects.select_for_update(no_key=True).get(pk=pk)
