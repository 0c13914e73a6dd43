"""The reminder e-mails: to billing's address for documents, in the document's language, with
the number, amount due, due date and pay link; worded before, on and after the due date, and
announcing the suspension's day."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail

from praho.core.formatting import format_date, format_money
from praho.recurring.models import DunningNotice
from praho.recurring.services import dunning_email
from praho.recurring.tests.dunning_support import (
    DUE,
    INVOICE_EMAIL,
    dun,
    invoice_email,
    renewal_document,
    service,
)

pytestmark = pytest.mark.django_db


def reminded(shop, actor, customer, day, capture, *, language="en"):
    invoice_email(actor, customer, language=language)
    document = renewal_document(actor, customer, [service(shop, customer)])
    dun(day, capture=capture)
    assert len(mail.outbox) == 1
    return document, mail.outbox[0]


@pytest.mark.parametrize("language", ["ro", "bg", "en"])
def test_the_reminder_is_in_the_documents_language(
    shop, alice_admin, carol_customer, django_capture_on_commit_callbacks, language
):
    document, message = reminded(
        shop, alice_admin, carol_customer, 0, django_capture_on_commit_callbacks, language=language
    )

    assert message.extra_headers["Content-Language"] == language
    assert DunningNotice.objects.get(document=document, days=0).language == language
    html, mime = message.alternatives[0]
    assert mime == "text/html"
    assert f'<html lang="{language}">' in html
    assert format_date(DUE, language) in message.body


def test_the_reminder_says_what_to_pay_and_where(
    shop, alice_admin, carol_customer, django_capture_on_commit_callbacks
):
    document, message = reminded(shop, alice_admin, carol_customer, -7, django_capture_on_commit_callbacks)

    assert message.to == [INVOICE_EMAIL]
    assert document.number in message.subject
    amount = format_money(Decimal("121.00"), "RON", "en")  # 100.00 + 21 % VAT
    assert amount in message.body
    assert f"/app/billing/documents/{document.pk}/" in message.body
    html = message.alternatives[0][0]
    assert 'href="http://' in html
    assert f"/app/billing/documents/{document.pk}/" in html
    assert amount in html


@pytest.mark.parametrize(
    ("day", "wording"),
    [
        (-7, "is due in 7 days"),
        (0, "is due today"),
        (3, "3 days ago, and is not paid yet"),
    ],
)
def test_the_wording_follows_the_due_date(
    shop, alice_admin, carol_customer, django_capture_on_commit_callbacks, day, wording
):
    _document, message = reminded(shop, alice_admin, carol_customer, day, django_capture_on_commit_callbacks)
    assert wording in message.body
    assert dunning_email.timing(day) in ("before", "on", "after")


def test_a_reminder_after_days_without_a_run_says_how_late_it_really_is(
    shop, alice_admin, carol_customer, django_capture_on_commit_callbacks
):
    """Dunning did not run from the due date to day 5: the +3 reminder goes out, saying 5 days."""
    _document, message = reminded(shop, alice_admin, carol_customer, 5, django_capture_on_commit_callbacks)
    assert "5 days ago" in message.body


def test_an_overdue_reminder_announces_the_suspension_day(
    shop, alice_admin, carol_customer, django_capture_on_commit_callbacks
):
    _document, message = reminded(shop, alice_admin, carol_customer, 7, django_capture_on_commit_callbacks)

    day = format_date(DUE + timedelta(days=10), "en")
    assert f"will be suspended on {day}" in message.subject
    assert f"your services will be suspended on {day}" in message.body


def test_no_suspension_is_announced_once_it_happened(
    shop, alice_admin, carol_customer, django_capture_on_commit_callbacks
):
    from praho.recurring.models import DunningStep

    DunningStep.objects.create(days=15, action="remind")
    invoice_email(alice_admin, carol_customer, language="en")
    renewal_document(alice_admin, carol_customer, [service(shop, carol_customer)])
    dun(12, capture=django_capture_on_commit_callbacks)
    mail.outbox.clear()

    dun(15, capture=django_capture_on_commit_callbacks)

    assert len(mail.outbox) == 1
    assert "suspended" not in mail.outbox[0].body


def test_a_reminder_the_mail_server_refuses_says_so_on_its_notice(
    shop, alice_admin, carol_customer, django_capture_on_commit_callbacks, monkeypatch
):
    def refuse(self, fail_silently=False):
        raise OSError("Connection refused")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refuse)
    invoice_email(alice_admin, carol_customer)
    document = renewal_document(alice_admin, carol_customer, [service(shop, carol_customer)])

    summary = dun(0, capture=django_capture_on_commit_callbacks)

    assert summary.errors == []
    assert "Connection refused" in DunningNotice.objects.get(document=document, days=0).detail


def test_nothing_is_sent_when_the_run_rolls_back(
    shop, alice_admin, carol_customer, django_capture_on_commit_callbacks
):
    """The e-mail waits for the commit of the step's row."""
    from django.db import transaction

    invoice_email(alice_admin, carol_customer)
    renewal_document(alice_admin, carol_customer, [service(shop, carol_customer)])

    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                dun(0)
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass

    assert mail.outbox == []
    assert not DunningNotice.objects.exists()
