"""How the staff document and seller pages lay out their facts and sums (issue 12, item 1).

At 1366 and 1920 px the VAT breakdown card clipped its columns, summary cards cut numbers and
words mid-word ("PRH-2026-00/0013", "Netransmis/ă", the IBAN) and the content stopped near
990 px. The fix is in the pages' structure and the stylesheet they load; both are read here.
Checked by eye in Chromium at 375, 1366 and 1920 px (report of issue 12).
"""

from __future__ import annotations

import re

import pytest

from praho.billing.services.drafts import create_document
from praho.billing.services.issuing import issue_document
from praho.core.tests.css import rules

pytestmark = pytest.mark.django_db

HOSTING = {"description": "Web hosting Business", "quantity": "12", "unit_code": "MON", "unit_price": "49.9"}


@pytest.fixture
def invoice(bill_billing, billing_ready, carol_customer):
    document = create_document(
        actor=bill_billing, document_type="invoice", customer=carol_customer, lines=[HOSTING]
    )
    return issue_document(actor=bill_billing, document=document)


def _section(html: str, title_id: str) -> str:
    match = re.search(rf'<section class="card" aria-labelledby="{title_id}">(.*?)</section>', html, re.S)
    assert match, title_id
    return match.group(1)


def test_the_vat_breakdown_and_sums_sit_in_wide_cards_with_the_table_in_its_own_scroller(
    staff_client, bill_billing, invoice
):
    html = staff_client(bill_billing).get(f"/staff/billing/documents/{invoice.pk}/").content.decode()

    wide_cards = r'<div class="cards cards-wide">\s*<section class="card" aria-labelledby="vat-title">'
    assert re.search(wide_cards, html)
    vat = _section(html, "vat-title")
    assert '<div class="table-wrap"><table class="vat-breakdown">' in vat
    assert '<dl class="facts totals">' in _section(html, "totals-title")
    # Amounts are numbers: they never wrap inside.
    assert rules("billing/documents.css")["dl.totals dd"]["white-space"] == "nowrap"


def test_the_page_uses_the_width_of_the_screen_and_cards_are_wide_enough_for_their_values():
    css = rules("core/praho.css")

    assert "max-width" not in css[".layout"]
    assert css[".cards"]["grid-template-columns"] == "repeat(auto-fit, minmax(min(100%, 20rem), 1fr))"
    assert css[".cards-wide"]["grid-template-columns"] == "repeat(auto-fit, minmax(min(100%, 28rem), 1fr))"
    assert css[".card"]["min-width"] == "0"


def test_values_wrap_between_words_and_codes_numbers_and_badges_never_wrap():
    css = rules("core/praho.css")

    assert css["dl.facts dd"]["overflow-wrap"] == "break-word"
    assert css["dl.facts dd.mono"]["white-space"] == "nowrap"
    assert css["dl.facts dd.num"]["white-space"] == "nowrap"
    assert css[".badge"]["white-space"] == "nowrap"
    assert css["td .mono"]["white-space"] == "nowrap"  # document numbers in list tables
    cutting = [
        (selector, name, value)
        for selector, declarations in css.items()
        for name, value in declarations.items()
        if (name, value) in {("overflow-wrap", "anywhere"), ("word-break", "break-all")}
    ]
    assert cutting == []
    # A narrow card puts each label above its value instead of squeezing both.
    assert css["@container (max-width: 22rem) dl.facts"]["grid-template-columns"] == "minmax(0, 1fr)"


def test_lines_show_the_units_name_and_unit_prices_with_at_least_two_decimals(
    staff_client, bill_billing, invoice
):
    bill_billing.language = "ro"
    bill_billing.save(update_fields=["language"])

    html = staff_client(bill_billing).get(f"/staff/billing/documents/{invoice.pk}/").content.decode()

    row = re.search(r'<table class="document-lines">.*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    # Issue 12, item 9: "49,9" and "MON" before; the PDF's "lună" and two decimals now.
    assert cells[2:5] == ["lună", "12", "49,90"]
