"""Staff money pages (/staff/billing/): the payment list and recording a payment, a
customer's account with credit applied, the seller's data and exchange rates, and who
may do what."""

from __future__ import annotations

import datetime as dt
import re
from datetime import date
from decimal import Decimal
from html import unescape

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.urls import reverse

from praho.accounts.tests import html_audit
from praho.accounts.tests.factories import UserFactory, add_totp
from praho.audit.models import AuditEvent
from praho.billing import ledger
from praho.billing.corrections import cancel_proforma
from praho.billing.documents import create_document
from praho.billing.issuing import issue_document
from praho.billing.ledger import Balance
from praho.billing.models import Document, ExchangeRate, LedgerTransaction, Payment, SellerProfile
from praho.billing.payments import record_payment
from praho.billing.tests.factories import issued_credit_note, issued_invoice
from praho.customers.models import Customer
from praho.customers.services import create_customer

D = Decimal
pytestmark = pytest.mark.django_db

PAYMENTS_URL = "/staff/billing/payments/"
SELLER_URL = "/staff/billing/seller/"
SELLER_EDIT_URL = "/staff/billing/seller/edit/"
RATES_URL = "/staff/billing/rates/"
FETCH_URL = "/staff/billing/rates/fetch/"
HTMX = {"HTTP_HX_REQUEST": "true"}
NBSP = "\u00a0"  # between an amount and its currency (praho.core.formatting.format_money)
# Monday 2 March 2026, 12:00 in Bucharest; the factories' invoices were issued on 2 February, due on the 16th.
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
TODAY = date(2026, 3, 2)
HOSTING = {"description": "Web hosting", "quantity": "1", "unit_code": "MON", "unit_price": "100.00"}


@pytest.fixture(autouse=True)
def _monday_noon():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def billing(staff_client, bill_billing):
    return staff_client(bill_billing)


@pytest.fixture
def admin(staff_client, alice_admin):
    return staff_client(alice_admin)


@pytest.fixture
def support(staff_client, sue_support):
    return staff_client(sue_support)


@pytest.fixture
def nobody(staff_client):
    """Staff with no role: no billing permission at all."""
    user = UserFactory(email="norole@staff.test", is_staff=True)
    add_totp(user)
    return staff_client(user)


def pay_url(document: Document) -> str:
    return f"/staff/billing/invoices/{document.pk}/pay/"


def account_url(customer: Customer) -> str:
    return f"/staff/billing/customers/{customer.pk}/"


def apply_credit_url(customer: Customer) -> str:
    return f"/staff/billing/customers/{customer.pk}/apply-credit/"


def document_page(document: Document | int) -> str:
    return reverse("billing:document", args=[getattr(document, "pk", document)])


def pay(actor, invoice, amount, **overrides):
    values = {
        "actor": actor,
        "invoice": invoice,
        "amount": D(amount),
        "currency": invoice.currency,
        "method": "bank_transfer",
        "reference": "OP 1",
        "received_on": date(2026, 2, 10),
    } | overrides
    return record_payment(**values)


def payment_post(**changes: str) -> dict[str, str]:
    return {
        "amount": "121.00",
        "currency": "RON",
        "method": "bank_transfer",
        "received_on": "2026-02-27",
        "reference": "OP 77 Carol Hosting",
    } | changes


def errors_of(response, form: str = "form") -> dict[str, list[str]]:
    return {field: list(errors) for field, errors in response.context[form].errors.items()}


def shown_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def money_state() -> tuple:
    """Everything a refused money action must leave as it was."""
    return (
        list(Payment.objects.values_list("pk", flat=True)),
        LedgerTransaction.objects.count(),
        list(Document.objects.order_by("pk").values_list("pk", "status")),
        AuditEvent.objects.count(),
    )


