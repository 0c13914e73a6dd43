"""Pages at 375 px (issue 12, item 12): the navigation folds behind a menu button, and the customer
area's document tables show each row as a card of "label: value" lines instead of scrolling
sideways with the Total, Still to pay and PDF columns out of sight.

The layout is CSS (a media query) and a few lines of the app's own script; these tests read the
markup and the rules that make it. Checked in Chromium at 375 px: the page's scroll width equals
the viewport's, and the menu button opens and closes the links (report of issue 12).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import time_machine
from django.contrib.staticfiles import finders

from praho.billing.services.drafts import create_document
from praho.billing.services.issuing import issue_document
from praho.core.tests.css import rules

pytestmark = pytest.mark.django_db

NARROW = "@media (max-width: 48rem) "
HOSTING = {"description": "Web hosting Business", "quantity": "12", "unit_code": "MON", "unit_price": "49.99"}


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(dt.datetime(2026, 3, 10, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def invoice(bill_billing, billing_ready, carol_customer):
    draft = create_document(
        actor=bill_billing, document_type="invoice", customer=carol_customer, lines=[HOSTING]
    )
    return issue_document(actor=bill_billing, document=draft)


def _menu(html: str, menu_id: str) -> None:
    button = (
        f'<button type="button" class="nav-toggle secondary" aria-expanded="false" aria-controls="{menu_id}">'
        "Menu</button>"
    )
    assert re.search(re.escape(button) + rf'\s*<ul id="{menu_id}">', html)


def test_the_staff_and_customer_navigation_fold_behind_a_menu_button(
    client, staff_client, bill_billing, carol, invoice
):
    staff = staff_client(bill_billing).get("/staff/billing/invoices/").content.decode()
    client.force_login(carol)
    customer = client.get("/app/billing/").content.decode()

    _menu(staff, "staff-menu")
    _menu(customer, "customer-menu")
    css = rules("core/praho.css")
    assert css[".nav-toggle"] == {"display": "none"}  # wide screens, or no script: the links show
    assert css[NARROW + ".js .nav-toggle"]["display"] == "inline-block"
    assert css[NARROW + '.js .nav-toggle[aria-expanded="false"] + ul'] == {"display": "none"}
    assert css[NARROW + '.js .nav-toggle[aria-expanded="true"] + ul'] == {"display": "block"}
    script = Path(str(finders.find("core/praho.js"))).read_text(encoding="utf-8")
    assert 'closest(".nav-toggle")' in script
    assert 'toggle.setAttribute("aria-expanded"' in script


def test_the_customers_document_tables_stack_their_rows_on_narrow_screens(client, carol, invoice):
    client.force_login(carol)

    documents = client.get("/app/billing/").content.decode()
    page = client.get(f"/app/billing/documents/{invoice.pk}/").content.decode()

    assert '<table class="stack-table">' in documents
    assert '<table class="balance stack-table">' in documents
    labels = re.findall(r'<td data-label="([^"]+)">', documents)
    assert labels == [
        "To pay", "Of which overdue", "Your credit",
        "Document", "Issued", "Due", "Total", "Still to pay", "Status", "PDF",
    ]  # fmt: skip
    assert re.findall(r'<td data-label="([^"]+)">', page) == [
        "#", "Description", "Quantity", "Unit", "Unit price", "Discount", "VAT", "Amount without VAT",
    ]  # fmt: skip
    css = rules("core/praho.css")
    assert css[NARROW + "table.stack-table tr"]["display"] == "block"
    assert css[NARROW + "table.stack-table td[data-label]::before"]["content"] == "attr(data-label)"
    assert rules("customers/customers.css")[".tabs"]["flex-wrap"] == "wrap"
