"""The e-Factura dashboard (/staff/efactura/): counts by state, documents past or near their
deadline, rejected and invalid ones, issued documents not tracked yet; who may see it; and the
sidebar links. Submissions are made directly as setup: the page only reads them."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
import time_machine

from praho.accounts.tests import html_audit
from praho.billing.tests.factories import issued_invoice
from praho.efactura.models import Submission, SubmissionState

pytestmark = pytest.mark.django_db

State = SubmissionState
URL = "/staff/efactura/"
NOW = dt.datetime(2026, 3, 10, 10, 0, tzinfo=dt.UTC)  # Tuesday 2026-03-10 in Bucharest
TODAY = dt.date(2026, 3, 10)
YESTERDAY = dt.date(2026, 3, 9)
TOMORROW = dt.date(2026, 3, 11)  # the next working day: one working day left


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


def tracked(customer, state: str, deadline: dt.date, **values) -> Submission:
    invoice = issued_invoice(customer, issue_date=dt.date(2026, 3, 2), post=False)
    return Submission.objects.create(document=invoice, state=state, deadline=deadline, **values)


def text(response) -> str:
    return unescape(response.content.decode())


def section(page: str, name: str) -> str:
    match = re.search(rf'<section [^>]*data-section="{name}">(.*?)</section>', page, re.DOTALL)
    assert match, name
    return match.group(1)


def numbers_in(html: str) -> list[str]:
    return re.findall(r'<a href="/staff/billing/documents/\d+/">([^<]+)</a>', html)


def counts_in(page: str) -> dict[str, int]:
    rows = re.findall(r'<tr data-state="(\w+)">.*?data-count="(\d+)"', page, re.DOTALL)
    return {state: int(count) for state, count in rows}


@pytest.fixture
def one_of_each(carol_customer):
    """Documents in every situation the page sorts them into, by their number."""
    return {
        "overdue": tracked(carol_customer, State.UPLOADED, YESTERDAY),
        "accepted_late": tracked(carol_customer, State.ACCEPTED, YESTERDAY),
        "due_today": tracked(carol_customer, State.PROCESSING, TODAY),
        "due_tomorrow": tracked(carol_customer, State.VALIDATED, TOMORROW),
        "accepted_tomorrow": tracked(carol_customer, State.ACCEPTED, TOMORROW),
        "later": tracked(carol_customer, State.NOT_SUBMITTED, dt.date(2026, 3, 12)),
        "rejected": tracked(
            carol_customer,
            State.REJECTED,
            dt.date(2026, 3, 13),
            errors=[{"code": "E001", "message": "CIF cumparator invalid"}],
        ),
        "invalid": tracked(
            carol_customer,
            State.INVALID,
            dt.date(2026, 3, 13),
            validation={
                "state": "invalid",
                "reason": "",
                "failures": [
                    {"rule_id": "BR-RO-100", "flag": "fatal", "text": "Adresa lipsa", "location": "/"}
                ],
            },
        ),
        "untracked": issued_invoice(carol_customer, issue_date=dt.date(2026, 3, 2), post=False),
    }


def test_the_page_counts_documents_by_state(staff_client, bill_billing, one_of_each):
    page = text(staff_client(bill_billing).get(URL))

    assert counts_in(page) == {
        "not_submitted": 1,
        "invalid": 1,
        "validated": 1,
        "unknown": 0,
        "uploaded": 1,
        "processing": 1,
        "accepted": 2,
        "rejected": 1,
        "untracked": 1,
    }
    # The bars: each count's share of the largest (accepted, 2).
    assert re.findall(r'<rect x="0" y="0" width="(\d+)"', page) == [
        "50",
        "50",
        "50",
        "0",
        "50",
        "50",
        "100",
        "50",
    ]


def test_the_page_lists_documents_past_and_near_their_deadline(staff_client, bill_billing, one_of_each):
    page = text(staff_client(bill_billing).get(URL))

    numbers = {key: document_or_submission_number(value) for key, value in one_of_each.items()}
    assert numbers_in(section(page, "overdue")) == [numbers["overdue"]]
    assert numbers_in(section(page, "near")) == [numbers["due_today"], numbers["due_tomorrow"]]
    assert "Past the deadline, not accepted (1)" in page
    assert "At most one working day left (2)" in page


def test_the_page_lists_rejected_and_invalid_documents_with_the_reasons(
    staff_client, bill_billing, one_of_each
):
    page = text(staff_client(bill_billing).get(URL))

    rejected, invalid = section(page, "rejected"), section(page, "invalid")
    assert numbers_in(rejected) == [one_of_each["rejected"].document.number]
    assert '<span class="mono">E001</span> CIF cumparator invalid' in rejected
    assert numbers_in(invalid) == [one_of_each["invalid"].document.number]
    assert '<span class="mono">BR-RO-100</span> Adresa lipsa' in invalid


def test_the_page_lists_issued_documents_not_tracked_yet_with_their_deadline(
    staff_client, bill_billing, one_of_each
):
    untracked = section(text(staff_client(bill_billing).get(URL)), "untracked")

    assert numbers_in(untracked) == [one_of_each["untracked"].number]
    # Issued on Monday 2026-03-02: due the 5th working day after, Monday 2026-03-09, so past it.
    assert '<time datetime="2026-03-09">' in untracked
    assert "Past the deadline" in untracked


def test_documents_issued_before_the_start_date_are_not_listed_as_not_tracked(
    staff_client, bill_billing, carol_customer, settings
):
    issued_invoice(carol_customer, issue_date=dt.date(2026, 3, 2), post=False)
    from_the_start = issued_invoice(carol_customer, issue_date=dt.date(2026, 3, 3), post=False)
    settings.EFACTURA_START_DATE = dt.date(2026, 3, 3)

    page = text(staff_client(bill_billing).get(URL))

    assert numbers_in(section(page, "untracked")) == [from_the_start.number]


def test_every_row_links_to_the_documents_page(staff_client, bill_billing, one_of_each):
    page = text(staff_client(bill_billing).get(URL))

    linked = set(re.findall(r'href="/staff/billing/documents/(\d+)/"', page))
    expected = {"overdue", "due_today", "due_tomorrow", "rejected", "invalid", "untracked"}
    assert linked == {str(document_or_submission_pk(one_of_each[key])) for key in expected}


def test_an_empty_page_says_so(staff_client, bill_billing):
    page = text(staff_client(bill_billing).get(URL))

    assert set(counts_in(page).values()) == {0}
    assert page.count("<td colspan") == 5
    audit = html_audit.read(page.encode())
    assert audit.inline_scripts == []
    assert audit.unlabelled_controls() == []


def document_or_submission_number(value) -> str:
    return value.document.number if isinstance(value, Submission) else value.number


def document_or_submission_pk(value) -> int:
    return value.document_id if isinstance(value, Submission) else value.pk


@pytest.mark.parametrize("rows", [3, 30])
def test_the_page_runs_a_fixed_number_of_queries(
    staff_client, bill_billing, carol_customer, django_assert_num_queries, rows
):
    for _ in range(rows):
        tracked(carol_customer, State.UPLOADED, YESTERDAY)
        tracked(carol_customer, State.PROCESSING, TOMORROW)
        tracked(carol_customer, State.REJECTED, TOMORROW, errors=[{"code": "E", "message": "x"}])
        tracked(carol_customer, State.INVALID, TOMORROW)
        issued_invoice(carol_customer, post=False)
    client = staff_client(bill_billing)

    # session, user, the staff second-factor check, the user's permissions and their groups'
    # (2), counts by state, the five sections (untracked, overdue, near, rejected, invalid)
    # and the untracked count.
    with django_assert_num_queries(12):
        response = client.get(URL)

    assert response.status_code == 200
    assert counts_in(text(response))["uploaded"] == rows


# --- who may see it -----------------------------------------------------------------------


@pytest.mark.parametrize("actor", ["alice_admin", "mike_manager", "bill_billing", "sue_support"])
def test_staff_who_follow_submissions_see_the_page_and_its_sidebar_link(staff_client, request, actor):
    response = staff_client(request.getfixturevalue(actor)).get(URL)

    assert response.status_code == 200
    assert '<a href="/staff/efactura/" aria-current="page">e-Factura</a>' in text(response)


def test_sales_staff_are_refused_and_have_no_link(staff_client, sam_sales):
    client = staff_client(sam_sales)

    assert client.get(URL).status_code == 403
    assert 'href="/staff/efactura/"' not in text(client.get("/staff/billing/invoices/"))


def test_a_customers_user_is_refused(client, carol):
    client.force_login(carol)

    assert client.get(URL).status_code == 404


def test_only_admins_get_the_anaf_connection_link(staff_client, alice_admin, bill_billing):
    assert 'href="/staff/efactura/anaf/"' in text(staff_client(alice_admin).get(URL))
    assert 'href="/staff/efactura/anaf/"' not in text(staff_client(bill_billing).get(URL))


@pytest.mark.parametrize(("environment", "warned"), [("test", True), ("prod", False)])
def test_the_page_warns_when_documents_go_to_anafs_test_system(
    staff_client, bill_billing, settings, environment, warned
):
    settings.EFACTURA_ENVIRONMENT = environment

    page = text(staff_client(bill_billing).get(URL))

    assert (
        "Documents go to ANAF's test system: nothing sent from here has any fiscal effect." in page
    ) is warned


def test_a_document_dated_on_the_calendar_s_last_day_does_not_break_the_page(
    staff_client, bill_billing, carol_customer
):
    """Input is bounded to 2000..2099, but a date stored before that (or by a data fix) must
    not take the page down for everyone: its deadline is the last day there is."""
    untracked = issued_invoice(carol_customer, issue_date=dt.date.max, due_date=dt.date.max, post=False)

    response = staff_client(bill_billing).get(URL)

    assert response.status_code == 200
    assert numbers_in(section(text(response), "untracked")) == [untracked.number]
    assert '<time datetime="9999-12-31">' in section(text(response), "untracked")
