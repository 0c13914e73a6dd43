"""What the staff draft pages take (issue 11): the services' refusals are shown on the page,
next to the field they name, with nothing saved."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from praho.billing.models import Document
from praho.billing.tests.test_staff_documents import HOSTING, NEW_INVOICE, invoice_for, url
from praho.billing.tests.test_staff_drafts import draft_post

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2026, 3, 10, 10, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def billing(staff_client, bill_billing, billing_ready):
    return staff_client(bill_billing)


def line_errors(response) -> list[str]:
    return [str(error) for error in response.context["line_errors"]] + [
        str(error) for error in response.context["lines"].non_form_errors()
    ]


# --- Lines per document (item 15) ------------------------------------------------------------


def test_more_lines_than_billing_max_lines_are_refused_on_the_lines(billing, carol_customer, settings):
    settings.BILLING_MAX_LINES = 2

    response = billing.post(NEW_INVOICE, draft_post(carol_customer, [HOSTING] * 3))

    assert response.status_code == 200
    assert line_errors(response) == ["A document can have at most 2 lines."]
    assert Document.objects.count() == 0


def test_a_change_to_more_lines_than_billing_max_lines_is_refused(
    billing, bill_billing, carol_customer, settings
):
    settings.BILLING_MAX_LINES = 2
    invoice = invoice_for(bill_billing, carol_customer, issue=False)

    response = billing.post(url(invoice, "edit/"), draft_post(carol_customer, [HOSTING] * 3, initial=1))

    assert line_errors(response) == ["A document can have at most 2 lines."]
    assert invoice.lines.count() == 1


def test_far_more_line_forms_than_allowed_are_refused_without_building_them(
    billing, carol_customer, settings
):
    settings.BILLING_MAX_LINES = 2
    data = draft_post(carol_customer, [HOSTING] * 3) | {"lines-TOTAL_FORMS": "100000"}

    response = billing.post(NEW_INVOICE, data)

    assert line_errors(response) == ["A document can have at most 2 lines."]
    assert len(response.context["lines"].forms) == 4
    assert Document.objects.count() == 0


def test_a_document_of_billing_max_lines_lines_can_be_posted_whole(billing, carol_customer, settings):
    lines = [HOSTING] * 500

    response = billing.post(NEW_INVOICE, draft_post(carol_customer, lines))

    assert response.status_code == 302
    assert Document.objects.get().lines.count() == 500


# --- Dates in range (item 8) -----------------------------------------------------------------

OUT_OF_RANGE = ["Enter a date between 2000-01-01 and 2099-12-31."]


@pytest.mark.parametrize("field", ["issue_date", "tax_point_date", "due_date"])
def test_a_document_date_out_of_range_is_shown_next_to_it(billing, carol_customer, field):
    response = billing.post(NEW_INVOICE, draft_post(carol_customer, [HOSTING], **{field: "9999-12-31"}))

    assert response.status_code == 200
    assert response.context["form"].errors == {field: OUT_OF_RANGE}
    assert Document.objects.count() == 0


@pytest.mark.parametrize("field", ["issued_from", "issued_to"])
def test_a_list_filter_date_out_of_range_is_shown_next_to_it(billing, field):
    response = billing.get("/staff/billing/invoices/", {field: "0001-01-01"})

    assert response.status_code == 200
    assert response.context["form"].errors == {field: OUT_OF_RANGE}


# --- Text (item 9) ---------------------------------------------------------------------------


def test_a_description_with_a_control_character_is_shown_next_to_it(billing, carol_customer):
    response = billing.post(NEW_INVOICE, draft_post(carol_customer, [HOSTING | {"description": "Web\x07"}]))

    assert response.status_code == 200
    assert response.context["lines"].forms[0].errors == {
        "description": ["Remove the control character U+0007."]
    }
    assert Document.objects.count() == 0


def test_a_description_over_300_characters_is_refused_by_the_form(billing, carol_customer):
    response = billing.post(NEW_INVOICE, draft_post(carol_customer, [HOSTING | {"description": "d" * 301}]))

    assert response.context["lines"].forms[0].errors == {
        "description": ["Ensure this value has at most 300 characters (it has 301)."]
    }
