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
from django.urls import reverse

from praho.accounts.tests import html_audit
from praho.accounts.tests.factories import UserFactory, add_totp
from praho.audit.models import AuditEvent
from praho.billing import ledger_queries
from praho.billing.ledger_queries import Balance
from praho.billing.models import Document, LedgerTransaction, Payment
from praho.billing.services.corrections import cancel_proforma
from praho.billing.services.drafts import create_document
from praho.billing.services.issuing import issue_document
from praho.billing.services.payments import record_payment
from praho.billing.tests.factories import issued_credit_note, issued_invoice
from praho.customers.models import Customer
from praho.customers.services.customers import create_customer

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
        "100.00",  # as staff type it in English (ro and bg: "100,00")
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
    assert ledger_queries.document_outstanding(invoice) == D("100.00")
    assert AuditEvent.objects.filter(action="billing.payment_recorded").count() == 1
    page = billing.get(PAYMENTS_URL)
    assert shown_messages(page) == [f"Payment of 21.00{NBSP}RON recorded for invoice {invoice.number}."]


def test_an_overpayment_is_recorded_and_staff_are_told_it_went_to_credit(
    billing, billing_ready, carol_customer
):
    invoice = issued_invoice(carol_customer)

    response = billing.post(pay_url(invoice), payment_post(amount="150.00"), follow=False)

    assert response.status_code == 302
    assert ledger_queries.customer_balance(carol_customer) == {
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
    assert billing.get(pay_url(proforma)).context["form"]["amount"].value() == "121.00"

    response = billing.post(pay_url(proforma), payment_post())

    invoice = Document.objects.get(converted_from=proforma)
    assert response.status_code == 302
    assert response["Location"] == document_page(invoice)
    assert (invoice.document_type, invoice.status, Payment.objects.get().document) == (
        "invoice",
        "issued",
        invoice,
    )
    assert ledger_queries.document_outstanding(invoice) == D("0.00")
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

    assert (page.context["left_to_pay"], page.context["form"]["amount"].value()) == (D("71.00"), "71.00")
    assert response["Location"] == document_page(invoice)
    assert list(Payment.objects.order_by("pk").values_list("document", "amount")) == [
        (invoice.pk, D("50.00")),
        (invoice.pk, D("71.00")),
    ]
    assert ledger_queries.document_outstanding(invoice) == D("0.00")


def test_with_credit_applied_automatically_staff_are_told_where_the_overpayment_went(
    billing, billing_ready, carol_customer, settings
):
    settings.BILLING_AUTO_APPLY_CREDIT = True
    paid, other = issued_invoice(carol_customer), issued_invoice(carol_customer)

    billing.post(pay_url(paid), payment_post(amount="150.00"))

    assert ledger_queries.document_outstanding(other) == D("92.00")
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


@pytest.mark.parametrize(("language", "shown"), [("en", "71.00"), ("ro", "71,00"), ("bg", "71,00")])
def test_the_amount_due_is_prefilled_as_staff_type_it_in_their_language(
    billing, billing_ready, bill_billing, carol_customer, language, shown
):
    proforma = issue_document(
        actor=bill_billing,
        document=create_document(
            actor=bill_billing, document_type="proforma", customer=carol_customer, lines=[HOSTING]
        ),
    )
    billing.post(pay_url(proforma), payment_post(amount="50.00"))
    bill_billing.language = language
    bill_billing.save(update_fields=["language"])

    html = billing.get(pay_url(proforma)).content.decode()

    assert re.search(r'name="amount" value="([^"]*)"', html).group(1) == shown
