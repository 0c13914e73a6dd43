"""The e-Factura panel on billing's staff document page, and its actions under
/staff/efactura/documents/{id}/: "Submit to ANAF" (submissions.submit) and ANAF's archived
signed answer. Submissions other than those the button creates are made directly as setup."""

from __future__ import annotations

import datetime as dt
from html import unescape

import pytest
import time_machine

from praho.audit.models import AuditEvent
from praho.billing.tests.conftest import billing_ready  # noqa: F401 (a fixture)
from praho.billing.tests.test_api import DOMAINS, HOSTING, NOW, draft, issued
from praho.efactura.models import Submission, SubmissionState, Upload

# billing_ready: seeded VAT rates and series and a configured seller (billing's fixture).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("billing_ready")]

State = SubmissionState
ZIP = b"PK\x03\x04 signed answer"


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def invoice(bill_billing, carol_customer):
    return issued(bill_billing, carol_customer, HOSTING, DOMAINS)


def page_of(client, document) -> str:
    response = client.get(f"/staff/billing/documents/{document.pk}/")
    assert response.status_code == 200
    return unescape(response.content.decode())


def submit_url(document) -> str:
    return f"/staff/efactura/documents/{document.pk}/submit/"


def test_an_untracked_invoice_shows_its_deadline_and_can_be_submitted(staff_client, bill_billing, invoice):
    page = page_of(staff_client(bill_billing), invoice)

    assert 'data-efactura-state="not_submitted"' in page
    assert "(not tracked yet)" in page
    # Issued Tuesday 2026-03-10: the 5th working day after is Tuesday 2026-03-17.
    assert '<time datetime="2026-03-17">' in page
    assert f'action="{submit_url(invoice)}"' in page
    assert "Submit to ANAF</button>" in page


def test_a_rejected_invoice_shows_anafs_errors_its_answer_and_submit_again(
    staff_client, bill_billing, invoice
):
    Submission.objects.create(
        document=invoice,
        state=State.REJECTED,
        deadline=dt.date(2026, 3, 17),
        upload_index="5001234567",
        download_id="3001234567",
        answer=ZIP,
        errors=[{"code": "E-1", "message": "CIF-ul cumparatorului nu este valid"}],
    )

    page = page_of(staff_client(bill_billing), invoice)

    assert 'data-efactura-state="rejected"' in page
    assert "5001234567" in page
    assert '<span class="mono">E-1</span> CIF-ul cumparatorului nu este valid' in page
    assert f'href="/staff/efactura/documents/{invoice.pk}/answer/"' in page
    assert "Submit again</button>" in page


def test_an_invalid_invoice_shows_the_failed_rules(staff_client, bill_billing, invoice):
    failure = {"rule_id": "BR-RO-065", "flag": "fatal", "text": "Nume strada lipsa", "location": "/Invoice"}
    Submission.objects.create(
        document=invoice,
        state=State.INVALID,
        deadline=dt.date(2026, 3, 17),
        validation={"state": "invalid", "reason": "", "failures": [failure]},
    )

    page = page_of(staff_client(bill_billing), invoice)

    assert '<span class="mono">BR-RO-065</span> Nume strada lipsa' in page
    assert "Submit again</button>" in page


@pytest.mark.parametrize("state", [State.UNKNOWN, State.UPLOADED, State.PROCESSING])
def test_while_anaf_may_hold_the_document_the_button_asks_anaf(staff_client, bill_billing, invoice, state):
    Submission.objects.create(document=invoice, state=state, deadline=dt.date(2026, 3, 17))

    page = page_of(staff_client(bill_billing), invoice)

    assert f'data-efactura-state="{state}"' in page
    assert "Ask ANAF now</button>" in page


@pytest.mark.parametrize(
    ("sent_minutes_ago", "listed_minutes_ago", "label"),
    [
        (60, 1, "Ask ANAF now"),  # within the grace period
        (25 * 60, None, "Ask ANAF now"),  # past it, but not looked for since
        (25 * 60, 120, "Ask ANAF now"),  # the last look ended before the grace period did
        (25 * 60, 1, "Submit again"),  # a look past the grace period did not find it
    ],
)
def test_an_unknown_upload_is_offered_again_only_after_a_look_past_the_grace_period(
    staff_client, bill_billing, invoice, sent_minutes_ago, listed_minutes_ago, label
):
    submission = Submission.objects.create(
        document=invoice, state=State.UNKNOWN, deadline=dt.date(2026, 3, 17)
    )
    listed = NOW - dt.timedelta(minutes=listed_minutes_ago) if listed_minutes_ago is not None else None
    Upload.objects.create(
        submission=submission, sent_at=NOW - dt.timedelta(minutes=sent_minutes_ago), last_listed_at=listed
    )

    page = page_of(staff_client(bill_billing), invoice)

    assert f"{label}</button>" in page


