"""Staff pages of a customer's account (balance, open invoices, credit applied) and of the seller's
data. Split from test_staff_money.py, whose helpers it uses.
"""

from __future__ import annotations

from datetime import date
from html import unescape

import pytest
from django.contrib.auth.models import Permission

from praho.accounts.tests import html_audit
from praho.accounts.tests.factories import UserFactory, add_totp
from praho.audit.models import AuditEvent
from praho.billing import ledger_queries
from praho.billing.ledger_queries import Balance
from praho.billing.models import ExchangeRate, SellerProfile
from praho.billing.tests.factories import issued_invoice
from praho.billing.tests.test_staff_money import (  # noqa: F401 (fixtures and helpers of the tests split from it)
    FETCH_URL,
    NBSP,
    PAYMENTS_URL,
    RATES_URL,
    SELLER_EDIT_URL,
    SELLER_URL,
    D,
    _monday_noon,
    account_url,
    admin,
    apply_credit_url,
    billing,
    errors_of,
    ledger_of_two,
    money_state,
    nobody,
    pay,
    pay_url,
    payment_post,
    shown_messages,
    support,
)

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
    assert ledger_queries.document_outstanding(overdue) == D("92.00")
    assert ledger_queries.customer_credit_available(carol_customer, "RON") == D("0.00")
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
    from praho.billing.services.seller import update_seller_profile

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
    from praho.billing.gateways.bnr import BnrRate
    from praho.billing.services.fx import set_manual_rate, store_bnr_rates

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
    from praho.billing.gateways.bnr import BnrRate
    from praho.billing.services.fx import store_bnr_rates

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
    from praho.billing.web.staff.money_forms import NumberField

    assert NumberField(example="21,00").to_python(typed) == D(read)