def rows(response) -> list[tuple[str, str, str, str, str, str, str]]:
    """The payment table's cells as text (payment_results.html)."""
    table = re.search(r'<table class="payments">(.*?)</table>', response.content.decode(), re.S)
    assert table, "no payment table"
    found = []
    for row in re.findall(r"<tr>(.*?)</tr>", table.group(1), re.S):
        cells = [
            " ".join(unescape(re.sub(r"<[^>]+>", " ", cell)).split())
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        if len(cells) == 7:
            found.append(tuple(cells))
    return found


@pytest.fixture
def ledger_of_two(billing_ready, carol_customer, dave_customer, bill_billing):
    """Carol: a RON invoice paid in part by transfer and an EUR one paid by card; dave: a RON one in cash."""
    carol_ron = issued_invoice(carol_customer)  # 121.00 RON
    carol_eur = issued_invoice(carol_customer, currency="EUR")  # 121.00 EUR
    dave_ron = issued_invoice(dave_customer)
    pay(bill_billing, carol_ron, "21.00", received_on=date(2026, 2, 10), reference="OP 10")
    pay(bill_billing, carol_eur, "121.00", method="card", received_on=date(2026, 2, 20), reference="ch_1")
    pay(bill_billing, dave_ron, "50.00", method="cash", received_on=date(2026, 2, 15), reference="")
    return carol_ron, carol_eur, dave_ron


# --- the payment list ---------------------------------------------------------------------------


def test_the_payment_list_shows_payments_newest_first_with_sums_per_currency(billing, ledger_of_two):
    carol_ron, carol_eur, dave_ron = ledger_of_two

    response = billing.get(PAYMENTS_URL)

    assert response.status_code == 200
    bill = "bill@staff.test"
    assert rows(response) == [
        ("20 Feb 2026", "Carol Hosting SRL", carol_eur.number, "121.00 EUR", "Card", "ch_1", bill),
        ("15 Feb 2026", "Dave Web SRL", dave_ron.number, "50.00 RON", "Cash", "—", bill),
        ("10 Feb 2026", "Carol Hosting SRL", carol_ron.number, "21.00 RON", "Bank transfer", "OP 10", bill),
    ]
    assert response.context["sums"] == [
        {"currency": "EUR", "count": 1, "total": D("121.00")},
        {"currency": "RON", "count": 2, "total": D("71.00")},
    ]
    html = response.content.decode()
    assert f'<a class="mono" href="{document_page(carol_eur)}">{carol_eur.number}</a>' in html
    assert f'<a href="{account_url(carol_eur.customer)}">Carol Hosting SRL</a>' in html
    assert "3 payments" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"currency": "RON"}, ["15 Feb 2026", "10 Feb 2026"]),
        ({"method": "card"}, ["20 Feb 2026"]),
        ({"received_from": "2026-02-11", "received_to": "2026-02-19"}, ["15 Feb 2026"]),
        ({"received_to": "2026-02-15"}, ["15 Feb 2026", "10 Feb 2026"]),
        ({"currency": "EUR", "method": "cash"}, []),
    ],
)
def test_the_filters_narrow_the_payments_and_their_sums(billing, ledger_of_two, query, expected):
    response = billing.get(PAYMENTS_URL, query)

    assert [row[0] for row in rows(response)] == expected
    assert sum(row["count"] for row in response.context["sums"]) == len(expected)


def test_the_customer_filter_shows_one_customers_payments(billing, ledger_of_two, carol_customer):
    response = billing.get(PAYMENTS_URL, {"customer": carol_customer.pk})

    assert [row[1] for row in rows(response)] == ["Carol Hosting SRL", "Carol Hosting SRL"]
    assert response.context["sums"] == [
        {"currency": "EUR", "count": 1, "total": D("121.00")},
        {"currency": "RON", "count": 1, "total": D("21.00")},
    ]


def test_a_filter_change_through_htmx_returns_only_the_results(billing, ledger_of_two):
    response = billing.get(PAYMENTS_URL, {"method": "cash"}, **HTMX)

    assert response.templates[0].name == "billing/staff/payment_results.html"
    assert b"<h1>" not in response.content
    assert [row[1] for row in rows(response)] == ["Dave Web SRL"]


def test_the_filter_controls_refresh_the_results_as_they_change(billing, ledger_of_two):
    html = billing.get(PAYMENTS_URL).content.decode()

    # One trigger on the form: any control's change (the customer picker's radios too) refreshes.
    form = re.search(r'<form method="get" action="/staff/billing/payments/"[^>]*>', html).group(0)
    assert 'hx-get="/staff/billing/payments/" hx-target="#payment-results" hx-push-url="true"' in form
    assert 'hx-trigger="submit, change"' in form
    for name in ("customer_q", "currency", "method", "received_from", "received_to"):
        assert re.search(rf'<(?:select|input)[^>]*name="{name}"', html), name


def test_the_customer_filter_is_searched_as_you_type_not_a_list_of_every_customer(
    billing, ledger_of_two, carol_customer, dave_customer
):
    unfiltered = billing.get(PAYMENTS_URL).content.decode()
    chosen = billing.get(PAYMENTS_URL, {"customer": dave_customer.pk}).content.decode()
    typed = billing.get(PAYMENTS_URL, {"customer_q": "carol"}).content.decode()

    assert f'<option value="{carol_customer.pk}"' not in unfiltered
    search = re.search(r'<input type="search" name="customer_q"[^>]*>', unfiltered).group(0)
    assert 'hx-get="/staff/billing/documents/customers/"' in search
    assert 'hx-trigger="input changed delay:200ms, search"' in search
    radios = re.compile(r'<input type="radio" name="customer" value="(\d*)" id="[^"]+"( checked)?>')
    assert radios.findall(unfiltered) == [("", " checked")]  # "Any customer", and no list
    assert radios.findall(chosen) == [("", ""), (str(dave_customer.pk), " checked")]
    assert radios.findall(typed) == [("", " checked"), (str(carol_customer.pk), "")]


def test_a_period_ending_before_it_starts_is_refused_next_to_its_end(billing, ledger_of_two):
    response = billing.get(PAYMENTS_URL, {"received_from": "2026-02-20", "received_to": "2026-02-01"})

    assert errors_of(response) == {"received_to": ["The end of the period is before its start."]}
    assert rows(response) == []


