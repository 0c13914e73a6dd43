"""The step before issuing (issue 12, item 10): issuing takes a fiscal number irreversibly, so the
document page's Issue button opens a confirmation page (no script needed) that says what will be
numbered, with which series, and that it is final; only its form issues."""

from __future__ import annotations

import datetime as dt
import re
from datetime import date
from html import unescape

import pytest
import time_machine

from praho.accounts.tests import html_audit
from praho.billing.models import Document
from praho.billing.services.drafts import create_document
from praho.billing.services.issuing import issue_document

pytestmark = pytest.mark.django_db

HOSTING = {"description": "Web hosting Business", "quantity": "12", "unit_code": "MON", "unit_price": "49.99"}


def url(document: Document, action: str = "") -> str:
    return f"/staff/billing/documents/{document.pk}/{action}"


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(dt.datetime(2026, 3, 10, 10, tzinfo=dt.UTC), tick=False):
        yield date(2026, 3, 10)


@pytest.fixture
def billing(staff_client, bill_billing, billing_ready):
    return staff_client(bill_billing)


def _draft(actor, customer, document_type="invoice") -> Document:
    return create_document(actor=actor, document_type=document_type, customer=customer, lines=[HOSTING])


def _facts(html: str) -> list[tuple[str, str]]:
    pairs = re.findall(r"<dt>(.*?)</dt><dd[^>]*>(.*?)</dd>", html, re.S)
    return [(unescape(term), unescape(re.sub(r"<[^>]+>", "", value))) for term, value in pairs]


def test_the_issue_button_leads_to_a_summary_that_says_it_is_final_and_issues_nothing(
    billing, bill_billing, carol_customer
):
    issue_document(actor=bill_billing, document=_draft(bill_billing, carol_customer))  # PRH-2026-000001
    draft = _draft(bill_billing, carol_customer)

    detail = billing.get(url(draft)).content.decode()
    page = billing.get(url(draft, "issue/confirm/"))

    confirm = url(draft, "issue/confirm/")
    button = f'<a class="button" href="{confirm}" aria-describedby="issue-help">Issue…</a>'
    assert button in detail
    assert f'action="{url(draft, "issue/")}"' not in detail
    html = page.content.decode()
    assert "<h1>Issue this invoice?</h1>" in html
    assert _facts(html) == [
        ("Customer", "Carol Hosting SRL"),
        ("Total", "725.85\xa0RON"),
        ("Issue date", "10 Mar 2026"),
        ("Series", "PRH"),
        ("Expected number", "PRH-2026-000002"),
    ]
    assert "<strong>This cannot be undone.</strong>" in html
    assert f'<form method="post" action="{url(draft, "issue/")}"' in html
    assert f'<a class="button secondary" href="{url(draft)}">Cancel, keep the draft</a>' in html
    audit = html_audit.read(page.content)
    assert (audit.inline_scripts, audit.h1_count, audit.unlabelled_controls()) == ([], 1, [])
    draft.refresh_from_db()
    assert (draft.status, draft.number) == ("draft", "")


def test_confirming_issues_the_draft_with_the_number_shown(billing, bill_billing, carol_customer):
    draft = _draft(bill_billing, carol_customer, "proforma")
    page = billing.get(url(draft, "issue/confirm/")).content.decode()

    response = billing.post(url(draft, "issue/"), follow=True)

    assert "<h1>Issue this proforma?</h1>" in page
    assert ("Expected number", "PRF-2026-000001") in _facts(page)
    draft.refresh_from_db()
    assert (draft.status, draft.number) == ("issued", "PRF-2026-000001")
    assert response.redirect_chain == [(url(draft), 302)]


def test_an_issued_document_has_no_confirmation_step(billing, bill_billing, carol_customer):
    invoice = issue_document(actor=bill_billing, document=_draft(bill_billing, carol_customer))

    response = billing.get(url(invoice, "issue/confirm/"), follow=True)

    assert response.redirect_chain == [(url(invoice), 302)]
    messages = [str(message) for message in response.context["messages"]]
    assert messages == ["PRH-2026-000001 was already issued."]


def test_only_who_may_issue_sees_the_step(staff_client, sue_support, bill_billing, billing, carol_customer):
    draft = _draft(bill_billing, carol_customer)

    assert staff_client(sue_support).get(url(draft, "issue/confirm/")).status_code == 403


def test_converting_a_proforma_starts_with_the_same_kind_of_confirmation(
    billing, bill_billing, carol_customer
):
    issue_document(actor=bill_billing, document=_draft(bill_billing, carol_customer))  # PRH-2026-000001
    proforma = issue_document(actor=bill_billing, document=_draft(bill_billing, carol_customer, "proforma"))

    detail = billing.get(url(proforma)).content.decode()
    page = billing.get(url(proforma, "convert/confirm/"))

    confirm = url(proforma, "convert/confirm/")
    assert f'<a class="button" href="{confirm}">Convert into an invoice…</a>' in detail
    assert f'action="{url(proforma, "convert/")}"' not in detail
    html = page.content.decode()
    assert "<h1>Convert this proforma into an invoice?</h1>" in html
    assert _facts(html) == [
        ("Customer", "Carol Hosting SRL"),
        ("Total", "725.85\xa0RON"),
        ("Series", "PRH"),
        ("Expected number", "PRH-2026-000002"),
    ]
    assert "<strong>This cannot be undone.</strong>" in html
    audit = html_audit.read(page.content)
    assert (audit.inline_scripts, audit.h1_count, audit.unlabelled_controls()) == ([], 1, [])
    assert Document.objects.filter(converted_from=proforma).count() == 0

    converted = billing.post(url(proforma, "convert/"))

    invoice = Document.objects.get(converted_from=proforma)
    assert (converted.status_code, invoice.number) == (302, "PRH-2026-000002")
    assert billing.get(url(invoice, "convert/confirm/")).status_code == 404  # not a proforma
