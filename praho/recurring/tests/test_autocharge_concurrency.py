"""Charging once, whoever runs: several charge_due at once (two workers, a re-run) open one charge
and ask Stripe once; Stripe's event delivered several times at once records one payment.
PostgreSQL only: SQLite has one writer at a time, so nothing races there."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client

from praho.billing.models import Payment
from praho.core.validation import fiscal_today
from praho.recurring.models import AutoCharge, ChargeStatus
from praho.recurring.services.autocharge import charge_due
from praho.recurring.tests.renewal_steps import auto_pay, post_event, renewal_document, save_card, service

RUNS = 4


def _at_once(work, times: int) -> list[object]:
    outcomes: list[object] = []
    start = threading.Barrier(times)

    def run() -> None:
        try:
            start.wait(10)
            outcomes.append(work())
        except Exception as error:  # reported by the assertions
            outcomes.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return outcomes


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_runs_charge_once_and_events_pay_once(
    billing_ready, shop, bill_billing, carol_customer, fake_stripe
):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency needs PostgreSQL; run with DATABASE_URL=postgres://...")
    renewal_document(bill_billing, [service(shop, carol_customer)])
    save_card(fake_stripe, carol_customer)
    auto_pay(carol_customer)

    outcomes = _at_once(lambda: charge_due(on=fiscal_today()), RUNS)

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sum(len(o) for o in outcomes if isinstance(o, list)) == 1
    charge = AutoCharge.objects.get()
    assert charge.status == ChargeStatus.SUCCEEDED
    assert len(fake_stripe.requests_to("payment_intents")) == 1

    [event] = fake_stripe.events_of("payment_intent.succeeded")
    statuses = _at_once(lambda: post_event(Client(), fake_stripe, event).status_code, 3)
    assert statuses == [200, 200, 200]
    assert Payment.objects.filter(external_id=charge.payment_intent).count() == 1
