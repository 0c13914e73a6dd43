"""The customer area's billing pages under /app/billing/: documents, detail, PDF and balance."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from praho.accounts.tests import html_audit
from praho.accounts.tests.factories import UserFactory
from praho.billing.ledger_queries import Balance
from praho.billing.models import Document, SellerProfile
from praho.billing.services.corrections import cancel_proforma, convert_proforma, credit_note
from praho.billing.services.drafts import create_document
from praho.billing.services.issuing import issue_document
from praho.billing.services.payments import record_payment
from praho.billing.tests.factories import issued_invoice
from praho.customers.current import SESSION_KEY
from praho.customers.services import memberships
from praho.testing.actors import member_of

D = Decimal
TODAY = dt.date(2026, 3, 10)
DOCUMENTS = reverse("billing:area-documents")
HOSTING = {"description": "Web hosting Business", "quantity": "12", "unit_code": "MON", "unit_price": "49.99"}
SETUP = {"description": "Setup", "quantity": "1", "unit_price": "100"}


def detail(document: Document) -> str:
    return reverse("billing:area-document", args=[document.pk])


def pdf_url(document: Document) -> str:
    return reverse("billing:area-document-pdf", args=[document.pk])


def _text(response) -> str:
    return response.content.decode()


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(dt.datetime(2026, 3, 10, 10, 0, tzinfo=dt.UTC), tick=False):
        yield TODAY


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def _issue(actor, customer, document_type="invoice", lines=(HOSTING,), **values):
    draft = create_document(
        actor=actor, document_type=document_type, customer=customer, lines=list(lines), **values
    )
    return issue_document(actor=actor, document=draft)


def _pay(actor, invoice, amount, on=dt.date(2026, 3, 1)):
    return record_payment(
        actor=actor,
        invoice=invoice,
        amount=amount,
        currency=invoice.currency,
        method="bank_transfer",
        reference="OP 77",
        received_on=on,
    )


@pytest.fixture
def carols(billing_ready, bill_billing, carol_customer):
    """What billing staff made for carol's company, by name.

    RON: `overdue` (121.00, due 16 Feb, 21.00 paid) and `current` (725.85, due 24 Mar);
    EUR: `overpaid` (242.00, 250.00 paid: 8.00 credit). A proforma issued and another
    converted into `converted_invoice` (paid in full), a credit note of 1 month of `current`,
    and what customers never see: a draft invoice, a draft proforma, a cancelled proforma.
    """
    staff = bill_billing
    overdue = _issue(
        staff, carol_customer, lines=[SETUP], issue_date=dt.date(2026, 2, 2), due_date=dt.date(2026, 2, 16)
    )
    _pay(staff, overdue, D("21.00"))
    current = _issue(staff, carol_customer)
    overpaid = issued_invoice(
        carol_customer, currency="EUR", lines=((D("2"), D("100"), D("21")),), issue_date=dt.date(2026, 3, 2)
    )
    _pay(staff, overpaid, D("250.00"), on=dt.date(2026, 3, 5))
    proforma = _issue(staff, carol_customer, "proforma", lines=[SETUP])
    converted = _issue(staff, carol_customer, "proforma", lines=[SETUP])
    converted_invoice = convert_proforma(actor=staff, proforma=converted)
    _pay(staff, converted_invoice, D("121.00"), on=TODAY)
    note = credit_note(
        actor=staff, invoice=current, lines=[{"line": current.lines.get().pk, "quantity": "1"}]
    )
    hidden = {
        "draft_invoice": create_document(
            actor=staff, document_type="invoice", customer=carol_customer, lines=[SETUP]
        ),
        "draft_proforma": create_document(
            actor=staff, document_type="proforma", customer=carol_customer, lines=[SETUP]
        ),
        "cancelled_proforma": cancel_proforma(
            actor=staff, proforma=_issue(staff, carol_customer, "proforma", lines=[SETUP])
        ),
    }
    return {
        "overdue": overdue,
        "current": current,
        "overpaid": overpaid,
        "proforma": proforma,
        "converted": converted,
        "converted_invoice": converted_invoice,
        "note": note,
    } | hidden


@pytest.fixture
def daves(billing_ready, bill_billing, dave_customer):
    return {"invoice": _issue(bill_billing, dave_customer, lines=[SETUP])}


def _numbers(response) -> list[str]:
    return [row.document.number for row in response.context["rows"]]


# --- who may look ---------------------------------------------------------------------------


def test_visitors_are_sent_to_log_in(client, db):
    response = client.get(DOCUMENTS)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={DOCUMENTS}"


def test_a_user_without_a_customer_sees_the_friendly_page(as_user, db):
    response = as_user(UserFactory(email="loner@example.test")).get(DOCUMENTS)

    assert response.status_code == 200
    assert "You do not act for a customer yet" in _text(response)


@pytest.mark.parametrize("role", ["technical", "viewer"])
def test_members_without_billing_get_the_no_access_page_everywhere(as_user, carol_customer, carols, role):
    client = as_user(member_of(carol_customer, email="member@customer.test", role=role))
    invoice = carols["current"]

    for url in (DOCUMENTS, detail(invoice), pdf_url(invoice)):
        response = client.get(url)
        assert response.status_code == 403, url
        text = _text(response)
        assert "Billing is not available to your role" in text
        assert f"Your role at Carol Hosting SRL is “{role.capitalize()}”." in text
        assert "PRH-2026-000002" not in text
        assert f'<a href="{DOCUMENTS}"' not in text  # no link to billing in the navigation


@pytest.mark.parametrize("role", ["owner", "billing"])
def test_owners_and_billing_members_see_the_billing_link_and_page(
    as_user, carol, carol_customer, carols, role
):
    user = carol if role == "owner" else member_of(carol_customer, email="bea@customer.test", role="billing")

    response = as_user(user).get(DOCUMENTS)

    assert response.status_code == 200
    assert f'<a href="{DOCUMENTS}" aria-current="page">Billing</a>' in _text(response)


# --- the list -------------------------------------------------------------------------------


def test_the_list_shows_what_was_issued_newest_first_and_never_drafts(as_user, carol, carols, daves):
    response = as_user(carol).get(DOCUMENTS)

    assert _numbers(response) == [
        "PRC-2026-000001",  # the credit note, 10 Mar, created last
        "PRH-2026-000003",  # the converted proforma's invoice
        "PRF-2026-000002",  # converted
        "PRF-2026-000001",
        "PRH-2026-000002",  # current
        carols["overpaid"].number,  # EUR, 2 Mar
        "PRH-2026-000001",  # overdue, 2 Feb
    ]
    text = _text(response)
    for hidden in ("draft_invoice", "draft_proforma", "cancelled_proforma"):
        assert detail(carols[hidden]) not in text
    assert "PRF-2026-000003" not in text  # the cancelled proforma's number
    assert daves["invoice"].number not in [row.document.number for row in response.context["rows"]]
    assert detail(daves["invoice"]) not in text
    assert "7 documents" in text


def test_each_row_has_its_status_what_is_left_to_pay_and_its_pdf(as_user, carol, carols):
    response = as_user(carol).get(DOCUMENTS)

    rows = {row.document.number: row for row in response.context["rows"]}
    assert [(row.payment_status, row.outstanding) for row in rows.values()] == [
        (None, None),
        ("paid", D("0.00")),
        (None, None),
        (None, None),
        ("issued", D("665.36")),  # 725.85 less the credit note of 60.49 (49.99 + 10.50 VAT)
        ("paid", D("0.00")),
        ("overdue", D("100.00")),
    ]
    text = _text(response)
    assert '<span class="badge badge-warn">Overdue</span>' in text
    assert "665.36\xa0RON" in text
    assert "16 Feb 2026" in text
    assert "corrects PRH-2026-000002" in text
    for row in rows.values():
        assert pdf_url(row.document) in text


def test_the_balance_is_exact_per_currency(as_user, carol, carols):
    response = as_user(carol).get(DOCUMENTS)

    assert response.context["balances"] == [
        ("EUR", Balance(receivable=D("0.00"), credit=D("8.00"), overdue=D("0.00"))),
        ("RON", Balance(receivable=D("765.36"), credit=D("0.00"), overdue=D("100.00"))),
    ]
    text = _text(response)
    assert (
        '<th scope="row">RON</th>\n        <td data-label="To pay">765.36\xa0RON</td>\n'
        '        <td data-label="Of which overdue"><span class="badge badge-warn">100.00\xa0RON</span></td>\n'
        '        <td data-label="Your credit">0.00\xa0RON</td>'
    ) in text
    assert (
        '<th scope="row">EUR</th>\n        <td data-label="To pay">0.00\xa0EUR</td>\n'
        '        <td data-label="Of which overdue">0.00\xa0EUR</td>\n'
        '        <td data-label="Your credit">8.00\xa0EUR</td>'
    ) in text


def test_a_customer_with_no_documents_has_an_empty_balance(as_user, carol, carol_customer, billing_ready):
    response = as_user(carol).get(DOCUMENTS)

    assert response.context["balances"] == []
    assert "Nothing to pay and no credit." in _text(response)
    assert "No documents here yet." in _text(response)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?type=invoice", ["PRH-2026-000003", "PRH-2026-000002", "TST", "PRH-2026-000001"]),
        ("?type=proforma", ["PRF-2026-000002", "PRF-2026-000001"]),
        ("?type=credit_note", ["PRC-2026-000001"]),
        ("?status=overdue", ["PRH-2026-000001"]),
        ("?status=paid", ["PRH-2026-000003", "TST"]),
        ("?status=unpaid", ["PRH-2026-000002"]),
        ("?type=proforma&status=paid", []),
        ("?type=bogus&status=bogus", None),  # unknown values are ignored: everything
    ],
)
def test_tabs_and_payment_states_filter_the_list(as_user, carol, carols, query, expected):
    response = as_user(carol).get(DOCUMENTS + query)

    numbers = [number[:3] if number.startswith("TST") else number for number in _numbers(response)]
    if expected is None:
        assert len(numbers) == 7
    else:
        assert numbers == expected


def test_the_filter_form_answers_htmx_with_the_results_only(as_user, carol, carols):
    response = as_user(carol).get(DOCUMENTS + "?status=overdue", HTTP_HX_REQUEST="true")

    text = _text(response)
    assert "<h1>" not in text
    assert "1 document" in text
    assert detail(carols["overdue"]) in text


@pytest.mark.parametrize("count", [3, 10])
def test_the_list_runs_a_fixed_number_of_queries(
    as_user, carol, carol_customer, billing_ready, django_assert_num_queries, count
):
    for index in range(count):
        invoice = issued_invoice(carol_customer, issue_date=dt.date(2026, 2, 1) + dt.timedelta(days=index))
        if index % 2:
            _pay(None, invoice, D("21.00"))
    client = as_user(carol)
    # 1 session, 2 user, 3 the user's memberships with their customers (current customer),
    # 4 the balance (one grouped query over ledger entries), 5 count, 6 the page of documents
    # with their customer, credited invoice and ledger amounts (subqueries)
    with django_assert_num_queries(6):
        response = client.get(DOCUMENTS)
    assert len(response.context["rows"]) == count


def test_the_list_is_paginated(as_user, carol, carol_customer, billing_ready, django_assert_num_queries):
    invoices = [
        issued_invoice(carol_customer, issue_date=dt.date(2026, 1, 1) + dt.timedelta(days=index))
        for index in range(27)
    ]
    client = as_user(carol)

    first = client.get(DOCUMENTS + "?type=invoice")
    # As the first page (test_the_list_runs_a_fixed_number_of_queries): the second reads its
    # rows through a subquery of their ids (praho.core.paginator), in the same query.
    with django_assert_num_queries(6):
        second = client.get(DOCUMENTS + "?type=invoice&page=2")

    assert (len(first.context["rows"]), len(second.context["rows"])) == (25, 2)
    assert [row.document for row in second.context["rows"]] == [invoices[1], invoices[0]]
    assert [row.outstanding for row in second.context["rows"]] == [D("121.00"), D("121.00")]
    assert 'href="?type=invoice&amp;page=2"' in _text(first)


# --- one document ---------------------------------------------------------------------------


def test_an_invoice_shows_lines_totals_vat_payments_and_how_to_pay(as_user, carol, carols):
    response = as_user(carol).get(detail(carols["overdue"]))

    assert response.status_code == 200
    text = _text(response)
    assert "<h1>Invoice PRH-2026-000001</h1>" in text
    assert '<td data-label="Description">Setup</td>' in text
    assert (
        '<td data-label="Quantity">1</td>\n        <td data-label="Unit">piece</td>\n'
        '        <td data-label="Unit price">100.00</td>'
    ) in text
    assert "<tr><td>21%</td><td>100.00\xa0RON</td><td>21.00\xa0RON</td></tr>" in text
    assert "<dt>Total</dt><dd><strong>121.00\xa0RON</strong></dd>" in text
    assert "<dt>Credited</dt><dd>0.00\xa0RON</dd>" in text
    assert "<dt>Paid</dt><dd>21.00\xa0RON</dd>" in text
    assert "<dt>Still to pay</dt><dd><strong>100.00\xa0RON</strong></dd>" in text
    assert (
        '<td data-label="Received on">1 Mar 2026</td><td data-label="Method">Bank transfer</td>'
        '<td data-label="Reference">OP 77</td><td data-label="Amount">21.00\xa0RON</td>'
    ) in text
    assert '<dt>Payment reference</dt><dd class="mono">PRH-2026-000001</dd>' in text
    assert '<dd class="mono">RO49 AAAA 1B31 0075 9384 0000</dd>' in text
    assert "<dd>Banca Exemplu</dd>" in text
    assert '<span class="badge badge-warn">Overdue</span>' in text
    assert pdf_url(carols["overdue"]) in text


def test_the_bank_account_is_the_one_snapshotted_at_issue(as_user, carol, carols):
    SellerProfile.objects.create(
        **{
            field.name: getattr(SellerProfile.objects.get(version=1), field.name)
            for field in SellerProfile._meta.concrete_fields
            if field.name not in ("id", "version", "iban", "valid_from")
        },
        version=2,
        iban="RO66BACX0000001234567890",
        valid_from=timezone.now(),
    )

    text = _text(as_user(carol).get(detail(carols["current"])))

    assert "RO49 AAAA 1B31 0075 9384 0000" in text
    assert "RO66" not in text


def test_a_paid_invoice_does_not_ask_for_payment(as_user, carol, carols):
    text = _text(as_user(carol).get(detail(carols["converted_invoice"])))

    assert "How to pay" not in text
    assert '<span class="badge badge-ok">Paid</span>' in text
    assert f'<a href="{detail(carols["converted"])}">PRF-2026-000002</a>' in text


def test_an_invoice_lists_its_credit_notes_and_the_note_links_back(as_user, carol, carols):
    client = as_user(carol)

    invoice_text = _text(client.get(detail(carols["current"])))
    note_text = _text(client.get(detail(carols["note"])))

    assert (
        f'<a href="{detail(carols["note"])}">PRC-2026-000001</a>, 10 Mar 2026: 60.49\xa0RON' in invoice_text
    )
    assert "<dt>Credited</dt><dd>60.49\xa0RON</dd>" in invoice_text
    assert f'<a href="{detail(carols["current"])}">PRH-2026-000002</a> (10 Mar 2026)' in note_text
    assert "How to pay" not in note_text
    assert "<dt>Due date</dt>" not in note_text


def test_a_proforma_is_payable_and_says_it_is_not_fiscal(as_user, carol, carols):
    text = _text(as_user(carol).get(detail(carols["proforma"])))

    assert "<h1>Proforma PRF-2026-000001</h1>" in text
    assert "A proforma is not a fiscal document" in text
    assert '<dt>Payment reference</dt><dd class="mono">PRF-2026-000001</dd>' in text
    assert "<dt>Valid until</dt><dd>25 Mar 2026</dd>" in text


def test_the_pdf_is_served_inline_with_the_number_as_name(as_user, carol, carols):
    response = as_user(carol).get(pdf_url(carols["current"]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="PRH-2026-000002.pdf"'
    assert response.content.startswith(b"%PDF-")


@pytest.mark.parametrize("count", [1, 6])
def test_the_detail_runs_a_fixed_number_of_queries(
    as_user, carol, carol_customer, billing_ready, bill_billing, django_assert_num_queries, count
):
    invoice = _issue(bill_billing, carol_customer, lines=[SETUP] * count)
    for _payment in range(count):
        _pay(bill_billing, invoice, D("1.00"))
    credit_note(
        actor=bill_billing, invoice=invoice, lines=[{"line": invoice.lines.first().pk, "quantity": "1"}]
    )
    client = as_user(carol)
    # 1 session, 2 user, 3 memberships (current customer), 4 the document with its seller snapshot,
    # related documents and ledger amounts, 5 its lines, 6 its VAT breakdown as issued, 7 its credit
    # notes, 8 its payments; 9, while it still owes, its latest card checkout (payments' "Pay by card")
    invoice.refresh_from_db()
    owes = invoice.outstanding_amount > 0
    with django_assert_num_queries(9 if owes else 8):
        response = client.get(detail(invoice))
    assert ("Pay by card" in response.content.decode()) == owes
    assert (len(response.context["lines"]), len(response.context["payments"])) == (count, count)


# --- isolation ------------------------------------------------------------------------------


def test_another_customers_documents_are_404(as_user, dave, carols, daves):
    client = as_user(dave)

    for document in carols.values():
        assert client.get(detail(document)).status_code == 404
        assert client.get(pdf_url(document)).status_code == 404
    assert client.get(detail(daves["invoice"])).status_code == 200


@pytest.mark.parametrize("hidden", ["draft_invoice", "draft_proforma", "cancelled_proforma"])
def test_drafts_and_cancelled_proformas_are_404_to_the_customer(as_user, carol, carols, hidden):
    client = as_user(carol)

    assert client.get(detail(carols[hidden])).status_code == 404
    assert client.get(pdf_url(carols[hidden])).status_code == 404


def test_unknown_ids_are_404(as_user, carol, carols):
    assert as_user(carol).get("/app/billing/documents/999999/").status_code == 404


@pytest.fixture
def carol_billing_at_dave(carol, dave_customer):
    memberships.add_member(actor=None, customer=dave_customer, user=carol, role="billing")


def test_a_user_of_two_customers_sees_one_customer_at_a_time(
    as_user, carol, carols, daves, dave_customer, carol_billing_at_dave
):
    client = as_user(carol)
    assert client.get(detail(daves["invoice"])).status_code == 404  # acting for carol's company
    assert daves["invoice"].number not in _numbers(client.get(DOCUMENTS))

    client.post(reverse("customers:area-switch"), {"customer": dave_customer.pk})

    assert client.session[SESSION_KEY] == dave_customer.pk
    assert _numbers(client.get(DOCUMENTS)) == [daves["invoice"].number]
    assert client.get(detail(daves["invoice"])).status_code == 200
    assert client.get(detail(carols["current"])).status_code == 404
    assert client.get(pdf_url(carols["current"])).status_code == 404


def test_a_technical_role_at_the_current_customer_gets_no_access_even_with_billing_elsewhere(
    as_user, carol, carols, daves, dave_customer
):
    memberships.add_member(actor=None, customer=dave_customer, user=carol, role="technical")
    client = as_user(carol)
    client.post(reverse("customers:area-switch"), {"customer": dave_customer.pk})

    assert client.get(DOCUMENTS).status_code == 403
    assert client.get(detail(daves["invoice"])).status_code == 403
    assert client.get(detail(carols["current"])).status_code == 403


# --- every page is sound ----------------------------------------------------------------------


def test_every_billing_page_is_accessible(as_user, carol, carols):
    client = as_user(carol)
    urls = [DOCUMENTS, DOCUMENTS + "?type=invoice&status=overdue"] + [
        detail(carols[name]) for name in ("overdue", "current", "overpaid", "proforma", "converted", "note")
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        page = html_audit.read(response.content)
        assert page.inline_scripts == [], url
        assert page.external_urls == [], url
        assert page.h1_count == 1, url
        assert page.unlabelled_controls() == [], url
        assert page.duplicate_ids() == [], url
        for landmark in ("header", "nav", "main", "footer"):
            assert landmark in page.landmarks, url
