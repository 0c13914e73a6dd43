"""Staff pages for proformas, invoices and credit notes (/staff/billing/): lists with filters and
sums, the document page, drafts, issuing, proformas, credit notes, PDF, email, and who may do what.

Documents are made by the real services (create, issue, pay, credit); nothing is mocked.
"""

from __future__ import annotations

import datetime as dt
import re
from datetime import date
from decimal import Decimal
from html import unescape

import pytest
import time_machine

from praho.accounts.tests import html_audit
from praho.accounts.tests.factories import UserFactory, add_totp
from praho.audit.models import AuditEvent
from praho.billing import fx
from praho.billing.corrections import convert_proforma, credit_note
from praho.billing.documents import create_document
from praho.billing.issuing import issue_document
from praho.billing.models import Document, DocumentDelivery, DocumentLine
from praho.billing.payments import record_payment
from praho.customers.services import change_tax_profile, create_customer

D = Decimal
pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
NBSP = "\u00a0"
INVOICES, PROFORMAS, CREDIT_NOTES = (
    "/staff/billing/invoices/",
    "/staff/billing/proformas/",
    "/staff/billing/credit-notes/",
)
INVOICE_SUMS, PROFORMA_SUMS, CREDIT_NOTE_SUMS = (
    "/staff/billing/invoices/sums/",
    "/staff/billing/proformas/sums/",
    "/staff/billing/credit-notes/sums/",
)
NEW_INVOICE, NEW_PROFORMA = "/staff/billing/invoices/new/", "/staff/billing/proformas/new/"
PICKER = "/staff/billing/documents/customers/"
HOSTING = {"description": "Web hosting Business", "quantity": "12", "unit_code": "MON", "unit_price": "49.99"}
DOMAIN = {"description": "Domain example.ro", "quantity": "1", "unit_code": "ANN", "unit_price": "45.00"}


def url(document: Document, action: str = "") -> str:
    return f"/staff/billing/documents/{document.pk}/{action}"


def credit_url(document: Document) -> str:
    return f"/staff/billing/invoices/{document.pk}/credit/"


def money(amount: str, currency: str = "RON") -> str:
    return f"{amount}{NBSP}{currency}"


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def field_errors(response, field_id: str) -> list[str]:
    """The errors the page shows under one input (components/form_field.html: <ul id="<id>_error">)."""
    match = re.search(
        rf'<ul class="field-errors" id="{field_id}_error">(.*?)</ul>', response.content.decode(), re.S
    )
    assert match, f"no error shown for {field_id}"
    return [unescape(text) for text in re.findall(r"<li>(.*?)</li>", match.group(1), re.S)]


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(dt.datetime(2026, 3, 10, 10, tzinfo=dt.UTC), tick=False):
        yield date(2026, 3, 10)


@pytest.fixture
def billing(staff_client, bill_billing, billing_ready):
    return staff_client(bill_billing)


def invoice_for(actor, customer, lines=(HOSTING,), *, issue=True, **values) -> Document:
    document = create_document(
        actor=actor, document_type="invoice", customer=customer, lines=list(lines), **values
    )
    return issue_document(actor=actor, document=document) if issue else document


def proforma_for(actor, customer, lines=(DOMAIN,), *, issue=False) -> Document:
    document = create_document(actor=actor, document_type="proforma", customer=customer, lines=list(lines))
    return issue_document(actor=actor, document=document) if issue else document


def pay(actor, invoice, amount: str, received_on=date(2026, 3, 5)):
    return record_payment(
        actor=actor,
        invoice=invoice,
        amount=D(amount),
        currency=invoice.currency,
        method="bank_transfer",
        reference="OP 7",
        received_on=received_on,
    )


def checked_radio(customer) -> str:
    return f'<input type="radio" name="customer" value="{customer.pk}" id="customer-{customer.pk}" checked>'


def numbers(response) -> list[str]:
    return [row["document"].number or f"#{row['document'].pk}" for row in response.context["rows"]]


@pytest.fixture
def us_company(alice_admin):
    return create_customer(
        actor=alice_admin,
        kind="company",
        name="Example Inc",
        country="US",
        tax_id="",
        address={"street": "1 Main St", "city": "Springfield", "postal_code": "12345", "country": "US"},
    )


@pytest.fixture
def invoices(bill_billing, billing_ready, carol_customer, dave_customer):
    """Carol: paid, partially paid, overdue (due 2026-03-01) and a draft; Dave: one unpaid in EUR."""
    fx.set_manual_rate(actor=bill_billing, currency="EUR", on=date(2026, 3, 2), rate="5.0000")
    overdue = invoice_for(  # PRH-2026-000001, 54.45
        bill_billing, carol_customer, [DOMAIN], issue_date=date(2026, 2, 1), due_date=date(2026, 3, 1)
    )
    paid = invoice_for(bill_billing, carol_customer, issue_date=date(2026, 3, 1))  # 000002, 725.85
    pay(bill_billing, paid, "725.85")
    partial = invoice_for(bill_billing, carol_customer, [DOMAIN], issue_date=date(2026, 3, 2))  # 000003
    pay(bill_billing, partial, "20.00")
    eur = invoice_for(  # 000004, 54.45 EUR
        bill_billing, dave_customer, [DOMAIN], currency="EUR", issue_date=date(2026, 3, 3)
    )
    draft = invoice_for(bill_billing, carol_customer, [DOMAIN], issue=False)
    return {"paid": paid, "partial": partial, "overdue": overdue, "draft": draft, "eur": eur}


# --- lists ---------------------------------------------------------------------------------------


def test_the_invoice_list_shows_amounts_and_payment_status(billing, invoices):
    response = billing.get(INVOICES)

    assert response.status_code == 200
    assert numbers(response) == [
        f"#{invoices['draft'].pk}",
        "PRH-2026-000004",
        "PRH-2026-000003",
        "PRH-2026-000002",
        "PRH-2026-000001",
    ]
    assert [
        (row["document"].ledger_outstanding, row["payment"] and row["payment"].value)
        for row in response.context["rows"]
    ] == [
        (D("0.00"), None),
        (D("54.45"), "unpaid"),
        (D("34.45"), "partially_paid"),
        (D("0.00"), "paid"),
        (D("54.45"), "overdue"),
    ]
    assert "sums" not in response.context  # they load apart (below)
    html = response.content.decode()
    assert '<span class="badge status-partially_paid">Partially paid</span>' in html
    assert '<span class="badge status-overdue">Overdue</span>' in html
    assert '<span class="badge status-unpaid">Unpaid</span>' in html
    assert '<span class="badge status-draft">Draft</span>' in html
    assert f'<td class="num">{money("725.85")}</td>' in html
    assert f'<td class="num">{money("34.45")}</td>' in html
    assert (
        f'<a href="/staff/billing/documents/{invoices["draft"].pk}/">Draft #{invoices["draft"].pk}</a>'
        in html
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "paid"}, ["PRH-2026-000002"]),
        ({"status": "partially_paid"}, ["PRH-2026-000003"]),
        ({"status": "unpaid"}, ["PRH-2026-000004", "PRH-2026-000001"]),
        ({"status": "overdue"}, ["PRH-2026-000001"]),
        ({"overdue": "on"}, ["PRH-2026-000001"]),
        ({"status": "draft"}, ["draft"]),
        ({"currency": "EUR"}, ["PRH-2026-000004"]),
        ({"issued_from": "2026-03-01", "issued_to": "2026-03-02"}, ["PRH-2026-000003", "PRH-2026-000002"]),
        ({"customer": "dave"}, ["PRH-2026-000004"]),
        (
            {"customer": "carol", "status": "issued"},
            ["PRH-2026-000003", "PRH-2026-000002", "PRH-2026-000001"],
        ),
    ],
)
def test_the_invoice_filters(billing, invoices, carol_customer, dave_customer, query, expected):
    customers = {"carol": carol_customer.pk, "dave": dave_customer.pk}
    if "customer" in query:
        query = query | {"customer": customers[query["customer"]]}
    draft = f"#{invoices['draft'].pk}"

    response = billing.get(INVOICES, query)

    assert response.status_code == 200
    assert numbers(response) == [draft if number == "draft" else number for number in expected]
    assert response.context["page_obj"].paginator.count == len(expected)