def test_the_list_has_pages_of_25_and_sums_every_page(billing, billing_ready, carol_customer, bill_billing):
    invoice = issued_invoice(carol_customer, lines=((D("1"), D("1000"), D("0")),))
    for day in range(1, 31):
        pay(bill_billing, invoice, "10.00", received_on=date(2026, 2, min(day, 28)))

    first = billing.get(PAYMENTS_URL, {"currency": "RON"})
    second = billing.get(PAYMENTS_URL, {"currency": "RON", "page": 2})

    assert (len(rows(first)), len(rows(second))) == (25, 5)
    assert first.context["sums"] == [{"currency": "RON", "count": 30, "total": D("300.00")}]
    assert 'href="?currency=RON&amp;page=2" rel="next"' in first.content.decode()


@pytest.mark.parametrize("count", [3, 10])
@pytest.mark.parametrize("filtered", [False, True])
def test_the_list_runs_the_same_number_of_queries_for_3_or_10_payments(
    billing,
    billing_ready,
    carol_customer,
    bill_billing,
    alice_admin,
    django_assert_num_queries,
    count,
    filtered,
):
    for _n in range(count):
        invoice = issued_invoice(carol_customer)
        pay(bill_billing, invoice, "121.00")
    for number in range(count * 10):  # customers are searched for, never all listed
        create_customer(actor=alice_admin, kind="individual", name=f"Client {number}", country="RO")
    query = {"customer": carol_customer.pk, "method": "bank_transfer"} if filtered else {}
    # 1 session, 2 user, 3 authenticators (staff gate), 4 user permissions, 5 group permissions,
    # 6 the count, 7 the sums per currency, 8 the page of payments with their customer, invoice
    # and recorder, [9 the chosen customer for the picker, when filtering]
    with django_assert_num_queries(9 if filtered else 8):
        response = billing.get(PAYMENTS_URL, query)
    assert len(rows(response)) == count


# --- recording a payment ------------------------------------------------------------------------


def test_the_payment_form_is_prefilled_with_what_is_left_to_pay(
    billing, billing_ready, carol_customer, bill_billing
):
    invoice = issued_invoice(carol_customer, currency="EUR")
    pay(bill_billing, invoice, "21.00", currency="EUR")

    response = billing.get(pay_url(invoice))

    assert response.status_code == 200
    form = response.context["form"]
    assert (form["amount"].value(), form["currency"].value(), form["method"].value()) == (
        D("100.00"),
        "EUR",
        "bank_transfer",
    )
    assert form["received_on"].value() == TODAY
    assert response.context["left_to_pay"] == D("100.00")
    assert '<input type="date" name="received_on" value="2026-03-02"' in response.content.decode()


def test_billing_staff_record_a_payment_and_land_on_the_invoice(
    billing, billing_ready, carol_customer, bill_billing
):
    invoice = issued_invoice(carol_customer)

    response = billing.post(pay_url(invoice), payment_post(amount="21,00"))

    assert response.status_code == 302
    assert response["Location"] == document_page(invoice)
    payment = Payment.objects.get()
    assert (
        payment.document,
        payment.amount,
        payment.currency,
        payment.method,
        payment.received_on,
        payment.reference,
        payment.recorded_by,
    ) == (invoice, D("21.00"), "RON", "bank_transfer", date(2026, 2, 27), "OP 77 Carol Hosting", bill_billing)
    assert ledger.document_outstanding(invoice) == D("100.00")
    assert AuditEvent.objects.filter(action="billing.payment_recorded").count() == 1
    page = billing.get(PAYMENTS_URL)
    assert shown_messages(page) == [f"Payment of 21.00{NBSP}RON recorded for invoice {invoice.number}."]


def test_an_overpayment_is_recorded_and_staff_are_told_it_went_to_credit(
    billing, billing_ready, carol_customer
):
    invoice = issued_invoice(carol_customer)

    response = billing.post(pay_url(invoice), payment_post(amount="150.00"), follow=False)

    assert response.status_code == 302
    assert ledger.customer_balance(carol_customer) == {
        "RON": Balance(receivable=D("0.00"), credit=D("29.00"), overdue=D("0.00"))
    }
    assert shown_messages(billing.get(PAYMENTS_URL)) == [
        f"Payment of 150.00{NBSP}RON recorded for invoice {invoice.number}.",
        f"29.00{NBSP}RON more than the invoice owed went to the customer's credit.",
    ]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"currency": "EUR"}, "currency", "The payment must be in the invoice's currency (RON)."),
        ({"received_on": "2026-03-03"}, "received_on", "A payment cannot be received in the future."),
        ({"amount": "-121.00"}, "amount", "The amount must be greater than zero."),
        ({"amount": "0"}, "amount", "The amount must be greater than zero."),
        ({"amount": "12.345"}, "amount", "Use at most 2 decimals."),
        ({"amount": "a lot"}, "amount", "Enter a number, such as 121.00."),
        ({"amount": ""}, "amount", "This field is required."),
        (
            {"method": "cheque"},
            "method",
            "Select a valid choice. cheque is not one of the available choices.",
        ),
        ({"received_on": "02.03.2026"}, "received_on", "Enter a valid date."),
    ],
)
def test_a_bad_payment_is_refused_next_to_its_field_and_nothing_is_saved(
    billing, billing_ready, carol_customer, changes, field, message
):
    invoice = issued_invoice(carol_customer)
    before = money_state()

    response = billing.post(pay_url(invoice), payment_post(**changes))

    assert response.status_code == 200
    assert errors_of(response) == {field: [message]}
    assert money_state() == before
    page = html_audit.read(response.content)
    assert [control["name"] for control in page.invalid_controls] == [field]
    assert page.invalid_controls_without_error_text() == []