def test_no_button_once_anaf_accepted_the_document(staff_client, bill_billing, invoice):
    Submission.objects.create(document=invoice, state=State.ACCEPTED, deadline=dt.date(2026, 3, 17))

    page = page_of(staff_client(bill_billing), invoice)

    assert 'data-efactura-state="accepted"' in page
    assert submit_url(invoice) not in page


def test_support_see_the_panel_without_the_button(staff_client, sue_support, invoice):
    page = page_of(staff_client(sue_support), invoice)

    assert 'data-efactura-state="not_submitted"' in page
    assert submit_url(invoice) not in page


def test_sales_see_no_panel_but_the_xml(staff_client, sam_sales, invoice):
    page = page_of(staff_client(sam_sales), invoice)

    assert "data-efactura-state" not in page
    assert "e-Factura XML</a>" in page


def test_a_draft_has_no_panel(staff_client, bill_billing, carol_customer):
    document = draft(bill_billing, carol_customer)

    assert "data-efactura-state" not in page_of(staff_client(bill_billing), document)


# --- submitting -------------------------------------------------------------------------------


def test_submitting_starts_the_submission_and_audits_it(staff_client, bill_billing, invoice, anaf_connected):
    response = staff_client(bill_billing).post(submit_url(invoice), follow=True)

    assert response.redirect_chain == [(f"/staff/billing/documents/{invoice.pk}/", 302)]
    submission = Submission.objects.get(document=invoice)
    assert (submission.state, submission.deadline) == (State.NOT_SUBMITTED, dt.date(2026, 3, 17))
    event = AuditEvent.objects.get(action="efactura.submit_requested")
    assert (event.actor_id, event.data["document"]) == (bill_billing.pk, invoice.number)
    assert [str(message) for message in response.context["messages"]] == [
        f"{invoice} is on its way to ANAF (Not submitted); its state here follows ANAF's answer."
    ]


def test_submitting_an_accepted_document_is_refused(staff_client, bill_billing, invoice):
    Submission.objects.create(document=invoice, state=State.ACCEPTED, deadline=dt.date(2026, 3, 17))

    response = staff_client(bill_billing).post(submit_url(invoice), follow=True)

    assert [str(message) for message in response.context["messages"]] == [
        f"ANAF has already accepted {invoice}; it is not sent again."
    ]
    assert Submission.objects.get(document=invoice).state == State.ACCEPTED
    assert not AuditEvent.objects.filter(action="efactura.submit_requested").exists()


def test_staff_without_the_permission_cannot_submit(staff_client, sue_support, invoice):
    response = staff_client(sue_support).post(submit_url(invoice))

    assert response.status_code == 403
    assert not Submission.objects.filter(document=invoice).exists()


def test_submitting_needs_a_post(staff_client, bill_billing, invoice):
    assert staff_client(bill_billing).get(submit_url(invoice)).status_code == 405


def test_an_unknown_document_is_404(staff_client, bill_billing, invoice):
    client = staff_client(bill_billing)

    assert client.post("/staff/efactura/documents/999999/submit/").status_code == 404
    assert client.get("/staff/efactura/documents/999999/answer/").status_code == 404


def test_a_customers_user_cannot_submit_their_own_invoice(client, carol, invoice):
    client.force_login(carol)

    assert client.post(submit_url(invoice)).status_code == 404
    assert not Submission.objects.filter(document=invoice).exists()


# --- ANAF's signed answer ---------------------------------------------------------------------


def test_staff_download_the_archived_answer(staff_client, sue_support, invoice):
    Submission.objects.create(
        document=invoice, state=State.ACCEPTED, deadline=dt.date(2026, 3, 17), download_id="3001", answer=ZIP
    )

    response = staff_client(sue_support).get(f"/staff/efactura/documents/{invoice.pk}/answer/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == f'attachment; filename="{invoice.number}-ANAF-3001.zip"'
    assert response.content == ZIP
    event = AuditEvent.objects.get(action="efactura.answer_copied")
    assert (event.actor, event.data) == (sue_support, {"document": invoice.number})


def test_no_answer_yet_is_404(staff_client, sue_support, invoice):
    Submission.objects.create(document=invoice, state=State.PROCESSING, deadline=dt.date(2026, 3, 17))

    assert staff_client(sue_support).get(f"/staff/efactura/documents/{invoice.pk}/answer/").status_code == 404


def test_the_answer_needs_the_permission(staff_client, sam_sales, invoice):
    Submission.objects.create(
        document=invoice, state=State.ACCEPTED, deadline=dt.date(2026, 3, 17), answer=ZIP
    )

    assert staff_client(sam_sales).get(f"/staff/efactura/documents/{invoice.pk}/answer/").status_code == 403