def test_the_invoice_sums_per_currency_leave_out_drafts(billing, invoices):
    response = billing.get(INVOICE_SUMS, **HTMX)

    assert response.status_code == 200
    assert response.context["sums"] == [
        {
            "currency": "EUR",
            "net": D("45.00"),
            "vat": D("9.45"),
            "total": D("54.45"),
            "outstanding": D("54.45"),
        },
        {  # the draft (54.45) is listed but not summed
            "currency": "RON",
            "net": D("689.88"),
            "vat": D("144.87"),
            "total": D("834.75"),
            "outstanding": D("88.90"),
        },
    ]
    html = response.content.decode()
    assert [template.name for template in response.templates] == ["billing/staff/_document_sums.html"]
    assert html.lstrip().startswith('<div class="table-wrap"><table class="document-sums">')
    assert f'<td class="num">{money("834.75")}</td>' in html
    assert f'<td class="num">{money("88.90")}</td>' in html
    assert f'<td class="num">{money("54.45", "EUR")}</td>' in html


def test_the_sums_follow_the_filters(billing, invoices):
    response = billing.get(INVOICE_SUMS, {"status": "unpaid"}, **HTMX)

    assert response.context["sums"] == [
        {
            "currency": "EUR",
            "net": D("45.00"),
            "vat": D("9.45"),
            "total": D("54.45"),
            "outstanding": D("54.45"),
        },
        {
            "currency": "RON",
            "net": D("45.00"),
            "vat": D("9.45"),
            "total": D("54.45"),
            "outstanding": D("54.45"),
        },
    ]


def test_a_chosen_customer_stays_chosen_in_the_picker(billing, invoices, carol_customer):
    response = billing.get(INVOICES, {"customer": carol_customer.pk})

    html = response.content.decode()
    assert checked_radio(carol_customer) in html
    assert '<input type="radio" name="customer" value="" id="customer-any">' in html


def test_a_period_that_ends_before_it_starts_is_an_error_and_lists_nothing(billing, invoices):
    response = billing.get(INVOICES, {"issued_from": "2026-03-05", "issued_to": "2026-03-01"})

    assert response.status_code == 200
    assert numbers(response) == []
    assert "/sums/" not in response.content.decode()  # nothing found, nothing to sum
    assert field_errors(response, "id_issued_to") == ["The end of the period is before its start."]


def test_the_sums_of_filters_that_are_not_valid_are_empty_and_say_why(billing, invoices):
    query = {"issued_from": "2026-03-05", "issued_to": "2026-03-01"}

    fragment = billing.get(INVOICE_SUMS, query, **HTMX)
    page = billing.get(INVOICE_SUMS, query)

    # As the list: 200, nothing found; the list's form shows the error next to the field.
    assert (fragment.status_code, fragment.context["sums"], fragment.content.decode().strip()) == (
        200,
        [],
        "",
    )
    assert (page.status_code, page.context["sums"]) == (200, [])
    alert = re.search(r'<div class="form-errors" role="alert">(.*?)</div>', page.content.decode(), re.S)
    assert alert
    assert re.findall(r"<li>(.*?)</li>", alert.group(1)) == [
        "Issued to: The end of the period is before its start."
    ]


def test_htmx_gets_only_the_results(billing, invoices):
    response = billing.get(INVOICES, {"currency": "EUR"}, **HTMX)

    html = response.content.decode()
    assert response.templates[0].name == "billing/staff/_document_results.html"
    assert "<html" not in html
    assert "PRH-2026-000004" in html
    assert "PRH-2026-000001" not in html
    # The new results load the sums of their own filters.
    assert 'hx-get="/staff/billing/invoices/sums/?currency=EUR" hx-trigger="load"' in html


def test_the_list_loads_its_sums_apart_with_its_filters_and_without_its_page(
    billing, invoices, carol_customer
):
    query = {"status": "issued", "customer": carol_customer.pk, "page": "1"}
    sums_url = f"/staff/billing/invoices/sums/?status=issued&amp;customer={carol_customer.pk}"

    html = billing.get(INVOICES, query).content.decode()

    assert (
        f'<div hx-get="{sums_url}" hx-trigger="load" hx-target="this" hx-swap="outerHTML" aria-busy="true">\n'
        '  <p class="help htmx-indicator">Adding up the totals per currency…</p>\n'
        f'  <noscript><p><a href="{sums_url}">Totals per currency of the documents found</a></p></noscript>\n'
        "</div>"
    ) in html
    assert '<table class="document-sums">' not in html


def test_without_javascript_the_sums_are_a_page_of_their_own(billing, invoices, carol_customer):
    response = billing.get(INVOICE_SUMS, {"status": "issued", "customer": carol_customer.pk})

    assert response.status_code == 200
    assert response.context["sums"] == [
        {
            "currency": "RON",
            "net": D("689.88"),
            "vat": D("144.87"),
            "total": D("834.75"),
            "outstanding": D("88.90"),
        }
    ]
    html = response.content.decode()
    assert "<h1>Invoices: totals per currency</h1>" in html
    assert '<table class="document-sums">' in html
    back = f"/staff/billing/invoices/?status=issued&amp;customer={carol_customer.pk}"
    assert f'<p><a href="{back}">Back to the list</a></p>' in html


def test_a_sums_page_without_documents_says_so(billing, invoices):
    response = billing.get(INVOICE_SUMS, {"status": "draft", "currency": "EUR"})

    assert response.context["sums"] == []
    assert "<p>None of the documents found is counted in the totals.</p>" in response.content.decode()


def test_the_filter_form_refreshes_the_results_on_any_change(billing, invoices):
    html = billing.get(INVOICES).content.decode()

    assert (
        'hx-get="/staff/billing/invoices/" hx-target="#document-results" hx-push-url="true" '
        'hx-trigger="submit, change"' in html
    )
    assert 'hx-get="/staff/billing/documents/customers/"' in html
    assert '<option value="partially_paid">Partially paid</option>' in html
    assert 'name="overdue"' in html


def test_the_proforma_list_has_proforma_statuses_and_no_payment_columns(
    billing, bill_billing, carol_customer
):
    draft = proforma_for(bill_billing, carol_customer)
    issued = proforma_for(bill_billing, carol_customer, issue=True)
    cancelled = proforma_for(bill_billing, carol_customer)
    from praho.billing.corrections import cancel_proforma

    cancel_proforma(actor=bill_billing, proforma=cancelled)

    everything = billing.get(PROFORMAS)
    only_cancelled = billing.get(PROFORMAS, {"status": "cancelled"})

    assert numbers(everything) == [f"#{cancelled.pk}", "PRF-2026-000001", f"#{draft.pk}"]
    assert issued.number == "PRF-2026-000001"
    assert numbers(only_cancelled) == [f"#{cancelled.pk}"]
    html = everything.content.decode()
    assert "Outstanding" not in html
    assert 'name="overdue"' not in html
    assert '<option value="converted">Converted to invoice</option>' in html
    assert '<option value="paid">' not in html
    assert '<a class="button" href="/staff/billing/proformas/new/">New proforma</a>' in html


def test_the_credit_note_list_names_the_credited_invoice(billing, bill_billing, carol_customer):
    invoice = invoice_for(bill_billing, carol_customer)
    note = credit_note(actor=bill_billing, invoice=invoice)

    response = billing.get(CREDIT_NOTES)

    assert numbers(response) == ["PRC-2026-000001"]
    assert (
        f'<a class="mono" href="/staff/billing/documents/{invoice.pk}/">PRH-2026-000001</a>'
        in response.content.decode()
    )
    assert 'hx-get="/staff/billing/credit-notes/sums/"' in response.content.decode()
    sums = billing.get(CREDIT_NOTE_SUMS, **HTMX)
    assert sums.context["sums"] == [
        {"currency": "RON", "net": D("599.88"), "vat": D("125.97"), "total": D("725.85")}
    ]
    assert note.total == D("725.85")
    assert "Outstanding" not in sums.content.decode()


