"""Dunning's schedule applied day by day (the default one: reminders 7 days before, on the due
date, 3 and 7 days after, suspension after 10, termination after 30): each step once, stale
reminders skipped, payment and exemption stopping it."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail

from praho.core.validation import fiscal_today
from praho.recurring.models import DunningNotice, NoticeStatus
from praho.recurring.services.dunning import run_dunning
from praho.recurring.services.dunning_schedule import lift_exemption, set_exemption
from praho.recurring.tests.dunning_support import (
    DUE,
    INVOICE_EMAIL,
    dun,
    invoice_email,
    pay,
    renewal_document,
    service,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def document(shop, bill_billing, alice_admin, carol_customer):
    invoice_email(alice_admin, carol_customer)
    return renewal_document(bill_billing, carol_customer, [service(shop, carol_customer)])


def steps(document):
    return list(
        DunningNotice.objects.filter(document=document)
        .order_by("days")
        .values_list("days", "action", "status")
    )


def test_each_reminder_goes_out_once_on_its_day(document, django_capture_on_commit_callbacks):
    sent_by_day = {}
    for day in range(-10, 9):
        before = len(mail.outbox)
        dun(day, capture=django_capture_on_commit_callbacks)
        dun(day, capture=django_capture_on_commit_callbacks)  # a second run that day sends nothing
        sent_by_day[day] = len(mail.outbox) - before

    assert {day: n for day, n in sent_by_day.items() if n} == {-7: 1, 0: 1, 3: 1, 7: 1}
    assert steps(document) == [
        (-7, "remind", "done"),
        (0, "remind", "done"),
        (3, "remind", "done"),
        (7, "remind", "done"),
    ]
    assert {tuple(message.to) for message in mail.outbox} == {(INVOICE_EMAIL,)}


def test_days_with_nothing_due_write_nothing(document):
    summary = dun(-8)
    assert (summary.documents, summary.reminders) == (0, 0)
    assert not DunningNotice.objects.exists()


def test_after_days_without_a_run_only_the_latest_reminder_is_sent(
    document, django_capture_on_commit_callbacks
):
    summary = dun(5, capture=django_capture_on_commit_callbacks)

    assert (summary.reminders, summary.skipped) == (1, 2)
    assert len(mail.outbox) == 1
    assert steps(document) == [(-7, "remind", "skipped"), (0, "remind", "skipped"), (3, "remind", "done")]


def test_the_time_machine_walks_the_whole_schedule(document, django_capture_on_commit_callbacks, settings):
    """Dunning as the daily task runs it (today's date), from the first reminder to termination."""
    for day in range(-7, 31):
        travel = time_machine.travel(DUE + timedelta(days=day, hours=10), tick=False)
        with travel, django_capture_on_commit_callbacks(execute=True):
            run_dunning(on=fiscal_today())

    assert steps(document) == [
        (-7, "remind", "done"),
        (0, "remind", "done"),
        (3, "remind", "done"),
        (7, "remind", "done"),
        (10, "suspend", "done"),
        (30, "terminate", "awaiting"),
    ]
    assert len(mail.outbox) == 4


def test_a_paid_document_is_chased_no_more(document, bill_billing, django_capture_on_commit_callbacks):
    dun(-7, capture=django_capture_on_commit_callbacks)
    pay(bill_billing, document)

    for day in (0, 3, 10, 30):
        summary = dun(day, capture=django_capture_on_commit_callbacks)
        assert summary.documents == 0

    assert steps(document) == [(-7, "remind", "done")]
    assert len(mail.outbox) == 1


def test_a_part_payment_keeps_chasing_what_is_left(
    document, bill_billing, django_capture_on_commit_callbacks
):
    """Paying part of a proforma converts it into an invoice that still owes the rest."""
    from decimal import Decimal

    pay(bill_billing, document, Decimal("50.00"))

    dun(0, capture=django_capture_on_commit_callbacks)

    assert steps(document) == [(-7, "remind", "skipped"), (0, "remind", "done")]
    body = mail.outbox[0].body
    invoice = document.converted_to
    assert invoice.number in body
    assert document.number not in mail.outbox[0].subject


def test_an_exempt_customer_is_not_chased_until_the_exemption_is_lifted(
    document, carol_customer, alice_admin, django_capture_on_commit_callbacks
):
    set_exemption(actor=alice_admin, customer=carol_customer, reason="Pays by contract, quarterly")

    assert dun(12, capture=django_capture_on_commit_callbacks).documents == 0
    assert not DunningNotice.objects.exists()

    lift_exemption(actor=alice_admin, customer=carol_customer)
    summary = dun(12, capture=django_capture_on_commit_callbacks)

    assert (summary.reminders, summary.skipped, summary.suspended) == (1, 3, 1)
    assert steps(document)[-2:] == [(7, "remind", "done"), (10, "suspend", "done")]


def test_a_cancelled_proforma_is_not_chased(document, bill_billing):
    from praho.billing.services.corrections import cancel_proforma

    cancel_proforma(actor=bill_billing, proforma=document)
    assert dun(3).documents == 0


def test_an_unpaid_invoice_is_chased_like_a_proforma(
    shop, bill_billing, alice_admin, carol_customer, django_capture_on_commit_callbacks
):
    invoice_email(alice_admin, carol_customer)
    invoice = renewal_document(bill_billing, carol_customer, [service(shop, carol_customer)], kind="invoice")
    dun(0, capture=django_capture_on_commit_callbacks)
    assert steps(invoice) == [(-7, "remind", "skipped"), (0, "remind", "done")]


def test_a_step_the_notice_row_holds_is_never_written_again(document, django_capture_on_commit_callbacks):
    """The unique row is the delivery log: a run that finds it writes nothing, even for a step
    another run is writing right now (the constraint refuses the second row)."""
    from django.db import IntegrityError, transaction

    dun(0, capture=django_capture_on_commit_callbacks)
    with pytest.raises(IntegrityError), transaction.atomic():
        DunningNotice.objects.create(
            document=document, customer=document.customer, days=0, action="remind", status=NoticeStatus.DONE
        )
    assert dun(0).documents == 0


def test_a_customer_without_an_address_gets_no_reminder_and_it_says_why(
    shop, bill_billing, carol_customer, django_capture_on_commit_callbacks
):
    document = renewal_document(bill_billing, carol_customer, [service(shop, carol_customer)])
    carol_customer.email = ""
    carol_customer.save(update_fields=["email"])

    dun(0, capture=django_capture_on_commit_callbacks)

    notice = DunningNotice.objects.get(document=document, days=0)
    assert notice.status == NoticeStatus.SKIPPED
    assert "no invoice email" in notice.detail
    assert mail.outbox == []


def test_no_reminder_crosses_an_automatic_charge_under_way(document, django_capture_on_commit_callbacks):
    from praho.recurring.models import AutoCharge

    charge = AutoCharge.objects.create(
        document=document, customer=document.customer, amount=document.total, currency=document.currency
    )
    dun(0, capture=django_capture_on_commit_callbacks)
    assert mail.outbox == []
    assert steps(document) == [(-7, "remind", "skipped"), (0, "remind", "skipped")]
    assert DunningNotice.objects.get(days=0).detail == "The saved card is being charged."
    charge.status = "failed"
    charge.save()
    dun(3, capture=django_capture_on_commit_callbacks)  # declined: reminders go on
    assert len(mail.outbox) == 1
