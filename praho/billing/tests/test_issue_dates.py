"""The dates a document is issued with (issue 11, item 8): never in the future, never before the
series' last issued document, and late issues are warned of."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from praho.audit.models import AuditEvent
from praho.billing.models import Document, SeriesCounter
from praho.billing.rules.issue_checks import issue_warnings, legal_issue_deadline
from praho.billing.services.drafts import create_document
from praho.billing.services.issuing import issue_document
from praho.billing.services.issuing_batch import issue_documents

HOSTING = {"description": "Web hosting", "quantity": "1", "unit_code": "MON", "unit_price": "100.00"}
TODAY = dt.date(2026, 3, 10)


@pytest.fixture(autouse=True)
def _today():
    # 23:30 in Bucharest on 10 March: still the 10th there, the 10th in UTC too.
    with time_machine.travel(dt.datetime(2026, 3, 10, 21, 30, tzinfo=dt.UTC), tick=False):
        yield


def _draft(actor, customer, document_type="invoice", **values):
    return create_document(
        actor=actor, document_type=document_type, customer=customer, lines=[HOSTING], **values
    )


def _refusal(call, **kwargs):
    with pytest.raises(ValidationError) as failure:
        call(**kwargs)
    return failure.value.message_dict


def test_a_document_dated_tomorrow_is_not_issued(billing_ready, bill_billing, carol_customer):
    draft = _draft(bill_billing, carol_customer, issue_date=TODAY + dt.timedelta(days=1))

    errors = _refusal(issue_document, actor=bill_billing, document=draft)

    assert errors == {"issue_date": ["A document cannot be issued with a date after today (2026-03-10)."]}
    assert Document.objects.get(pk=draft.pk).number == ""
    assert not SeriesCounter.objects.exists()


def test_a_document_dated_before_the_series_last_one_is_not_issued(
    billing_ready, bill_billing, carol_customer
):
    issue_document(
        actor=bill_billing, document=_draft(bill_billing, carol_customer, issue_date=dt.date(2026, 3, 4))
    )
    earlier = _draft(bill_billing, carol_customer, issue_date=dt.date(2026, 3, 1))

    errors = _refusal(issue_document, actor=bill_billing, document=earlier)

    assert errors == {
        "issue_date": [
            "Number PRH-2026-000001 of series PRH was given to a document dated 2026-03-04; the next number "
            "cannot go to an earlier date (2026-03-01). Date the document 2026-03-04 or later."
        ]
    }
    assert SeriesCounter.objects.get().last_number == 1


def test_the_same_day_or_later_is_issued_and_numbers_follow_the_dates(
    billing_ready, bill_billing, carol_customer
):
    days = [dt.date(2026, 3, 4), dt.date(2026, 3, 4), TODAY]

    numbers = [
        issue_document(
            actor=bill_billing, document=_draft(bill_billing, carol_customer, issue_date=day)
        ).number
        for day in days
    ]

    assert numbers == ["PRH-2026-000001", "PRH-2026-000002", "PRH-2026-000003"]
    assert SeriesCounter.objects.get().last_date == TODAY


def test_each_series_keeps_its_own_date_order(billing_ready, bill_billing, carol_customer):
    issue_document(actor=bill_billing, document=_draft(bill_billing, carol_customer, issue_date=TODAY))

    proforma = issue_document(
        actor=bill_billing,
        document=_draft(bill_billing, carol_customer, "proforma", issue_date=dt.date(2026, 3, 2)),
    )

    assert proforma.number == "PRF-2026-000001"


def test_a_batch_is_numbered_in_date_order_and_refused_before_the_series_last_date(
    billing_ready, bill_billing, carol_customer
):
    drafts = [_draft(bill_billing, carol_customer, issue_date=day) for day in (TODAY, dt.date(2026, 3, 2))]
    issued = issue_documents(actor=bill_billing, documents=drafts)
    assert [(d.issue_date, d.number) for d in issued] == [
        (dt.date(2026, 3, 2), "PRH-2026-000001"),
        (TODAY, "PRH-2026-000002"),
    ]
    late = _draft(bill_billing, carol_customer, issue_date=dt.date(2026, 3, 9))

    errors = _refusal(issue_documents, actor=bill_billing, documents=[late])

    assert list(errors) == ["issue_date"]
    assert SeriesCounter.objects.get().last_date == TODAY


def test_a_batch_with_a_document_dated_tomorrow_issues_nothing(billing_ready, bill_billing, carol_customer):
    tomorrow = _draft(bill_billing, carol_customer, issue_date=TODAY + dt.timedelta(days=1))
    today = _draft(bill_billing, carol_customer)

    errors = _refusal(issue_documents, actor=bill_billing, documents=[today, tomorrow])

    assert errors == {
        "documents": [f"{tomorrow}: A document cannot be issued with a date after today (2026-03-10)."]
    }
    assert set(Document.objects.values_list("status", flat=True)) == {"draft"}


@pytest.mark.parametrize(
    ("chargeable", "deadline"),
    [
        (dt.date(2025, 7, 31), dt.date(2025, 8, 15)),
        (dt.date(2025, 12, 3), dt.date(2026, 1, 15)),
        (dt.date(2026, 1, 31), dt.date(2026, 2, 15)),
    ],
)
def test_the_legal_issue_deadline_is_the_15th_of_the_next_month(chargeable, deadline):
    assert legal_issue_deadline(chargeable) == deadline


def test_a_document_issued_past_its_legal_term_or_anafs_window_is_issued_with_warnings(
    billing_ready, bill_billing, carol_customer
):
    draft = _draft(
        bill_billing, carol_customer, issue_date=dt.date(2026, 2, 16), tax_point_date=dt.date(2026, 1, 20)
    )

    invoice = issue_document(actor=bill_billing, document=draft)

    assert [(w.code, w.message) for w in invoice.warnings] == [
        (
            "issued_late",
            "Issued after the legal term: the tax point is 2026-01-20, so the invoice was due by 2026-02-15 "
            "(art. 319(16) of the Romanian Fiscal Code).",
        ),
        (
            "efactura_late",
            "ANAF had to receive a document dated 2026-02-16 by 2026-02-23 (5 working days): it is late for "
            "e-Factura as soon as it is issued; submit it at once.",
        ),
    ]
    event = AuditEvent.objects.get(action="billing.invoice_issued")
    assert event.data["warnings"] == ["issued_late", "efactura_late"]


def test_an_invoice_issued_on_time_has_no_warnings(billing_ready, bill_billing, carol_customer):
    invoice = issue_document(actor=bill_billing, document=_draft(bill_billing, carol_customer))

    assert (invoice.warnings, issue_warnings(invoice)) == ([], [])
    assert "warnings" not in AuditEvent.objects.get(action="billing.invoice_issued").data
