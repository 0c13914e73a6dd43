"""Billing's panels on the dashboards (issue 12, stumbles 4 and 5): the money first.

Staff (/staff/): receivables and overdue per currency, invoiced per month (this month against
last, as a chart) and the latest payments. Customers (/app/): what is to pay and overdue per
currency, the invoices to pay with how to pay them, and the customer's credit.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine

from praho.accounts.tests.factories import UserFactory
from praho.billing.dashboard import CurrencyPosition, InvoicedChart, Receivable
from praho.billing.services.drafts import create_document
from praho.billing.services.issuing import issue_document
from praho.billing.services.payments import record_payment
from praho.billing.tests.factories import issued_invoice
from praho.customers.current import SESSION_KEY
from praho.customers.services import memberships

D = Decimal
TODAY = dt.date(2026, 3, 10)
HOSTING = {
    "description": "Web hosting",
    "quantity": "12",
    "unit_code": "MON",
    "unit_price": "49.99",
}  # 725.85
SETUP = {"description": "Setup", "quantity": "1", "unit_price": "100"}  # 121.00


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(dt.datetime(2026, 3, 10, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


def _issue(actor, customer, lines=(SETUP,), **values):
    draft = create_document(
        actor=actor, document_type="invoice", customer=customer, lines=list(lines), **values
    )
    return issue_document(actor=actor, document=draft)


def _pay(actor, invoice, amount, on, reference="OP 77"):
    return record_payment(
        actor=actor,
        invoice=invoice,
        amount=D(amount),
        currency=invoice.currency,
        method="bank_transfer",
        reference=reference,
        received_on=on,
    )


@pytest.fixture
def money(billing_ready, bill_billing, carol_customer, dave_customer):
    """Carol, RON: `january` 121.00 paid in full; `overdue` 121.00 due 16 Feb, 21.00 paid;
    `current` 725.85 due 24 Mar. Carol, EUR: `overpaid` 242.00 (2 Mar), 250.00 paid: 8.00 credit.
    Dave, RON: `daves` 121.00 due 4 Mar, unpaid."""
    staff = bill_billing
    january = _issue(staff, carol_customer, issue_date=dt.date(2026, 1, 15), due_date=dt.date(2026, 1, 29))
    _pay(staff, january, "121.00", dt.date(2026, 1, 20), reference="OP 11")
    overdue = _issue(staff, carol_customer, issue_date=dt.date(2026, 2, 2), due_date=dt.date(2026, 2, 16))
    _pay(staff, overdue, "21.00", dt.date(2026, 3, 1), reference="OP 21")
    daves = _issue(staff, dave_customer, issue_date=dt.date(2026, 2, 18), due_date=dt.date(2026, 3, 4))
    current = _issue(
        staff, carol_customer, [HOSTING], issue_date=dt.date(2026, 3, 2), due_date=dt.date(2026, 3, 24)
    )
    overpaid = issued_invoice(
        carol_customer, currency="EUR", lines=((D("2"), D("100"), D("21")),), issue_date=dt.date(2026, 3, 2)
    )
    _pay(staff, overpaid, "250.00", dt.date(2026, 3, 5), reference="SWIFT 5")
    return {"january": january, "overdue": overdue, "current": current, "overpaid": overpaid, "daves": daves}


def panel_data(response, name: str) -> dict:
    (found,) = [p for p in response.context["panels"] if p.template == f"billing/dashboard/{name}"]
    return found.data


def panel_html(response, name: str) -> str:
    match = re.search(rf'<section [^>]*data-panel="{name}">(.*?)</section>', response.content.decode(), re.S)
    assert match, name
    return match.group(1)


# --- staff ------------------------------------------------------------------------------------------


def test_staff_see_receivables_and_overdue_per_currency(staff_client, bill_billing, money):
    response = staff_client(bill_billing).get("/staff/")

    # RON: 100.00 + 725.85 (carol) + 121.00 (dave); overdue: carol's 100.00 and dave's 121.00.
    assert panel_data(response, "_receivables.html")["rows"] == [
        Receivable("RON", D("946.85"), 3, D("221.00"), 2),
    ]
    html = panel_html(response, "receivables")
    assert '<span class="figure" data-figure="receivable">946.85\xa0RON</span>' in html
    assert (
        '<a class="figure figure-warn" data-figure="overdue" '
        'href="/staff/billing/invoices/?overdue=on&amp;currency=RON">'
        "221.00\xa0RON</a>" in html
    )
    assert "2 invoices past due" in html


def test_the_overdue_link_opens_the_list_of_exactly_those_invoices(staff_client, bill_billing, money):
    response = staff_client(bill_billing).get(
        "/staff/billing/invoices/", {"overdue": "on", "currency": "RON"}
    )

    assert [row["document"].number for row in response.context["rows"]] == [
        money["daves"].number,
        money["overdue"].number,
    ]


def test_staff_see_this_month_against_last_month_as_a_chart(staff_client, bill_billing, money):
    response = staff_client(bill_billing).get("/staff/")

    charts = panel_data(response, "_invoiced.html")["charts"]
    assert [(c.currency, c.this_month, c.last_month, c.change_percent) for c in charts] == [
        ("EUR", D("242.00"), D("0.00"), None),
        ("RON", D("725.85"), D("242.00"), 200),  # February: carol's 121.00 and dave's 121.00
    ]
    ron: InvoicedChart = charts[1]
    assert [(bar.month, bar.amount, bar.height) for bar in ron.bars] == [
        (dt.date(2025, 10, 1), D("0.00"), 0),
        (dt.date(2025, 11, 1), D("0.00"), 0),
        (dt.date(2025, 12, 1), D("0.00"), 0),
        (dt.date(2026, 1, 1), D("121.00"), 17),
        (dt.date(2026, 2, 1), D("242.00"), 33),
        (dt.date(2026, 3, 1), D("725.85"), 100),
    ]
    html = panel_html(response, "invoiced")
    # An accessible SVG: named by its <title>, each bar with its own; no inline style or script.
    assert (
        '<svg class="chart" viewBox="0 0 288 120" role="img" aria-labelledby="chart-title-RON" '
        'focusable="false">' in html
    )
    assert (
        '<rect class="chart-bar chart-bar-current" x="246" y="0" width="36" height="100" '
        'fill="currentColor"/>' in html
    )
    assert '<rect class="chart-bar" x="198" y="67" width="36" height="33" fill="currentColor"/>' in html
    assert "<title>March 2026: 725.85\xa0RON</title>" in html
    assert '<span class="figure" data-figure="last-month">242.00\xa0RON</span>' in html
    assert '<span class="badge" data-figure="change">+200 %</span>' in html
    assert "style=" not in html
    assert "<script" not in html


def test_staff_see_the_latest_payments(staff_client, bill_billing, money):
    response = staff_client(bill_billing).get("/staff/")

    payments = panel_data(response, "_recent_payments.html")["payments"]
    assert [(p.reference, p.amount, p.received_on) for p in payments] == [
        ("SWIFT 5", D("250.00"), dt.date(2026, 3, 5)),
        ("OP 21", D("21.00"), dt.date(2026, 3, 1)),
        ("OP 11", D("121.00"), dt.date(2026, 1, 20)),
    ]
    html = panel_html(response, "recent-payments")
    assert (
        f'<a href="/staff/billing/documents/{money["overpaid"].pk}/">{money["overpaid"].number}</a>' in html
    )
    assert '<td class="num">250.00\xa0EUR</td>' in html


def test_the_staff_dashboard_shows_the_money_before_the_administration(staff_client, alice_admin, money):
    response = staff_client(alice_admin).get("/staff/")

    assert [p.template for p in response.context["panels"]] == [
        "billing/dashboard/_receivables.html",
        "billing/dashboard/_invoiced.html",
        "efactura/dashboard/_attention.html",
        "orders/dashboard/_orders_waiting.html",
        "billing/dashboard/_recent_payments.html",
        "payments/dashboard/_waiting.html",
        "recurring/dashboard/_renewals.html",
        "provisioning/dashboard/_attention.html",
        "provisioning/dashboard/_over_limits.html",
    ]
    assert [p.template for p in response.context["secondary_panels"]] == [
        "audit/dashboard/_staff_audit.html",
        "accounts/dashboard/_staff_administration.html",
    ]


def test_staff_without_a_role_see_no_money(staff_client, money):
    from praho.accounts.tests.factories import add_totp

    nobody = UserFactory(email="norole@staff.test", is_staff=True)
    add_totp(nobody)

    response = staff_client(nobody).get("/staff/")

    assert response.context["panels"] == []
    assert b"946.85" not in response.content
    assert b"Nothing to show for your role yet." in response.content


def test_the_staff_dashboard_runs_a_fixed_number_of_queries(
    staff_client, bill_billing, money, django_assert_num_queries
):
    client = staff_client(bill_billing)

    # 1 session, 2 user, 3 authenticators (staff gate), 4 user permissions, 5 group permissions;
    # accounts 6 her roles, 7 active staff count; billing 8 receivables, 9 invoiced per month,
    # 10 recent payments; e-Factura 11 submissions needing attention, 12 documents not tracked;
    # payments 13-15 transfers to review, failed webhook events, open disputes; orders 16 orders
    # waiting; provisioning 17-18 operations needing attention (latest, count), 19-20 services
    # over their limits (latest, count); recurring 21 overdue renewal documents, 22 terminations
    # to confirm, 23 the last billing run.
    with django_assert_num_queries(23):
        client.get("/staff/")


# --- the customer -------------------------------------------------------------------------------------


def test_the_customer_sees_the_money_first(client, carol, money):
    client.force_login(carol)

    response = client.get("/app/")

    assert response.context["panels"][0].template == "billing/dashboard/_customer_money.html"
    data = panel_data(response, "_customer_money.html")
    assert data["positions"] == [
        CurrencyPosition("EUR", D("0.00"), D("0.00"), D("8.00")),
        CurrencyPosition("RON", D("825.85"), D("100.00"), D("0.00")),
    ]
    assert [(row.document.number, row.outstanding, row.days_overdue) for row in data["open_invoices"]] == [
        (money["overdue"].number, D("100.00"), 22),
        (money["current"].number, D("725.85"), 0),
    ]
    html = panel_html(response, "money")
    assert '<span class="figure" data-figure="to-pay">825.85\xa0RON</span>' in html
    assert '<span class="figure figure-warn" data-figure="overdue">100.00\xa0RON</span>' in html
    assert '<span class="figure" data-figure="credit">8.00\xa0EUR</span>' in html
    assert "Invoices to pay (1 overdue)" in html
    assert '<span class="badge badge-warn" data-days-overdue="22">22 days overdue</span>' in html
    assert html.index("Your balance") < html.index("Invoices to pay")
    assert response.content.decode().index('data-panel="money"') < response.content.decode().index(
        'data-panel="security"'
    )


def test_each_invoice_to_pay_leads_to_how_to_pay_it(client, carol, money):
    client.force_login(carol)

    html = panel_html(client.get("/app/"), "money")

    overdue = money["overdue"]
    assert (
        f'<a class="button" href="/app/billing/documents/{overdue.pk}/#pay-heading">'
        f'Pay<span class="visually-hidden"> invoice {overdue.number}</span></a>' in html
    )
    # Every invoice shown names the same bank account: it is on the dashboard too.
    assert '<dd class="mono">RO49 AAAA 1B31 0075 9384 0000</dd>' in html
    assert "<dd>Banca Exemplu</dd>" in html
    assert "quoting the invoice's number as the payment reference" in html
    # The page it leads to has the payment instructions under that anchor.
    page = client.get(f"/app/billing/documents/{overdue.pk}/").content.decode()
    assert '<h2 id="pay-heading">How to pay</h2>' in page


def test_the_credit_is_shown_with_how_it_will_be_used(client, carol, money):
    client.force_login(carol)

    html = panel_html(client.get("/app/"), "money")

    credit = re.search(r'<p class="credit-note" data-credit="EUR">(.*?)</p>', html, re.S).group(1)
    assert "You have 8.00\xa0EUR of credit" in credit
    assert "We will apply it to your next invoices in the same currency." in credit


def test_credit_in_the_currency_owed_says_how_much_it_settles(
    client, carol, carol_customer, bill_billing, money
):
    late = issued_invoice(carol_customer, currency="EUR", issue_date=dt.date(2026, 3, 6))  # 121.00 EUR
    client.force_login(carol)

    response = client.get("/app/")

    assert panel_data(response, "_customer_money.html")["positions"][0] == CurrencyPosition(
        "EUR", D("121.00"), D("0.00"), D("8.00")
    )
    assert late.number in panel_html(response, "money")
    assert "it settles up to 8.00\xa0EUR of what you owe, so you pay only the rest." in panel_html(
        response, "money"
    )


def test_a_customer_never_sees_another_customers_money(client, dave, money):
    client.force_login(dave)

    response = client.get("/app/")

    data = panel_data(response, "_customer_money.html")
    assert data["positions"] == [CurrencyPosition("RON", D("121.00"), D("121.00"), D("0.00"))]
    assert [row.document.number for row in data["open_invoices"]] == [money["daves"].number]
    assert money["current"].number not in response.content.decode()


def test_a_user_of_two_customers_sees_the_money_of_the_one_they_act_for(client, carol, dave_customer, money):
    memberships.add_member(actor=None, customer=dave_customer, user=carol, role="billing")
    client.force_login(carol)
    session = client.session
    session[SESSION_KEY] = dave_customer.pk
    session.save()

    data = panel_data(client.get("/app/"), "_customer_money.html")

    assert data["customer"] == dave_customer
    assert [row.document.number for row in data["open_invoices"]] == [money["daves"].number]


def test_members_whose_role_does_not_see_billing_get_no_money_panel(client, carol_customer, money):
    tech = UserFactory(email="tech@customer.test")
    memberships.add_member(actor=None, customer=carol_customer, user=tech, role="technical")
    client.force_login(tech)

    response = client.get("/app/")

    assert "billing/dashboard/_customer_money.html" not in [p.template for p in response.context["panels"]]
    assert b"825.85" not in response.content


def test_nothing_to_pay_says_so(client, carol, carol_customer, billing_ready):
    client.force_login(carol)

    html = panel_html(client.get("/app/"), "money")

    assert '<p data-figure="nothing-to-pay">Nothing to pay and no credit.</p>' in html
    assert "Invoices to pay" not in html


def test_the_customer_dashboard_runs_a_fixed_number_of_queries(
    client, carol, money, django_assert_num_queries
):
    client.force_login(carol)

    # 1 session, 2 user, 3 the user's memberships with their customers (current area),
    # 4 the balance per currency, 5 the invoices to pay with their seller (billing),
    # 6 authenticator types, 7 confirmed email (accounts).
    with django_assert_num_queries(7):
        client.get("/app/")


@pytest.mark.parametrize(
    ("language", "heading", "overdue"),
    [
        ("ro", "Soldul dumneavoastră", "22 de zile de întârziere"),
        ("bg", "Вашето салдо", "22 дни просрочие"),
    ],
)
def test_the_money_panel_speaks_the_users_language(client, carol, money, language, heading, overdue):
    carol.language = language
    carol.save(update_fields=["language"])
    client.force_login(carol)

    html = panel_html(client.get("/app/"), "money")

    assert f'<h2 id="money-heading">{heading}</h2>' in html
    assert overdue in html
