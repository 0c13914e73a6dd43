"""Payments' Celery tasks: thin, idempotent, by id."""

from __future__ import annotations

from celery import shared_task

from praho.payments.gateways.stripe_api import StripeRefusedError
from praho.payments.services import bank_booking, card_refunds


@shared_task(name="payments.retry_refund", ignore_result=True)
def retry_refund(card_refund_id: int) -> str:
    try:
        return str(card_refunds.ask_stripe(card_refund_id).status)
    except StripeRefusedError:
        return "failed"


@shared_task(name="payments.book_exact_matches", ignore_result=True)
def book_exact_matches(statement_id: int) -> int:
    return bank_booking.book_exact_matches(statement_id)