def test_the_proforma_sums_count_cancelled_proformas_only_when_filtered_for(
    billing, bill_billing, carol_customer
):
    from praho.billing.corrections import cancel_proforma

    proforma_for(bill_billing, carol_customer, issue=True)  # 54.45
    proforma_for(bill_billing, carol_customer, [HOSTING])  # a draft: 725.85
    cancel_proforma(actor=bill_billing, proforma=proforma_for(bill_billing, carol_customer, [HOSTING]))

    everything = billing.get(PROFORMA_SUMS, **HTMX)
    cancelled = billing.get(PROFORMA_SUMS, {"status": "cancelled"}, **HTMX)

    assert everything.context["sums"] == [
        {"currency": "RON", "net": D("45.00"), "vat": D("9.45"), "total": D("54.45")}
    ]
    assert cancelled.context["sums"] == [
        {"currency": "RON", "net": D("599.88"), "vat": D("125.97"), "total": D("725.85")}
    ]


def test_the_list_is_paginated_by_25(billing, bill_billing, carol_customer, django_assert_num_queries):
    drafts = [invoice_for(bill_billing, carol_customer, [DOMAIN], issue=False) for _n in range(26)]

    first = billing.get(INVOICES)
    # 1 session, 2 user, 3 authenticators, 4 user permissions, 5 group permissions, 6 count,
    # 7 the page's invoices, read through their ids (praho.core.paginator): no query more
    with django_assert_num_queries(7):
        second = billing.get(INVOICES, {"page": 2})

    assert (len(first.context["rows"]), len(second.context["rows"])) == (25, 1)
    assert [row["document"] for row in second.context["rows"]] == [drafts[0]]  # the oldest, last
    assert 'href="?page=2" rel="next"' in first.content.decode()
    assert 'hx-get="/staff/billing/invoices/sums/"' in second.content.decode()  # without its page


def _many_invoices(actor, customer, count):
    for n in range(count):
        invoice = invoice_for(actor, customer, [DOMAIN], issue_date=date(2026, 2, 1))  # overdue
        if n % 2:
            pay(actor, invoice, "10.00")