def test_a_draft_invoice_cannot_be_paid(billing, billing_ready, carol_customer, bill_billing):
    draft = create_document(
        actor=bill_billing, document_type="invoice", customer=carol_customer, lines=[HOSTING]
    )
    before = money_state()

    response = billing.post(pay_url(draft), payment_post())

    assert errors_of(response) == {"__all__": ["Issue the invoice before recording a payment."]}
    assert money_state() == before


def test_paying_a_proforma_converts_it_and_lands_on_the_new_invoice(
    billing, billing_ready, carol_customer, bill_billing
):
    proforma = issue_document(
        actor=bill_billing,
        document=create_document(
            actor=bill_billing, document_type="proforma", customer=carol_customer, lines=[HOSTING]
        ),
    )
    assert billing.get(pay_url(proforma)).context["form"]["amount"].value() == D("121.00")

    response = billing.post(pay_url(proforma), payment_post())

    invoice = Document.objects.get(converted_from=proforma)
    assert response.status_code == 302
    assert response["Location"] == document_page(invoice)
    assert (invoice.document_type, invoice.status, Payment.objects.get().document) == (
        "invoice",
        "issued",
        invoice,
    )
    assert ledger.document_outstanding(invoice) == D("0.00")
    assert shown_messages(billing.get(PAYMENTS_URL)) == [
        f"Payment of 121.00{NBSP}RON recorded for invoice {invoice.number}.",
        f"Proforma {proforma.number} was converted into invoice {invoice.number}.",
    ]


def test_a_converted_proforma_is_paid_through_its_invoice_and_offers_what_that_owes(
    billing, billing_ready, carol_customer, bill_billing
):
    proforma = issue_document(
        actor=bill_billing,
        document=create_document(
            actor=bill_billing, document_type="proforma", customer=carol_customer, lines=[HOSTING]
        ),
    )
    billing.post(pay_url(proforma), payment_post(amount="50.00"))
    invoice = Document.objects.get(converted_from=proforma)

    page = billing.get(pay_url(proforma))
    response = billing.post(pay_url(proforma), payment_post(amount="71.00"))

    assert (page.context["left_to_pay"], page.context["form"]["amount"].value()) == (D("71.00"), D("71.00"))
    assert response["Location"] == document_page(invoice)
    assert list(Payment.objects.order_by("pk").values_list("document", "amount")) == [
        (invoice.pk, D("50.00")),
        (invoice.pk, D("71.00")),
    ]
    assert ledger.document_outstanding(invoice) == D("0.00")


def test_with_credit_applied_automatically_staff_are_told_where_the_overpayment_went(
    billing, billing_ready, carol_customer, settings
):
    settings.BILLING_AUTO_APPLY_CREDIT = True
    paid, other = issued_invoice(carol_customer), issued_invoice(carol_customer)

    billing.post(pay_url(paid), payment_post(amount="150.00"))

    assert ledger.document_outstanding(other) == D("92.00")
    assert shown_messages(billing.get(PAYMENTS_URL))[1] == (
        f"29.00{NBSP}RON more than the invoice owed went to the customer's credit, "
        "which was applied to their other open invoices."
    )


def test_a_cancelled_proforma_cannot_be_paid(billing, billing_ready, carol_customer, bill_billing):
    proforma = issue_document(
        actor=bill_billing,
        document=create_document(
            actor=bill_billing, document_type="proforma", customer=carol_customer, lines=[HOSTING]
        ),
    )
    cancel_proforma(actor=bill_billing, proforma=proforma)
    before = money_state()

    response = billing.post(pay_url(proforma), payment_post())

    assert errors_of(response) == {
        "__all__": [
            f"Proforma {proforma.number} was cancelled and cannot be paid; "
            "issue a new proforma or an invoice."
        ]
    }
    assert money_state() == before


def test_a_credit_note_or_an_unknown_document_has_no_payment_page(billing, billing_ready, carol_customer):
    invoice = issued_invoice(carol_customer)
    note = issued_credit_note(invoice)
    before = money_state()

    assert billing.get(pay_url(note)).status_code == 404
    assert billing.post(pay_url(note), payment_post()).status_code == 404
    assert billing.post("/staff/billing/invoices/999999/pay/", payment_post()).status_code == 404
    assert money_state() == before


def test_support_may_see_payments_but_not_record_one(support, billing_ready, carol_customer):
    invoice = issued_invoice(carol_customer)
    before = money_state()

    assert support.get(PAYMENTS_URL).status_code == 200
    assert support.get(pay_url(invoice)).status_code == 403
    assert support.post(pay_url(invoice), payment_post()).status_code == 403
    assert money_state() == before


def test_staff_without_a_billing_role_are_refused_the_payment_pages(nobody, billing_ready, carol_customer):
    invoice = issued_invoice(carol_customer)

    assert nobody.get(PAYMENTS_URL).status_code == 403
    assert nobody.post(pay_url(invoice), payment_post()).status_code == 403
    assert Payment.objects.count() == 0


# --- a customer's account -------------------------------------------------------------------------


@pytest.fixture
def carol_with_credit(billing_ready, carol_customer, bill_billing):
    """Carol overpaid an old RON invoice by 29.00 and owes two more (one overdue); nothing in EUR is open."""
    paid = issued_invoice(carol_customer, issue_date=date(2026, 1, 5))
    overdue = issued_invoice(carol_customer, issue_date=date(2026, 2, 2))  # due 16 February
    current = issued_invoice(carol_customer, issue_date=date(2026, 2, 27))  # due 13 March
    eur = issued_invoice(carol_customer, currency="EUR")
    pay(bill_billing, paid, "150.00")
    pay(bill_billing, eur, "121.00", currency="EUR")
    return paid, overdue, current


def test_the_account_shows_balances_open_invoices_and_recent_payments(
    billing, carol_with_credit, carol_customer
):
    _paid, overdue, current = carol_with_credit

    response = billing.get(account_url(carol_customer))

    assert response.status_code == 200
    accounts = response.context["accounts"]
    assert [(a.currency, a.balance) for a in accounts] == [
        ("EUR", Balance(receivable=D("0.00"), credit=D("0.00"), overdue=D("0.00"))),
        ("RON", Balance(receivable=D("242.00"), credit=D("29.00"), overdue=D("121.00"))),
    ]
    assert [[row.invoice for row in a.open_invoices] for a in accounts] == [[], [overdue, current]]
    assert [len(response.context["payments"])] == [2]
    html = response.content.decode()
    assert html.count('<span class="badge badge-warn">Overdue</span>') == 1
    assert f'action="{apply_credit_url(carol_customer)}"' in html
    assert f'id="id_credit_{overdue.pk}_amount"' in html
    assert f'href="{pay_url(current)}"' in html


def test_without_credit_the_account_offers_no_credit_to_apply(billing, billing_ready, carol_customer):
    issued_invoice(carol_customer)

    html = billing.get(account_url(carol_customer)).content.decode()

    assert "apply-credit" not in html
    assert "Pay from credit" not in html


def test_staff_apply_credit_to_an_open_invoice(billing, carol_with_credit, carol_customer, bill_billing):
    _paid, overdue, _current = carol_with_credit

    response = billing.post(apply_credit_url(carol_customer), {"invoice": overdue.pk, "amount": ""})

    assert response.status_code == 302
    assert response["Location"] == account_url(carol_customer)
    assert ledger.document_outstanding(overdue) == D("92.00")
    assert ledger.customer_credit_available(carol_customer, "RON") == D("0.00")
    event = AuditEvent.objects.get(action="billing.credit_applied")
    assert (event.actor, event.object_id, event.data["amount"]) == (bill_billing, str(overdue.pk), "29.00")
    assert shown_messages(billing.get(account_url(carol_customer))) == [
        f"29.00{NBSP}RON of the customer's credit paid invoice {overdue.number}."
    ]


def test_applying_more_credit_than_there_is_is_refused_in_the_invoices_row(
    billing, carol_with_credit, carol_customer
):
    _paid, overdue, current = carol_with_credit
    before = money_state()

    response = billing.post(apply_credit_url(carol_customer), {"invoice": current.pk, "amount": "50,00"})

    assert response.status_code == 200
    assert money_state() == before
    [ron] = [a for a in response.context["accounts"] if a.currency == "RON"]
    forms = {row.invoice.pk: row.credit_form for row in ron.open_invoices}
    assert forms[current.pk].errors == {"amount": ["The customer has only 29.00 RON of credit."]}
    assert forms[overdue.pk].errors == {}
    html = response.content.decode()
    assert f'<ul class="field-errors" id="id_credit_{current.pk}_amount_error">' in html
    assert html_audit.read(response.content).duplicate_ids() == []


def test_credit_is_applied_only_to_the_customers_own_invoices(
    billing, carol_with_credit, carol_customer, dave_customer
):
    daves = issued_invoice(dave_customer)
    before = money_state()

    assert billing.post(apply_credit_url(carol_customer), {"invoice": daves.pk}).status_code == 404
    assert billing.post(apply_credit_url(carol_customer), {"invoice": "x"}).status_code == 404
    assert billing.post(apply_credit_url(carol_customer), {"invoice": 999999}).status_code == 404
    assert (
        billing.post("/staff/billing/customers/999999/apply-credit/", {"invoice": daves.pk}).status_code
        == 404
    )
    assert billing.get("/staff/billing/customers/999999/").status_code == 404
    assert money_state() == before


def test_support_may_see_an_account_but_not_apply_credit(support, carol_with_credit, carol_customer):
    _paid, overdue, _current = carol_with_credit
    before = money_state()

    response = support.get(account_url(carol_customer))
    refused = support.post(apply_credit_url(carol_customer), {"invoice": overdue.pk})

    assert response.status_code == 200
    assert "Pay from credit" not in response.content.decode()
    assert refused.status_code == 403
    assert money_state() == before