@pytest.mark.parametrize("count", [3, 10])
@pytest.mark.parametrize(
    ("query", "htmx", "expected"),
    [
        # 1 session, 2 user, 3 authenticators (staff gate), 4 user permissions, 5 group permissions,
        # 6 count of invoices, 7 the page of invoices with customer and ledger amounts
        # (the sums load apart: test_the_sums_run_one_query)
        ({}, False, 7),
        ({}, True, 7),
        # the same, and 8 the customer chosen in the picker
        ({"status": "unpaid", "currency": "RON", "issued_from": "2026-01-01", "customer": "carol"}, False, 8),
        # the picker is not part of the results htmx swaps
        ({"overdue": "on", "customer": "carol"}, True, 7),
    ],
)
def test_the_invoice_list_runs_a_fixed_number_of_queries(
    billing, bill_billing, carol_customer, django_assert_num_queries, count, query, htmx, expected
):
    _many_invoices(bill_billing, carol_customer, count)
    if "customer" in query:
        query = query | {"customer": carol_customer.pk}

    with django_assert_num_queries(expected):
        response = billing.get(INVOICES, query, **(HTMX if htmx else {}))

    assert response.status_code == 200
    # Every other invoice is partly paid; none is paid in full, so all are overdue.
    assert len(response.context["rows"]) == ((count + 1) // 2 if query.get("status") == "unpaid" else count)


@pytest.mark.parametrize("count", [3, 10])
@pytest.mark.parametrize("path", [PROFORMAS, CREDIT_NOTES])
def test_the_proforma_and_credit_note_lists_run_a_fixed_number_of_queries(
    billing, bill_billing, carol_customer, django_assert_num_queries, count, path
):
    for _n in range(count):
        proforma_for(bill_billing, carol_customer, issue=True)
        credit_note(actor=bill_billing, invoice=invoice_for(bill_billing, carol_customer, [DOMAIN]))

    # 1 session, 2 user, 3 authenticators, 4 user permissions, 5 group permissions,
    # 6 count, 7 the page of documents (with customer, and the credited invoice)
    with django_assert_num_queries(7):
        response = billing.get(path, {"status": "issued"})

    assert len(response.context["rows"]) == count


@pytest.mark.parametrize("count", [3, 10])
@pytest.mark.parametrize(
    ("path", "query", "htmx"),
    [
        (INVOICE_SUMS, {}, True),
        (INVOICE_SUMS, {}, False),
        (INVOICE_SUMS, {"status": "unpaid", "currency": "RON", "customer": "carol"}, True),
        (INVOICE_SUMS, {"overdue": "on"}, True),
        (PROFORMA_SUMS, {"status": "issued"}, True),
        (CREDIT_NOTE_SUMS, {}, True),
    ],
)
def test_the_sums_run_one_query(
    billing, bill_billing, carol_customer, django_assert_num_queries, count, path, query, htmx
):
    _many_invoices(bill_billing, carol_customer, count)
    for _n in range(count):
        proforma_for(bill_billing, carol_customer, issue=True)
        credit_note(actor=bill_billing, invoice=invoice_for(bill_billing, carol_customer, [DOMAIN]))
    if "customer" in query:
        query = query | {"customer": carol_customer.pk}

    # 1 session, 2 user, 3 authenticators (staff gate), 4 user permissions, 5 group permissions,
    # 6 the sums per currency (the page without htmx shows no customer picker)
    with django_assert_num_queries(6):
        response = billing.get(path, query, **(HTMX if htmx else {}))

    assert response.status_code == 200
    assert [row["currency"] for row in response.context["sums"]] == ["RON"]


def test_the_customer_picker_finds_customers_and_keeps_the_chosen_one(billing, carol_customer, dave_customer):
    found = billing.get(PICKER, {"customer_q": "web", "customer": carol_customer.pk, "optional": "1"}, **HTMX)
    short = billing.get(PICKER, {"customer_q": "we"}, **HTMX)

    assert found.context["picker"]["selected"] == carol_customer
    assert found.context["picker"]["results"] == [dave_customer]
    html = found.content.decode()
    assert f'value="{carol_customer.pk}" id="customer-{carol_customer.pk}" checked>' in html
    assert f'value="{dave_customer.pk}" id="customer-{dave_customer.pk}">' in html
    assert 'id="customer-any"' in html
    assert short.context["picker"]["results"] == []
    assert "Type at least 3 characters." in short.content.decode()
    assert 'id="customer-any"' not in short.content.decode()


# --- the document page ----------------------------------------------------------------------------


def test_the_page_of_an_eur_invoice_shows_parties_lines_vat_totals_payments_and_history(
    billing, bill_billing, billing_ready, carol_customer
):
    fx.set_manual_rate(actor=bill_billing, currency="EUR", on=date(2026, 3, 2), rate="5.0000")
    invoice = invoice_for(
        bill_billing, carol_customer, [HOSTING, DOMAIN], currency="EUR", issue_date=date(2026, 3, 2)
    )
    pay(bill_billing, invoice, "100.00")

    response = billing.get(url(invoice))

    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert "<h1>Invoice PRH-2026-000001</h1>" in html
    assert "<strong>PRAHO Hosting SRL</strong>" in html  # the seller snapshotted at issue
    assert "(as it will be issued)" not in html
    assert f'<a href="/staff/customers/{carol_customer.pk}/">Carol Hosting SRL</a></strong></p>' in html
    assert "<address>Str. Lungă 10<br>Cluj-Napoca<br>Cluj, RO</address>" in html
    assert '<td class="num">12</td>' in html
    assert '<td class="num">49.99</td>' in html
    assert "<td>month</td>" in html  # the unit's name, as the PDF prints it, not its code MON
    assert f'<td class="num">{money("599.88", "EUR")}</td>' in html
    assert [
        (row["group"].category, row["rate"], row["group"].taxable_amount, row["group"].vat_amount)
        for row in response.context["vat_breakdown"]
    ] == [("S", "21%", D("644.88"), D("135.42"))]
    assert f"<dt>Total</dt><dd><strong>{money('780.30', 'EUR')}</strong></dd>" in html
    assert f"<dt>VAT in RON</dt><dd>{money('677.10')}</dd>" in html
    assert '<dd class="mono">5.0000</dd>' in html
    amounts = response.context["amounts"]
    assert (amounts.invoiced, amounts.paid, amounts.outstanding) == (D("780.30"), D("100.00"), D("680.30"))
    assert response.context["payment_state"].value == "partially_paid"
    assert (
        '<span class="badge status-issued">Issued</span> <span class="badge status-partially_paid">' in html
    )
    assert (
        f'<td class="num">{money("100.00", "EUR")}</td><td>Bank transfer</td><td class="mono">OP 7</td>'
        in html
    )
    assert [entry["label"] for entry in response.context["history"]] == [
        "Payment recorded",
        "Issued",
        "Draft created",
    ]
    assert [entry["event"].actor_repr for entry in response.context["history"]] == ["bill@staff.test"] * 3
    assert "Not sent yet." in html


def test_the_page_shows_the_legal_mentions_of_an_invoice_outside_the_eu(billing, bill_billing, us_company):
    invoice = invoice_for(bill_billing, us_company, [DOMAIN], currency="USD", issue=False)
    fx.set_manual_rate(actor=bill_billing, currency="USD", on=invoice.issue_date, rate="4.5000")
    invoice = issue_document(actor=bill_billing, document=invoice)

    html = unescape(billing.get(url(invoice)).content.decode())

    assert invoice.mentions
    for mention in invoice.mentions:
        assert f"<li>{mention}</li>" in html
    assert "<td>O 0%</td>" in html
    assert f"<dt>VAT in RON</dt><dd>{money('0.00')}</dd>" in html


def test_a_draft_shows_the_parties_as_they_are_now_and_the_buttons_to_edit_and_issue(
    billing, bill_billing, carol_customer
):
    draft = invoice_for(bill_billing, carol_customer, issue=False)

    response = billing.get(url(draft))

    html = response.content.decode()
    assert f"<h1>Invoice draft #{draft.pk}</h1>" in html
    assert "(as it will be issued)" in html
    assert "(as it is now; fixed when issued)" in html
    assert f'<a class="button" href="{url(draft, "edit/")}">Edit draft</a>' in html
    assert f'href="{url(draft, "issue/confirm/")}"' in html  # issuing starts with a confirmation step
    assert f'href="{url(draft, "pdf/")}"' in html
    assert "/email/" not in html
    assert "/credit/" not in html
    assert response.context["amounts"] is None
    assert response.context["actions"] == {
        "edit": True,
        "issue": True,
        "cancel": False,
        "convert": False,
        "credit": False,
        "email": False,
        "pay": False,
    }


def test_an_issued_invoice_offers_a_credit_note_and_email_but_no_edit(billing, bill_billing, carol_customer):
    invoice = invoice_for(bill_billing, carol_customer)

    response = billing.get(url(invoice))

    assert response.context["actions"] == {
        "edit": False,
        "issue": False,
        "cancel": False,
        "convert": False,
        "credit": True,
        "email": True,
        "pay": True,
    }
    html = response.content.decode()
    assert f'href="{credit_url(invoice)}">Credit note</a>' in html
    assert f'<a class="button" href="/staff/billing/invoices/{invoice.pk}/pay/">Record a payment</a>' in html
    assert f'action="{url(invoice, "email/")}"' in html


@pytest.mark.parametrize("converting", [True, False])
def test_an_issued_proforma_is_paid_only_where_paying_converts_it(
    billing, bill_billing, carol_customer, settings, converting
):
    settings.BILLING_CONVERT_PAID_PROFORMAS = converting
    draft = proforma_for(bill_billing, carol_customer)
    issued = proforma_for(bill_billing, carol_customer, issue=True)

    assert billing.get(url(draft)).context["actions"]["pay"] is False
    assert billing.get(url(issued)).context["actions"]["pay"] is converting
    assert billing.get(url(issued)).context["actions"]["convert"] is True


def test_a_converted_proforma_and_its_invoice_link_to_each_other(billing, bill_billing, carol_customer):
    proforma = proforma_for(bill_billing, carol_customer, issue=True)
    invoice = convert_proforma(actor=bill_billing, proforma=proforma)

    proforma_page = billing.get(url(proforma))
    invoice_page = billing.get(url(invoice))

    assert proforma_page.context["links"]["converted_to"] == invoice
    assert invoice_page.context["links"]["converted_from"] == proforma
    assert (
        f'Converted into invoice <a href="{url(invoice)}">PRH-2026-000001</a>'
        in proforma_page.content.decode()
    )
    assert (
        f'Converted from proforma <a href="{url(proforma)}">PRF-2026-000001</a>'
        in invoice_page.content.decode()
    )
    assert proforma_page.context["actions"]["edit"] is False
    assert proforma_page.context["actions"]["convert"] is False
    assert [entry["label"] for entry in proforma_page.context["history"]] == [
        "Converted to an invoice",
        "Issued",
        "Draft created",
    ]


def test_an_invoice_lists_its_credit_notes_and_a_credit_note_links_back(
    billing, bill_billing, carol_customer
):
    invoice = invoice_for(bill_billing, carol_customer, [HOSTING, DOMAIN])
    first = credit_note(
        actor=bill_billing, invoice=invoice, lines=[{"line": invoice.lines.first().pk, "quantity": "1"}]
    )
    second = credit_note(actor=bill_billing, invoice=invoice, lines=[{"line": invoice.lines.last().pk}])

    invoice_page = billing.get(url(invoice))
    note_page = billing.get(url(first))

    assert invoice_page.context["links"]["credit_notes"] == [first, second]
    html = unescape(invoice_page.content.decode())
    assert f'Credit note <a href="{url(first)}">PRC-2026-000001</a> · 10 Mar 2026 · {money("60.49")}' in html
    assert invoice_page.context["amounts"].credited == D("114.94")
    assert note_page.context["links"]["credited"] == invoice
    assert (
        f'Credits the invoice of 10 Mar 2026 <a href="{url(invoice)}">PRH-2026-000001</a>'
        in note_page.content.decode()
    )
    assert "<h1>Credit note PRC-2026-000001</h1>" in note_page.content.decode()
    assert note_page.context["actions"] == dict.fromkeys(
        ("edit", "issue", "cancel", "convert", "credit", "pay"), False
    ) | {"email": True}


def test_the_page_lists_the_emails_sent(billing, bill_billing, carol_customer):
    invoice = invoice_for(bill_billing, carol_customer)
    DocumentDelivery.objects.create(
        document=invoice,
        recipient="facturi@carol.test",
        subject="Invoice PRH-2026-000001",
        status="failed",
        detail="550 mailbox unavailable",
        attempts=1,
        requested_by=bill_billing,
    )

    html = billing.get(url(invoice)).content.decode()

    assert "<td>facturi@carol.test</td>" in html
    assert '<span class="badge status-failed">Failed</span>' in html
    assert "<td>550 mailbox unavailable</td>" in html


def test_support_sees_the_document_but_no_buttons(
    staff_client, sue_support, bill_billing, billing_ready, carol_customer
):
    draft = invoice_for(bill_billing, carol_customer, issue=False)
    invoice = invoice_for(bill_billing, carol_customer)

    draft_page = staff_client(sue_support).get(url(draft))
    invoice_page = staff_client(sue_support).get(url(invoice))

    assert (draft_page.status_code, invoice_page.status_code) == (200, 200)
    for page in (draft_page, invoice_page):
        assert set(page.context["actions"].values()) == {False}
        assert '<form method="post" action="/staff/billing/' not in page.content.decode()
        assert f'href="{url(page.context["document"], "pdf/")}"' in page.content.decode()


def test_an_unknown_document_is_not_found(billing):
    assert billing.get("/staff/billing/documents/999999/").status_code == 404
    assert billing.get("/staff/billing/documents/999999/pdf/").status_code == 404


def test_the_pdf_is_shown_inline_under_the_document_number(billing, bill_billing, carol_customer):
    invoice = invoice_for(bill_billing, carol_customer)
    draft = proforma_for(bill_billing, carol_customer)

    response = billing.get(url(invoice, "pdf/"))
    draft_response = billing.get(url(draft, "pdf/"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="PRH-2026-000001.pdf"'
    assert response.content.startswith(b"%PDF-")
    assert draft_response["Content-Disposition"] == f'inline; filename="proforma-draft-{draft.pk}.pdf"'
    assert draft_response.content.startswith(b"%PDF-")


# --- actions ------------------------------------------------------------------------------------------


def test_issuing_a_draft_numbers_it_and_says_so(billing, bill_billing, carol_customer):
    draft = invoice_for(bill_billing, carol_customer, issue=False)

    response = billing.post(url(draft, "issue/"), follow=True)

    draft.refresh_from_db()
    assert response.redirect_chain == [(url(draft), 302)]
    assert (draft.status, draft.number) == ("issued", "PRH-2026-000001")
    assert messages_of(response) == ["PRH-2026-000001 was issued."]
    event = AuditEvent.objects.get(action="billing.invoice_issued")
    assert (event.actor, event.object_id) == (bill_billing, str(draft.pk))


def test_issuing_twice_is_refused_with_a_message(billing, bill_billing, carol_customer):
    invoice = invoice_for(bill_billing, carol_customer)

    response = billing.post(url(invoice, "issue/"), follow=True)

    assert messages_of(response) == ["PRH-2026-000001 was already issued."]
    assert AuditEvent.objects.filter(action="billing.invoice_issued").count() == 1


def test_a_customer_without_an_address_cannot_be_invoiced_and_nothing_changes(
    billing, bill_billing, alice_admin
):
    nowhere = create_customer(actor=alice_admin, kind="individual", name="Ion Popescu", country="RO")
    draft = invoice_for(bill_billing, nowhere, issue=False)

    response = billing.post(url(draft, "issue/"), follow=True)

    draft.refresh_from_db()
    assert (draft.status, draft.number) == ("draft", "")
    assert messages_of(response) == [
        "The customer has no billing address; the law requires the buyer's address on the document."
    ]
    assert "No billing address: the document cannot be issued" in response.content.decode()


def test_cancelling_a_proforma(billing, bill_billing, carol_customer):
    proforma = proforma_for(bill_billing, carol_customer, issue=True)

    response = billing.post(url(proforma, "cancel/"), follow=True)

    proforma.refresh_from_db()
    assert proforma.status == "cancelled"
    assert messages_of(response) == ["PRF-2026-000001 was cancelled."]
    assert response.context["actions"] == dict.fromkeys(
        ("edit", "issue", "cancel", "convert", "credit", "email", "pay"), False
    )


def test_a_converted_proforma_cannot_be_cancelled(billing, bill_billing, carol_customer):
    proforma = proforma_for(bill_billing, carol_customer)
    convert_proforma(actor=bill_billing, proforma=proforma)

    response = billing.post(url(proforma, "cancel/"), follow=True)

    proforma.refresh_from_db()
    assert proforma.status == "converted"
    assert messages_of(response) == ["This proforma is Converted to invoice and cannot be changed."]


def test_converting_a_proforma_opens_the_new_invoice(billing, bill_billing, carol_customer):
    proforma = proforma_for(bill_billing, carol_customer)

    response = billing.post(url(proforma, "convert/"), follow=True)

    invoice = Document.objects.get(document_type="invoice")
    assert response.redirect_chain == [(url(invoice), 302)]
    assert (invoice.number, invoice.converted_from, invoice.total) == (
        "PRH-2026-000001",
        proforma,
        D("54.45"),
    )
    assert messages_of(response) == [f"Proforma #{proforma.pk} was converted into invoice PRH-2026-000001."]


def test_converting_twice_is_refused(billing, bill_billing, carol_customer):
    proforma = proforma_for(bill_billing, carol_customer)
    convert_proforma(actor=bill_billing, proforma=proforma)

    response = billing.post(url(proforma, "convert/"), follow=True)

    assert response.redirect_chain == [(url(proforma), 302)]
    assert Document.objects.filter(document_type="invoice").count() == 1
    assert messages_of(response) == ["This proforma is Converted to invoice and cannot be changed."]


def test_an_invoice_is_neither_cancelled_nor_converted(billing, bill_billing, carol_customer):
    invoice = invoice_for(bill_billing, carol_customer)

    assert billing.post(url(invoice, "cancel/")).status_code == 404
    assert billing.post(url(invoice, "convert/")).status_code == 404
    invoice.refresh_from_db()
    assert invoice.status == "issued"


@pytest.mark.parametrize("action", ["issue/", "cancel/", "convert/", "email/"])
def test_actions_take_only_posts(billing, bill_billing, carol_customer, action):
    proforma = proforma_for(bill_billing, carol_customer)

    assert billing.get(url(proforma, action)).status_code == 405
    proforma.refresh_from_db()
    assert proforma.status == "draft"


def test_emailing_an_invoice_queues_it_sends_it_and_shows_it_on_the_page(
    billing, bill_billing, alice_admin, carol_customer, django_capture_on_commit_callbacks, mailoutbox
):
    change_tax_profile(actor=alice_admin, customer=carol_customer, invoice_email="facturi@carol.test")
    invoice = invoice_for(bill_billing, carol_customer)

    with django_capture_on_commit_callbacks(execute=True):
        response = billing.post(url(invoice, "email/"))
    page = billing.get(response["Location"])

    assert response.status_code == 302
    assert response["Location"] == url(invoice)
    assert messages_of(page) == ["PRH-2026-000001 will be sent to facturi@carol.test shortly."]
    delivery = DocumentDelivery.objects.get()
    assert (delivery.recipient, delivery.status, delivery.requested_by) == (
        "facturi@carol.test",
        "sent",
        bill_billing,
    )
    assert [message.to for message in mailoutbox] == [["facturi@carol.test"]]
    assert mailoutbox[0].attachments[0][0] == "PRH-2026-000001.pdf"
    html = page.content.decode()
    assert "<td>facturi@carol.test</td>" in html
    assert '<span class="badge status-sent">Sent</span>' in html
    # The invoice had no stored PDF yet (the task issuing enqueues is off in tests): emailing stored it.
    assert [entry["label"] for entry in page.context["history"]][:3] == [
        "Emailed",
        "PDF stored",
        "Email requested",
    ]


def test_a_draft_or_a_customer_without_an_address_is_not_emailed(
    billing, bill_billing, carol_customer, mailoutbox
):
    draft = invoice_for(bill_billing, carol_customer, issue=False)
    invoice = invoice_for(bill_billing, carol_customer)  # carol's company has no email address

    refused_draft = billing.post(url(draft, "email/"), follow=True)
    no_address = billing.post(url(invoice, "email/"), follow=True)

    assert messages_of(refused_draft) == [f"Invoice #{draft.pk} is a draft; issue it before emailing it."]
    assert messages_of(no_address) == [
        "Carol Hosting SRL has no invoice email and no email address; enter the address to send to."
    ]
    assert (DocumentDelivery.objects.count(), len(mailoutbox)) == (0, 0)


# --- drafts: create and edit ----------------------------------------------------------------------

HEADER = {"currency": "", "issue_date": "", "tax_point_date": "", "due_date": "", "notes": ""}


def draft_post(customer, lines, *, initial=0, **header) -> dict[str, object]:
    """The draft form as a browser posts it (a formset of lines prefixed "lines")."""
    data: dict[str, object] = {
        **HEADER,
        "customer": customer.pk if customer else "",
        "customer_q": "",
        "save": "1",
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": str(initial),
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "200",
        **header,
    }
    for index, line in enumerate(lines):
        data |= {f"lines-{index}-{name}": value for name, value in ({"unit_code": "H87"} | line).items()}
    return data


def test_the_new_invoice_page_has_one_blank_line_and_the_customer_search(billing, carol_customer):
    blank = billing.get(NEW_INVOICE)
    chosen = billing.get(NEW_INVOICE, {"customer": carol_customer.pk})

    assert blank.status_code == 200
    assert len(blank.context["lines"].forms) == 1
    assert blank.context["picker"]["selected"] is None
    html = blank.content.decode()
    assert "<h1>New invoice</h1>" in html
    assert 'name="customer_q"' in html
    assert 'id="customer-any"' not in html
    assert '<template id="line-template">' in html
    assert 'name="lines-__prefix__-description"' in html
    assert '<script src="/static/billing/documents.js" defer></script>' in html
    assert '<option value="MON">MON · month</option>' in html
    assert checked_radio(carol_customer) in chosen.content.decode()


def test_staff_create_an_invoice_draft_with_two_lines(billing, bill_billing, carol_customer):
    response = billing.post(
        NEW_INVOICE,
        draft_post(
            carol_customer,
            [HOSTING, DOMAIN | {"unit_price": "45,00", "discount": "5"}],
            currency="EUR",
            issue_date="2026-03-09",
            due_date="2026-04-30",
            notes="Contract 12/2026",
        ),
    )

    invoice = Document.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url(invoice)
    assert (invoice.document_type, invoice.status, invoice.customer, invoice.currency) == (
        "invoice",
        "draft",
        carol_customer,
        "EUR",
    )
    assert (invoice.issue_date, invoice.due_date, invoice.notes) == (
        date(2026, 3, 9),
        date(2026, 4, 30),
        "Contract 12/2026",
    )
    assert [
        (line.description, line.quantity, line.unit_code, line.unit_price, line.discount, line.vat_rate)
        for line in invoice.lines.all()
    ] == [
        ("Web hosting Business", D("12"), "MON", D("49.99"), D("0"), D("21")),
        ("Domain example.ro", D("1"), "ANN", D("45"), D("5"), D("21")),
    ]
    assert (invoice.net_total, invoice.vat_total, invoice.total) == (D("639.88"), D("134.37"), D("774.25"))
    assert messages_of(billing.get(response["Location"])) == ["The draft was saved."]
    event = AuditEvent.objects.get(action="billing.invoice_drafted")
    assert (event.actor, event.object_id) == (bill_billing, str(invoice.pk))


def test_empty_dates_and_currency_take_the_customers_defaults(billing, carol_customer):
    billing.post(NEW_INVOICE, draft_post(carol_customer, [DOMAIN]))

    invoice = Document.objects.get()
    assert (invoice.currency, invoice.issue_date, invoice.due_date) == (
        "RON",
        date(2026, 3, 10),
        date(2026, 3, 24),
    )


def test_errors_are_shown_next_to_their_fields_and_nothing_is_saved(billing, carol_customer):
    response = billing.post(
        NEW_INVOICE,
        draft_post(
            carol_customer,
            [
                HOSTING,
                {"description": "", "quantity": "-1", "unit_price": "10"},
                DOMAIN | {"unit_price": "abc", "discount": "999"},
            ],
            issue_date="2026-03-10",
            due_date="2026-03-01",
        ),
    )

    assert response.status_code == 200
    assert Document.objects.count() == 0
    assert field_errors(response, "id_due_date") == ["The due date cannot be before the issue date."]
    assert field_errors(response, "id_lines-1-description") == ["This field is required."]
    assert field_errors(response, "id_lines-1-quantity") == [
        "The quantity must be greater than zero; to take something back, issue a credit note."
    ]
    assert field_errors(response, "id_lines-2-unit_price") == ["Enter a number."]
    assert 'id="id_lines-0-quantity_error"' not in response.content.decode()
    # What was typed is kept.
    assert 'name="lines-1-quantity" value="-1"' in response.content.decode()
    assert 'name="lines-2-unit_price" value="abc"' in response.content.decode()


def test_removed_and_blank_lines_are_skipped_and_errors_still_find_their_line(billing, carol_customer):
    data = draft_post(
        carol_customer,
        [
            {"description": "", "quantity": "", "unit_price": ""},  # added, never filled in
            {"description": "Old", "quantity": "x", "unit_price": "1", "DELETE": "on"},  # removed
            DOMAIN | {"quantity": "1.23456"},
        ],
    )

    response = billing.post(NEW_INVOICE, data)
    fixed = billing.post(NEW_INVOICE, data | {"lines-2-quantity": "2"})

    assert field_errors(response, "id_lines-2-quantity") == ["Use at most 4 decimals."]
    assert 'id="id_lines-1-quantity_error"' not in response.content.decode()
    assert fixed.status_code == 302
    assert [(line.description, line.quantity) for line in DocumentLine.objects.all()] == [
        ("Domain example.ro", D("2"))
    ]


def test_a_vat_override_needs_a_reason(billing, carol_customer):
    override = DOMAIN | {"vat_category": "S", "vat_rate": "11"}

    refused = billing.post(NEW_INVOICE, draft_post(carol_customer, [override]))
    saved = billing.post(
        NEW_INVOICE, draft_post(carol_customer, [override | {"vat_override_reason": "Book, reduced rate"}])
    )

    assert field_errors(refused, "id_lines-0-vat_override_reason") == [
        "Say why the computed VAT treatment is overridden."
    ]
    assert '<details class="vat-override" open>' in refused.content.decode()
    assert saved.status_code == 302
    line = DocumentLine.objects.get()
    assert (line.vat_category, line.vat_rate, line.vat_override_reason) == (
        "S",
        D("11"),
        "Book, reduced rate",
    )


def test_a_rate_not_in_force_is_named_on_its_line(billing, carol_customer):
    response = billing.post(
        NEW_INVOICE,
        draft_post(carol_customer, [HOSTING, DOMAIN | {"vat_rate": "19", "vat_override_reason": "Old rate"}]),
    )

    assert field_errors(response, "id_lines-1-vat_rate") == [
        "19% is not a VAT rate of RO on 2026-03-10; use one of: 21.00%, 11.00%."
    ]
    assert Document.objects.count() == 0


def test_a_draft_needs_a_customer_and_a_line(billing, carol_customer):
    no_customer = billing.post(NEW_INVOICE, draft_post(None, [DOMAIN]))
    no_line = billing.post(NEW_INVOICE, draft_post(carol_customer, []))

    assert field_errors(no_customer, "id_customer") == ["Choose the customer."]
    assert (
        '<div class="form-errors" role="alert" id="lines-errors"><ul>'
        "<li>A document needs at least one line.</li>" in no_line.content.decode()
    )
    assert Document.objects.count() == 0


def test_an_outsiders_or_unknown_customer_cannot_be_chosen(billing, alice_admin, carol_customer):
    from praho.customers.services import delete_customer

    delete_customer(actor=alice_admin, customer=carol_customer)

    response = billing.post(NEW_INVOICE, draft_post(carol_customer, [DOMAIN]))

    assert field_errors(response, "id_customer") == ["Choose the customer."]
    assert Document.objects.count() == 0


def test_without_javascript_add_a_line_and_find_a_customer_save_nothing(
    billing, carol_customer, dave_customer
):
    data = draft_post(carol_customer, [HOSTING])

    more = billing.post(NEW_INVOICE, data | {"add_line": "1"})
    found = billing.post(NEW_INVOICE, data | {"find_customer": "1", "customer_q": "dave"})

    assert len(more.context["lines"].forms) == 2
    assert 'name="lines-0-description" value="Web hosting Business"' in more.content.decode()
    assert found.context["picker"]["selected"] == carol_customer
    assert found.context["picker"]["results"] == [dave_customer]
    assert Document.objects.count() == 0


def test_staff_create_a_proforma(billing, carol_customer):
    response = billing.post(NEW_PROFORMA, draft_post(carol_customer, [DOMAIN]))

    proforma = Document.objects.get()
    assert response["Location"] == url(proforma)
    assert (proforma.document_type, proforma.status, proforma.valid_until) == (
        "proforma",
        "draft",
        date(2026, 3, 25),
    )
    assert "<h1>New proforma</h1>" in billing.get(NEW_PROFORMA).content.decode()


def test_the_edit_page_shows_the_draft_as_it_is(billing, bill_billing, carol_customer):
    draft = invoice_for(
        bill_billing,
        carol_customer,
        [HOSTING, DOMAIN | {"vat_category": "S", "vat_rate": "11", "vat_override_reason": "Reduced"}],
        issue=False,
        notes="Hello",
    )

    response = billing.get(url(draft, "edit/"))

    assert response.status_code == 200
    assert [form.initial for form in response.context["lines"].forms] == [
        {
            "description": "Web hosting Business",
            "quantity": "12",
            "unit_code": "MON",
            "unit_price": "49.99",
            "discount": "",
        },
        {
            "description": "Domain example.ro",
            "quantity": "1",
            "unit_code": "ANN",
            "unit_price": "45",
            "discount": "",
            "vat_category": "S",
            "vat_rate": "11",
            "vat_override_reason": "Reduced",
            "vat_exemption_reason": "",
        },
    ]
    html = response.content.decode()
    assert f"<h1>Invoice draft #{draft.pk}</h1>" in html
    assert "<strong>Carol Hosting SRL</strong>" in html
    assert 'name="customer_q"' not in html
    assert ">\nHello</textarea>" in html
    assert html.count('<details class="vat-override" open>') == 1


def test_staff_change_a_draft_and_remove_a_line(billing, bill_billing, carol_customer):
    draft = invoice_for(bill_billing, carol_customer, [HOSTING, DOMAIN], issue=False)
    data = draft_post(
        carol_customer,
        [HOSTING | {"quantity": "6"}, DOMAIN | {"DELETE": "on"}],
        initial=2,
        issue_date="2026-03-10",
        due_date="2026-04-10",
    )

    response = billing.post(url(draft, "edit/"), data)

    draft.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == url(draft)
    assert [(line.description, line.quantity) for line in draft.lines.all()] == [
        ("Web hosting Business", D("6"))
    ]
    assert (draft.due_date, draft.total) == (date(2026, 4, 10), D("362.93"))
    assert messages_of(billing.get(url(draft))) == ["The changes were saved."]
    assert AuditEvent.objects.filter(action="billing.invoice_changed", actor=bill_billing).count() == 1


def test_a_bad_change_keeps_the_draft_as_it_was(billing, bill_billing, carol_customer):
    draft = invoice_for(bill_billing, carol_customer, [HOSTING], issue=False)

    response = billing.post(
        url(draft, "edit/"), draft_post(carol_customer, [HOSTING | {"quantity": "0"}], initial=1)
    )

    assert response.status_code == 200
    assert field_errors(response, "id_lines-0-quantity") == [
        "The quantity must be greater than zero; to take something back, issue a credit note."
    ]
    assert [line.quantity for line in DocumentLine.objects.filter(document=draft)] == [D("12")]
    assert AuditEvent.objects.filter(action="billing.invoice_changed").count() == 0


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_issued_invoice_cannot_be_edited(billing, bill_billing, carol_customer, method):
    invoice = invoice_for(bill_billing, carol_customer)

    response = getattr(billing, method)(
        url(invoice, "edit/"), draft_post(carol_customer, [DOMAIN], initial=1), follow=True
    )

    assert response.redirect_chain == [(url(invoice), 302)]
    assert messages_of(response) == [
        "Document PRH-2026-000001 is issued and cannot be changed; correct it with a credit note."
    ]
    assert [line.description for line in DocumentLine.objects.filter(document=invoice)] == [
        "Web hosting Business"
    ]


def test_an_issued_proforma_is_still_editable(billing, bill_billing, carol_customer):
    proforma = proforma_for(bill_billing, carol_customer, issue=True)

    response = billing.post(
        url(proforma, "edit/"), draft_post(carol_customer, [HOSTING], initial=1, issue_date="2026-03-10")
    )

    assert response.status_code == 302
    assert [line.description for line in proforma.lines.all()] == ["Web hosting Business"]


# --- credit notes -------------------------------------------------------------------------------------


@pytest.fixture
def two_line_invoice(bill_billing, carol_customer):
    """12 months of hosting and a domain: 780.30 RON."""
    return invoice_for(bill_billing, carol_customer, [HOSTING, DOMAIN])


def test_the_credit_note_form_shows_what_each_line_can_still_credit(billing, bill_billing, two_line_invoice):
    hosting = two_line_invoice.lines.get(position=1)
    credit_note(actor=bill_billing, invoice=two_line_invoice, lines=[{"line": hosting.pk, "quantity": "4.5"}])

    response = billing.get(credit_url(two_line_invoice))

    assert response.status_code == 200
    assert [
        (row["line"].position, row["invoiced"], row["remaining"]) for row in response.context["rows"]
    ] == [
        (1, "12", "7.5"),
        (2, "1", "1"),
    ]
    html = response.content.decode()
    assert "<h1>Credit note for invoice PRH-2026-000001</h1>" in html
    assert f'name="quantity_{hosting.pk}"' in html
    assert "At most 7.5." in html


def test_staff_credit_chosen_quantities(billing, bill_billing, two_line_invoice):
    hosting = two_line_invoice.lines.get(position=1)

    response = billing.post(credit_url(two_line_invoice), {f"quantity_{hosting.pk}": "2", "action": "chosen"})

    note = Document.objects.get(document_type="credit_note")
    assert response.status_code == 302
    assert response["Location"] == url(note)
    assert (note.number, note.credited_document, note.total) == (
        "PRC-2026-000001",
        two_line_invoice,
        D("120.98"),
    )
    assert [(line.credited_line, line.quantity) for line in note.lines.all()] == [(hosting, D("2"))]
    assert messages_of(billing.get(url(note))) == [
        "Credit note PRC-2026-000001 was issued for invoice PRH-2026-000001."
    ]
    assert AuditEvent.objects.get(action="billing.credit_note_issued").actor == bill_billing


def test_credit_everything_still_creditable(billing, bill_billing, two_line_invoice):
    domain = two_line_invoice.lines.get(position=2)
    credit_note(actor=bill_billing, invoice=two_line_invoice, lines=[{"line": domain.pk}])

    response = billing.post(credit_url(two_line_invoice), {"action": "all"})

    notes = Document.objects.filter(document_type="credit_note").order_by("pk")
    assert response.status_code == 302
    assert [note.total for note in notes] == [D("54.45"), D("725.85")]
    assert sum(note.total for note in notes) == two_line_invoice.total
    again = billing.get(credit_url(two_line_invoice))
    assert again.context["nothing_left"] is True
    assert "Everything on this invoice has been credited already." in again.content.decode()
    assert 'value="all"' not in again.content.decode()


def test_crediting_more_than_is_left_is_refused_next_to_the_line(billing, bill_billing, two_line_invoice):
    hosting, domain = two_line_invoice.lines.all()

    response = billing.post(
        credit_url(two_line_invoice),
        {f"quantity_{hosting.pk}": "13", f"quantity_{domain.pk}": "1", "action": "chosen"},
    )
    bad_number = billing.post(
        credit_url(two_line_invoice), {f"quantity_{domain.pk}": "one", "action": "chosen"}
    )

    assert response.status_code == 200
    assert field_errors(response, f"id_quantity_{hosting.pk}") == [
        "Between 0 and 12 of this line can still be credited."
    ]
    assert field_errors(bad_number, f"id_quantity_{domain.pk}") == ["Enter a number."]
    assert Document.objects.filter(document_type="credit_note").count() == 0


def test_a_credit_note_needs_a_quantity(billing, two_line_invoice):
    response = billing.post(credit_url(two_line_invoice), {"action": "chosen"})

    assert response.status_code == 200
    assert (
        '<div class="form-errors" role="alert"><ul><li>Give the quantity to credit of at least one line.</li>'
        in (response.content.decode())
    )
    assert Document.objects.filter(document_type="credit_note").count() == 0


def test_a_draft_invoice_is_not_credited_and_a_proforma_has_no_credit_page(
    billing, bill_billing, carol_customer
):
    draft = invoice_for(bill_billing, carol_customer, issue=False)
    proforma = proforma_for(bill_billing, carol_customer, issue=True)

    refused = billing.post(credit_url(draft), {"action": "all"}, follow=True)

    assert refused.redirect_chain == [(url(draft), 302)]
    assert messages_of(refused) == ["Only an issued invoice can be credited."]
    assert billing.get(credit_url(proforma)).status_code == 404
    assert Document.objects.filter(document_type="credit_note").count() == 0


# --- who may do what ------------------------------------------------------------------------------

ID_PAGES = [
    ("get", "documents/{id}/"),
    ("get", "documents/{id}/pdf/"),
    ("get", "documents/{id}/edit/"),
    ("post", "documents/{id}/edit/"),
    ("post", "documents/{id}/issue/"),
    ("post", "documents/{id}/email/"),
    ("post", "documents/{id}/cancel/"),
    ("post", "documents/{id}/convert/"),
    ("get", "invoices/{id}/credit/"),
    ("post", "invoices/{id}/credit/"),
]
LIST_PAGES = [
    "invoices/",
    "proformas/",
    "credit-notes/",
    "invoices/sums/",
    "proformas/sums/",
    "credit-notes/sums/",
    "invoices/new/",
    "proformas/new/",
    "documents/customers/",
]


def _state():
    return (
        list(Document.objects.values()),
        list(DocumentLine.objects.values()),
        DocumentDelivery.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.fixture
def documents(bill_billing, billing_ready, carol_customer):
    """Carol's issued invoice and draft proforma."""
    return {
        "invoice": invoice_for(bill_billing, carol_customer),
        "proforma": proforma_for(bill_billing, carol_customer),
    }


@pytest.mark.parametrize(("method", "path"), ID_PAGES)
@pytest.mark.parametrize("who", ["carol", "dave"])
def test_a_customers_user_finds_no_staff_billing_page_even_of_their_own_documents(
    client, carol, dave, documents, method, path, who
):
    client.force_login({"carol": carol, "dave": dave}[who])
    before = _state()

    for document in documents.values():
        response = getattr(client, method)(
            f"/staff/billing/{path.format(id=document.pk)}", {"action": "all", "lines-TOTAL_FORMS": "0"}
        )
        assert response.status_code == 404

    assert _state() == before


@pytest.mark.parametrize("path", LIST_PAGES)
def test_a_customers_user_finds_no_staff_billing_list(client, carol, carol_customer, path):
    client.force_login(carol)

    assert client.get(f"/staff/billing/{path}").status_code == 404
    assert client.get(f"/staff/billing/{path}", **HTMX).status_code == 404  # the sums' fragment too


def test_a_visitor_is_sent_to_log_in(client, documents):
    response = client.get(url(documents["invoice"]))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/staff/billing/documents/")


@pytest.mark.parametrize(("method", "path"), [("get", path) for path in LIST_PAGES] + ID_PAGES)
def test_staff_without_a_billing_role_are_refused(staff_client, documents, method, path):
    nobody = UserFactory(email="norole@staff.test", is_staff=True)
    add_totp(nobody)
    refused = staff_client(nobody)  # logging in is audited too
    before = _state()

    response = getattr(refused, method)(
        f"/staff/billing/{path.format(id=documents['invoice'].pk)}", {"action": "all"}
    )

    assert response.status_code == 403
    assert _state() == before


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "invoices/new/"),
        ("post", "invoices/new/"),
        ("get", "proformas/new/"),
        ("get", "documents/{proforma}/edit/"),
        ("post", "documents/{proforma}/edit/"),
        ("post", "documents/{proforma}/issue/"),
        ("post", "documents/{proforma}/cancel/"),
        ("post", "documents/{proforma}/convert/"),
        ("post", "documents/{invoice}/email/"),
        ("get", "invoices/{invoice}/credit/"),
        ("post", "invoices/{invoice}/credit/"),
    ],
)
def test_support_may_look_but_not_act(staff_client, sue_support, carol_customer, documents, method, path):
    support = staff_client(sue_support)
    before = _state()
    ids = {name: document.pk for name, document in documents.items()}

    response = getattr(support, method)(
        f"/staff/billing/{path.format(**ids)}", draft_post(carol_customer, [DOMAIN]) | {"action": "all"}
    )

    assert response.status_code == 403
    assert _state() == before


def test_support_sees_the_lists(staff_client, sue_support, documents):
    support = staff_client(sue_support)

    invoices = support.get(INVOICES)
    proformas = support.get(PROFORMAS)
    sums = support.get(INVOICE_SUMS, **HTMX)

    assert (invoices.status_code, proformas.status_code, sums.status_code) == (200, 200, 200)
    assert numbers(invoices) == ["PRH-2026-000001"]
    assert [row["total"] for row in sums.context["sums"]] == [D("725.85")]
    assert "New invoice" not in invoices.content.decode()
    assert "New proforma" not in proformas.content.decode()


def test_sales_draft_documents_but_do_not_issue_credit_or_email_them(
    staff_client, sam_sales, carol_customer, documents
):
    sales = staff_client(sam_sales)
    proforma = documents["proforma"]

    created = sales.post(NEW_PROFORMA, draft_post(carol_customer, [HOSTING]))
    page = sales.get(url(proforma))

    assert created.status_code == 302
    assert page.context["actions"] == {
        "edit": True,
        "issue": False,
        "cancel": True,
        "convert": False,
        "credit": False,
        "email": False,
        "pay": False,
    }
    assert sales.post(url(proforma, "issue/")).status_code == 403
    assert sales.post(url(proforma, "convert/")).status_code == 403
    assert sales.post(credit_url(documents["invoice"]), {"action": "all"}).status_code == 403
    assert sales.post(url(documents["invoice"], "email/")).status_code == 403
    proforma.refresh_from_db()
    assert proforma.status == "draft"


def test_the_staff_menu_links_to_the_document_lists_for_staff_who_may_see_them(
    staff_client, sue_support, client
):
    with_links = staff_client(sue_support).get("/staff/billing/invoices/")
    client.logout()
    nobody = UserFactory(email="norole@staff.test", is_staff=True)
    add_totp(nobody)
    without_links = staff_client(nobody).get("/staff/")

    html = with_links.content.decode()
    assert '<li><a href="/staff/billing/invoices/" aria-current="page">Invoices</a></li>' in html
    assert '<li><a href="/staff/billing/proformas/" >Proformas</a></li>' in html
    assert '<li><a href="/staff/billing/credit-notes/" >Credit notes</a></li>' in html
    assert "/staff/billing/" not in without_links.content.decode()


# --- accessibility --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "data", "invalid"),
    [
        ("invoices/", None, []),
        ("invoices/?status=unpaid&customer_q=carol", None, []),
        ("invoices/?issued_from=2026-03-05&issued_to=2026-03-01", None, ["issued_to"]),
        ("proformas/", None, []),
        ("credit-notes/", None, []),
        ("invoices/sums/?status=issued", None, []),
        ("invoices/sums/?issued_from=2026-03-05&issued_to=2026-03-01", None, []),
        ("proformas/sums/", None, []),
        ("invoices/new/", None, []),
        ("invoices/new/", "bad", ["due_date", "lines-0-quantity", "lines-0-vat_override_reason"]),
        ("documents/{invoice}/", None, []),
        ("documents/{proforma}/", None, []),
        ("documents/{proforma}/edit/", None, []),
        ("invoices/{invoice}/credit/", None, []),
        ("invoices/{invoice}/credit/", "over", ["quantity_{line}"]),
    ],
)
def test_the_pages_are_accessible_without_inline_scripts_or_styles(
    billing, carol_customer, documents, path, data, invalid
):
    invoice = documents["invoice"]
    ids = {"invoice": invoice.pk, "proforma": documents["proforma"].pk, "line": invoice.lines.get().pk}
    page_url = f"/staff/billing/{path.format(**ids)}"
    posted = {
        "bad": draft_post(
            carol_customer,
            [DOMAIN | {"quantity": "0", "vat_rate": "11"}],
            issue_date="2026-03-10",
            due_date="2026-03-01",
        ),
        "over": {f"quantity_{ids['line']}": "99", "action": "chosen"},
    }

    response = billing.post(page_url, posted[data]) if data else billing.get(page_url)

    assert response.status_code == 200
    page = html_audit.read(response.content)
    assert (page.inline_scripts, page.external_urls, page.h1_count) == ([], [], 1)
    assert " style=" not in response.content.decode()
    assert page.unlabelled_controls() == []
    assert page.dangling_describedby() == []
    assert page.duplicate_ids() == []
    assert page.invalid_controls_without_error_text() == []
    assert [control["name"] for control in page.invalid_controls] == [name.format(**ids) for name in invalid]