def test_apply_credit_takes_only_posts(billing, carol_with_credit, carol_customer):
    assert billing.get(apply_credit_url(carol_customer)).status_code == 405


@pytest.mark.parametrize("count", [3, 10])
def test_the_account_runs_the_same_number_of_queries_for_3_or_10_invoices(
    billing, billing_ready, carol_customer, bill_billing, django_assert_num_queries, count
):
    for _n in range(count):
        pay(bill_billing, issued_invoice(carol_customer), "150.00")
        issued_invoice(carol_customer)
    # 1 session, 2 user, 3 authenticators (staff gate), 4 user permissions, 5 group permissions,
    # 6 the customer, 7 the recent payments, 8 the balances, 9 the open RON invoices
    with django_assert_num_queries(9):
        response = billing.get(account_url(carol_customer))
    assert len(response.context["accounts"][0].open_invoices) == count


def test_the_customer_page_links_to_the_account_for_staff_who_see_billing(
    staff_client, bill_billing, carol_customer, client
):
    with_link = staff_client(bill_billing).get(f"/staff/customers/{carol_customer.pk}/")
    client.logout()
    # Staff who see customers but no billing document.
    customers_only = UserFactory(email="custonly@staff.test", is_staff=True)
    add_totp(customers_only)
    customers_only.user_permissions.add(
        Permission.objects.get(codename="view_customer", content_type__app_label="customers")
    )
    without_link = staff_client(customers_only).get(f"/staff/customers/{carol_customer.pk}/")

    link = f'<a href="{account_url(carol_customer)}">Account: balance, open invoices and payments</a>'
    assert link in with_link.content.decode()
    assert without_link.status_code == 200
    assert account_url(carol_customer) not in without_link.content.decode()


# --- the seller -----------------------------------------------------------------------------------


def seller_post(**changes: str) -> dict[str, str]:
    return {
        "name": "PRAHO Hosting SRL",
        "tax_id": "RO18547290",
        "trade_register_number": "J40/123/2020",
        "street": "Str. Exemplu 1",
        "city": "Sector 3",
        "county": "RO-B",
        "postal_code": "030000",
        "iban": "RO49AAAA1B31007593840000",
        "bank_name": "Banca Exemplu",
        "email": "",
        "phone": "",
        "vat_payer": "on",
    } | changes


def test_the_seller_page_shows_every_field_and_the_history(admin, billing_ready, alice_admin):
    from praho.billing.seller import update_seller_profile

    update_seller_profile(actor=alice_admin, bank_name="Alta Banca", oss_registered=True)

    response = admin.get(SELLER_URL)

    assert response.status_code == 200
    html = unescape(response.content.decode())
    for shown in (
        "PRAHO Hosting SRL",
        '<dd class="mono">RO 18547290</dd>',
        '<dd class="mono">J40/123/2020</dd>',
        "Str. Exemplu 1<br>",
        "030000 Sector 3<br>",
        "București, RO",
        '<dd class="mono">RO49AAAA1B31007593840000</dd>',
        "<dd>Alta Banca</dd>",
        "<dt>VAT payer</dt><dd>yes</dd>",
        "<dt>VAT on cash basis</dt><dd>no</dd>",
        "<dt>Registered for OSS</dt><dd>yes</dd>",
        "New documents are issued with version 2.",
        "<li>Bank: Banca Exemplu → Alta Banca</li>",
        "<li>Registered for OSS: no → yes</li>",
        "First version",
        f'href="{SELLER_EDIT_URL}"',
    ):
        assert shown in html
    assert [entry["seller"].version for entry in response.context["history"]] == [2, 1]


def test_an_admin_changes_the_seller_which_adds_a_version(admin, billing_ready, alice_admin):
    form = admin.get(SELLER_EDIT_URL).context["form"]
    assert (form["tax_id"].value(), form["county"].value(), form["vat_payer"].value()) == (
        "RO18547290",
        "RO-B",
        True,
    )

    response = admin.post(
        SELLER_EDIT_URL, seller_post(iban="RO09 BCYP 0000 0012 3456 7890", vat_on_cash_basis="on")
    )

    assert response.status_code == 302
    assert response["Location"] == SELLER_URL
    assert list(SellerProfile.objects.values_list("version", "iban", "vat_on_cash_basis")) == [
        (2, "RO09BCYP0000001234567890", True),
        (1, "RO49AAAA1B31007593840000", False),
    ]
    event = AuditEvent.objects.get(action="billing.seller_profile_changed")
    assert (event.actor, event.data["changes"]) == (
        alice_admin,
        {
            "iban": {"old": "RO49AAAA1B31007593840000", "new": "RO09BCYP0000001234567890"},
            "vat_on_cash_basis": {"old": False, "new": True},
        },
    )
    assert shown_messages(admin.get(SELLER_URL)) == ["The seller's data was saved as version 2."]


def test_saving_the_seller_unchanged_keeps_the_version(admin, billing_ready):
    response = admin.post(SELLER_EDIT_URL, seller_post(), follow=True)

    assert SellerProfile.objects.count() == 1
    assert shown_messages(response) == ["Nothing changed; the seller's data stays at version 1."]


def test_an_invalid_iban_and_cui_are_shown_next_to_their_fields_and_nothing_is_saved(admin, billing_ready):
    before = (list(SellerProfile.objects.values()), AuditEvent.objects.count())

    response = admin.post(SELLER_EDIT_URL, seller_post(tax_id="RO18547291", iban="RO49AAAA1B31007593840001"))

    assert response.status_code == 200
    assert errors_of(response) == {
        "tax_id": ["CUI is not valid: the check digit is wrong."],
        "iban": ["IBAN is not valid: the check digit is wrong."],
    }
    assert (list(SellerProfile.objects.values()), AuditEvent.objects.count()) == before
    page = html_audit.read(response.content)
    assert [control["name"] for control in page.invalid_controls] == ["tax_id", "iban"]
    assert page.invalid_controls_without_error_text() == []


def test_a_bucharest_seller_needs_a_sector_and_cash_basis_needs_vat(admin, billing_ready):
    response = admin.post(
        SELLER_EDIT_URL, seller_post(city="Bucuresti", vat_payer="", vat_on_cash_basis="on")
    )

    assert errors_of(response) == {
        "city": ["In Bucharest the city is a sector: Sector 1 to Sector 6."],
        "vat_on_cash_basis": ["Only a VAT payer can apply VAT on cash basis."],
    }
    assert SellerProfile.objects.count() == 1


def test_the_first_seller_version_is_set_from_the_page(admin, db):
    assert "is not set yet" in admin.get(SELLER_URL).content.decode()

    response = admin.post(SELLER_EDIT_URL, seller_post(tax_id="18547290"))

    assert response.status_code == 302
    assert list(SellerProfile.objects.values_list("version", "tax_id")) == [(1, "RO18547290")]


def test_billing_may_see_the_seller_but_not_change_it(billing, billing_ready):
    before = list(SellerProfile.objects.values())

    page = billing.get(SELLER_URL)

    assert page.status_code == 200
    assert SELLER_EDIT_URL not in page.content.decode()
    assert billing.get(SELLER_EDIT_URL).status_code == 403
    assert billing.post(SELLER_EDIT_URL, seller_post(bank_name="Hijacked")).status_code == 403
    assert list(SellerProfile.objects.values()) == before


def test_support_may_not_see_the_seller(support, billing_ready):
    assert support.get(SELLER_URL).status_code == 403


# --- exchange rates -------------------------------------------------------------------------------


def test_the_rates_page_lists_recent_rates_with_their_source(billing, db, bill_billing):
    from praho.billing.fx import set_manual_rate, store_bnr_rates
    from praho.billing.gateways.bnr import BnrRate

    store_bnr_rates(
        [BnrRate("EUR", date(2026, 2, 27), D("5.0915"), 1), BnrRate("USD", date(2026, 2, 27), D("4.3120"), 1)]
    )
    set_manual_rate(actor=bill_billing, currency="EUR", on=date(2026, 3, 2), rate=D("5.0921"))

    response = billing.get(RATES_URL)

    assert response.status_code == 200
    shown = {
        currency: [(row.rate.date, row.text, row.rate.source) for row in rows_]
        for currency, rows_ in response.context["rates"]
    }
    assert shown == {
        "EUR": [(date(2026, 3, 2), "5.0921", "manual"), (date(2026, 2, 27), "5.0915", "bnr")],
        "USD": [(date(2026, 2, 27), "4.3120", "bnr")],
    }
    html = response.content.decode()
    assert '<span class="badge badge-warn">Entered by hand</span>' in html
    assert "bill@staff.test" in html
    assert f'action="{FETCH_URL}"' in html
    assert 'name="rate"' in html


def test_billing_enter_a_rate_by_hand(billing, db, bill_billing):
    response = billing.post(RATES_URL, {"currency": "USD", "on": "2026-03-01", "rate": "4,3125"})

    assert response.status_code == 302
    assert response["Location"] == RATES_URL
    assert list(ExchangeRate.objects.values_list("currency", "date", "rate", "source", "entered_by")) == [
        ("USD", date(2026, 3, 1), D("4.312500"), "manual", bill_billing.pk)
    ]
    assert AuditEvent.objects.filter(action="billing.exchange_rate_set").count() == 1
    assert shown_messages(billing.get(RATES_URL)) == [
        "The USD rate for 1 Mar 2026 is 4.3125 RON, entered by hand."
    ]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"on": "2026-03-03"}, "on", "A rate cannot be entered for a day in the future."),
        ({"rate": "5.09151"}, "rate", "Enter at most 4 decimals, as BNR publishes."),
        ({"rate": "-5"}, "rate", "The rate must be greater than zero."),
        ({"rate": "abc"}, "rate", "Enter a number, such as 5.0915."),
        ({"currency": "RON"}, "currency", "Select a valid choice. RON is not one of the available choices."),
        (
            {"on": "2026-02-27"},
            "on",
            "BNR has published the EUR rate for 27 Feb 2026 (5.0915 RON); "
            "a rate BNR published cannot be replaced by hand.",
        ),
    ],
)
def test_a_bad_manual_rate_is_refused_next_to_its_field(billing, db, data, field, message):
    from praho.billing.fx import store_bnr_rates
    from praho.billing.gateways.bnr import BnrRate

    store_bnr_rates([BnrRate("EUR", date(2026, 2, 27), D("5.0915"), 1)])
    before = (list(ExchangeRate.objects.values()), AuditEvent.objects.count())

    response = billing.post(RATES_URL, {"currency": "EUR", "on": "2026-03-02", "rate": "5.0920"} | data)

    assert response.status_code == 200
    assert errors_of(response) == {field: [message]}
    assert (list(ExchangeRate.objects.values()), AuditEvent.objects.count()) == before


def test_fetching_from_bnr_now_stores_its_rates(billing, db, fake_bnr):
    response = billing.post(FETCH_URL)

    assert response.status_code == 302
    assert response["Location"] == RATES_URL
    assert ExchangeRate.objects.filter(source="bnr").count() == 20
    assert shown_messages(billing.get(RATES_URL)) == ["BNR's rates were fetched: 20 added or changed."]
    again = billing.post(FETCH_URL, follow=True)
    assert shown_messages(again) == ["BNR's rates were fetched: they were already up to date."]


@pytest.mark.parametrize("mode", ["hang_up", "error", "garbage"])
def test_when_bnr_is_unreachable_staff_are_told_and_nothing_changes(billing, db, fake_bnr, mode):
    fake_bnr.go_down(mode)

    response = billing.post(FETCH_URL, follow=True)

    assert response.status_code == 200
    assert shown_messages(response) == [
        "BNR's exchange rates could not be fetched; try again later or enter the rate by hand."
    ]
    assert ExchangeRate.objects.count() == 0


def test_support_may_see_rates_but_not_enter_or_fetch_them(support, db, fake_bnr):
    page = support.get(RATES_URL)

    assert page.status_code == 200
    assert page.context["form"] is None
    assert FETCH_URL not in page.content.decode()
    assert (
        support.post(RATES_URL, {"currency": "EUR", "on": "2026-03-02", "rate": "5.0920"}).status_code == 403
    )
    assert support.post(FETCH_URL).status_code == 403
    assert (ExchangeRate.objects.count(), fake_bnr.request_count) == (0, 0)


def test_fetching_takes_only_posts(billing, db, fake_bnr):
    assert billing.get(FETCH_URL).status_code == 405
    assert fake_bnr.request_count == 0


# --- outsiders ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "method"),
    [
        (PAYMENTS_URL, "get"),
        ("invoice:pay", "get"),
        ("invoice:pay", "post"),
        ("customer:account", "get"),
        ("customer:apply-credit", "post"),
        (SELLER_URL, "get"),
        (SELLER_EDIT_URL, "post"),
        (RATES_URL, "get"),
        (RATES_URL, "post"),
        (FETCH_URL, "post"),
    ],
)
def test_a_customer_user_finds_no_staff_money_page(
    client, carol, carol_with_credit, carol_customer, fake_bnr, path, method
):
    _paid, overdue, _current = carol_with_credit
    url = {
        "invoice:pay": pay_url(overdue),
        "customer:account": account_url(carol_customer),
        "customer:apply-credit": apply_credit_url(carol_customer),
    }.get(path, path)
    client.force_login(carol)
    before = (money_state(), list(SellerProfile.objects.values()), ExchangeRate.objects.count())

    data = (
        payment_post()
        | seller_post(bank_name="Hijacked")
        | {"invoice": overdue.pk, "rate": "5", "on": "2026-03-02"}
    )
    response = getattr(client, method)(url, data)

    assert response.status_code == 404
    assert (money_state(), list(SellerProfile.objects.values()), ExchangeRate.objects.count()) == before
    assert fake_bnr.request_count == 0


# --- accessibility --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [PAYMENTS_URL, "pay", "account", SELLER_URL, SELLER_EDIT_URL, RATES_URL],
)
def test_the_pages_are_accessible_without_inline_scripts(admin, carol_with_credit, carol_customer, path):
    _paid, overdue, _current = carol_with_credit
    url = {"pay": pay_url(overdue), "account": account_url(carol_customer)}.get(path, path)

    response = admin.get(url)

    assert response.status_code == 200
    page = html_audit.read(response.content)
    assert (page.inline_scripts, page.external_urls, page.h1_count) == ([], [], 1)
    assert page.unlabelled_controls() == []
    assert page.dangling_describedby() == []
    assert page.duplicate_ids() == []
    assert page.invalid_controls == []


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("1210.50", "1210.50"),
        ("1210,50", "1210.50"),
        ("1.210,50", "1210.50"),
        ("1,210.50", "1210.50"),  # English grouping: never 1.21
        ("1 210,50", "1210.50"),
        ("1.000.000", "1000000"),
        ("1,000,000", "1000000"),
        ("1,210", "1.210"),  # one comma is a decimal mark; the service refuses three decimals
    ],
)
def test_amounts_are_read_in_the_romanian_and_the_english_way(typed, read):
    from praho.billing.staff_money_forms import NumberField

    assert NumberField(example="21,00").to_python(typed) == D(read)
