"""Who may read and write what through the billing API, query budgets, and the schema.

carol owns carol_customer, dave owns dave_customer; staff act by role
(bill_billing: everything, sam_sales: drafts only, sue_support: reading).
"""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from rest_framework.test import APIClient

from praho.accounts.tests.factories import UserFactory, add_totp
from praho.billing.models import Document
from praho.billing.services import fx
from praho.billing.services.corrections import convert_proforma, credit_note
from praho.billing.services.payments import record_payment
from praho.billing.tests.test_api import DOMAINS, HOSTING, NOW, TODAY, draft, issued, stored_rows
from praho.customers.services.memberships import add_member
from praho.testing.api import DENIED, NOT_FOUND, bearer, error_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


def _pay(actor, invoice: Document, amount: str = "21.00"):
    return record_payment(
        actor=actor,
        invoice=invoice,
        amount=Decimal(amount),
        currency=invoice.currency,
        method="bank_transfer",
        reference="OP 1",
        received_on=TODAY,
    )


@pytest.fixture
def billing_of(billing_ready, bill_billing):
    """One of each thing for a customer: a draft invoice (staff only), an issued invoice, an
    issued proforma, a credit note and a payment."""

    def build(customer) -> dict[str, int]:
        invoice = issued(bill_billing, customer, HOSTING, DOMAINS)
        return {
            "draft": draft(bill_billing, customer).pk,
            "invoice": invoice.pk,
            "proforma": issued(bill_billing, customer, document_type="proforma").pk,
            "credit_note": credit_note(
                actor=bill_billing, invoice=invoice, lines=[{"line": invoice.lines.get(position=1).pk}]
            ).pk,
            "payment": _pay(bill_billing, invoice).pk,
            "customer": customer.pk,
        }

    return build


# Every endpoint that takes an id: (method, URL with {kind} placeholders, body).
ID_ENDPOINTS = [
    ("get", "/api/v1/invoices/{invoice}/", None),
    ("patch", "/api/v1/invoices/{invoice}/", {"notes": "x"}),
    ("post", "/api/v1/invoices/{invoice}/issue/", None),
    ("post", "/api/v1/invoices/{invoice}/credit-note/", None),
    ("get", "/api/v1/invoices/{invoice}/pdf/", None),
    ("get", "/api/v1/proformas/{proforma}/", None),
    ("patch", "/api/v1/proformas/{proforma}/", {"notes": "x"}),
    ("post", "/api/v1/proformas/{proforma}/issue/", None),
    ("post", "/api/v1/proformas/{proforma}/convert/", None),
    ("post", "/api/v1/proformas/{proforma}/cancel/", None),
    ("get", "/api/v1/proformas/{proforma}/pdf/", None),
    ("get", "/api/v1/credit-notes/{credit_note}/", None),
    ("get", "/api/v1/credit-notes/{credit_note}/pdf/", None),
    ("get", "/api/v1/payments/{payment}/", None),
    ("get", "/api/v1/customers/{customer}/balance/", None),
]
WRITES = [(method, url, body) for method, url, body in ID_ENDPOINTS if method != "get"]
READS = [(method, url, body) for method, url, body in ID_ENDPOINTS if method == "get"]


def _call(client: APIClient, method: str, url: str, body, ids: dict[str, int]):
    return getattr(client, method)(url.format(**ids), body, format="json")


# --- Isolation: 404 for what a user may not see --------------------------------------------


@pytest.mark.parametrize(("method", "url", "body"), ID_ENDPOINTS)
def test_an_outsider_gets_404_on_every_id_and_nothing_changes(
    billing_of, carol, carol_customer, dave_customer, method, url, body
):
    billing_of(carol_customer)
    daves = billing_of(dave_customer)
    before = stored_rows()

    response = _call(bearer(carol), method, url, body, daves)

    assert response.status_code == 404
    assert error_of(response) == NOT_FOUND
    assert stored_rows() == before


@pytest.mark.parametrize("role", ["viewer", "technical"])
@pytest.mark.parametrize(("method", "url", "body"), READS)
def test_a_member_without_the_billing_capability_gets_404_for_their_own_customer(
    billing_of, carol_customer, role, method, url, body
):
    member = UserFactory(email=f"{role}@customer.test")
    add_member(actor=None, customer=carol_customer, user=member, role=role)
    carols = billing_of(carol_customer)

    response = _call(bearer(member), method, url, body, carols)

    assert response.status_code == 404
    assert error_of(response) == NOT_FOUND


@pytest.mark.parametrize("role", ["viewer", "technical"])
def test_a_member_without_the_billing_capability_lists_nothing(billing_of, carol_customer, role):
    member = UserFactory(email=f"{role}@customer.test")
    add_member(actor=None, customer=carol_customer, user=member, role=role)
    billing_of(carol_customer)
    client = bearer(member)

    counts = [
        client.get(url).json()["count"]
        for url in ("/api/v1/invoices/", "/api/v1/proformas/", "/api/v1/credit-notes/", "/api/v1/payments/")
    ]

    assert counts == [0, 0, 0, 0]


def test_staff_without_billing_permissions_see_nothing(billing_of, carol_customer):
    bare = UserFactory(email="bare@staff.test", is_staff=True)
    add_totp(bare)
    carols = billing_of(carol_customer)
    client = bearer(bare)

    assert [_call(client, m, u, b, carols).status_code for m, u, b in READS] == [404] * len(READS)
    assert client.get("/api/v1/invoices/").json()["count"] == 0
    assert client.get("/api/v1/payments/").json()["count"] == 0


def test_lists_show_a_customers_user_only_their_customers_documents(
    billing_of, carol, carol_customer, dave_customer
):
    carols = billing_of(carol_customer)
    billing_of(dave_customer)
    client = bearer(carol)

    ids = {
        url: [item["id"] for item in client.get(url).json()["results"]]
        for url in ("/api/v1/invoices/", "/api/v1/proformas/", "/api/v1/credit-notes/", "/api/v1/payments/")
    }

    assert ids == {
        "/api/v1/invoices/": [carols["invoice"]],
        "/api/v1/proformas/": [carols["proforma"]],
        "/api/v1/credit-notes/": [carols["credit_note"]],
        "/api/v1/payments/": [carols["payment"]],
    }
    # Asking for another customer's documents by filter finds none rather than failing.
    assert client.get("/api/v1/invoices/", {"customer": dave_customer.pk}).json()["count"] == 0


# --- Customers' users read their own, never write ---------------------------------------------


@pytest.mark.parametrize("role", ["owner", "billing"])
@pytest.mark.parametrize(("method", "url", "body"), READS)
def test_a_member_with_the_billing_capability_reads_their_customers_documents(
    billing_of, carol, carol_customer, role, method, url, body
):
    member = carol
    if role == "billing":
        member = UserFactory(email="accounts@customer.test")
        add_member(actor=None, customer=carol_customer, user=member, role=role)
    carols = billing_of(carol_customer)

    response = _call(bearer(member), method, url, body, carols)

    assert response.status_code == 200


@pytest.mark.parametrize(("method", "url", "body"), WRITES)
def test_a_customers_user_may_not_write_on_a_document_they_see(
    billing_of, carol, carol_customer, method, url, body
):
    carols = billing_of(carol_customer)
    before = stored_rows()

    response = _call(bearer(carol), method, url, body, carols)

    assert response.status_code == 403
    assert error_of(response) == DENIED
    assert stored_rows() == before


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/api/v1/invoices/", {"lines": [HOSTING]}),
        ("/api/v1/proformas/", {"lines": [HOSTING]}),
        (
            "/api/v1/payments/",
            {"amount": "121.00", "currency": "RON", "method": "card", "reference": "x", "date": "2026-03-10"},
        ),
    ],
)
def test_a_customers_user_may_not_create_documents_or_payments(billing_of, carol, carol_customer, url, body):
    carols = billing_of(carol_customer)
    before = stored_rows()
    payload = {**body, "customer": carol_customer.pk, "invoice": carols["invoice"]}

    response = bearer(carol).post(url, payload, format="json")

    assert response.status_code == 403
    assert error_of(response) == DENIED
    assert stored_rows() == before


def test_a_customers_user_never_sees_drafts_or_cancelled_proformas(
    billing_of, carol, carol_customer, bill_billing
):
    carols = billing_of(carol_customer)
    cancelled = draft(bill_billing, carol_customer, document_type="proforma")
    bearer(bill_billing).post(f"/api/v1/proformas/{cancelled.pk}/cancel/")
    client = bearer(carol)

    responses = [
        client.get(f"/api/v1/invoices/{carols['draft']}/"),
        client.get(f"/api/v1/invoices/{carols['draft']}/pdf/"),
        client.get(f"/api/v1/proformas/{cancelled.pk}/"),
    ]

    assert [response.status_code for response in responses] == [404, 404, 404]
    assert [item["id"] for item in client.get("/api/v1/invoices/").json()["results"]] == [carols["invoice"]]
    assert [item["id"] for item in client.get("/api/v1/proformas/").json()["results"]] == [carols["proforma"]]


def test_a_customers_user_reads_through_a_browser_session(billing_of, carol, carol_customer, client):
    carols = billing_of(carol_customer)
    client.force_login(carol)

    response = client.get(f"/api/v1/invoices/{carols['invoice']}/")

    assert (response.status_code, response.json()["number"]) == (200, "PRH-2026-000001")


def test_staff_use_the_api_through_a_browser_session(billing_of, bill_billing, carol_customer, staff_client):
    carols = billing_of(carol_customer)

    response = staff_client(bill_billing).post(f"/api/v1/invoices/{carols['draft']}/issue/")

    assert (response.status_code, response.json()["number"]) == (200, "PRH-2026-000002")


def test_anonymous_requests_are_refused(billing_ready):
    response = APIClient().get("/api/v1/invoices/")

    assert response.status_code == 401
    assert error_of(response)["code"] == "not_authenticated"


# --- Staff permissions ----------------------------------------------------------------------


def test_support_staff_read_but_do_not_write(billing_of, sue_support, carol_customer):
    carols = billing_of(carol_customer)
    client = bearer(sue_support)
    # Their PDFs as the task issuing enqueues stores them (off in tests): a first download would.
    call_command("store_document_pdfs", stdout=io.StringIO())
    before = stored_rows()

    reads = [_call(client, m, u, b, carols).status_code for m, u, b in READS]
    writes = [_call(client, m, u, b, carols).status_code for m, u, b in WRITES]
    created = client.post(
        "/api/v1/invoices/", {"customer": carol_customer.pk, "lines": [HOSTING]}, format="json"
    )

    assert reads == [200] * len(READS)
    assert writes == [403] * len(WRITES)
    assert created.status_code == 403
    assert stored_rows() == before


def test_sales_staff_draft_but_do_not_issue_credit_or_record_payments(billing_of, sam_sales, carol_customer):
    carols = billing_of(carol_customer)
    client = bearer(sam_sales)

    created = client.post(
        "/api/v1/invoices/", {"customer": carol_customer.pk, "lines": [HOSTING]}, format="json"
    )
    changed = client.patch(f"/api/v1/invoices/{carols['draft']}/", {"notes": "x"}, format="json")
    refused = [
        client.post(f"/api/v1/invoices/{carols['draft']}/issue/"),
        client.post(f"/api/v1/invoices/{carols['invoice']}/credit-note/"),
        client.post(f"/api/v1/proformas/{carols['proforma']}/convert/"),
        client.post(
            "/api/v1/payments/",
            {
                "invoice": carols["invoice"],
                "amount": "1.00",
                "currency": "RON",
                "method": "cash",
                "reference": "",
                "date": "2026-03-10",
            },
            format="json",
        ),
    ]

    assert (created.status_code, changed.status_code) == (201, 200)
    assert [response.status_code for response in refused] == [403] * 4
    assert Document.objects.get(pk=carols["draft"]).status == "draft"


# --- Query budgets --------------------------------------------------------------------------


@pytest.fixture
def many(billing_ready, bill_billing, carol_customer):
    """`count` rows of every kind for carol's customer, in every state a list shows; returns
    how many each list shows a customer's user, and how many drafts staff see besides."""
    fx.set_manual_rate(actor=bill_billing, currency="EUR", on=TODAY, rate="4.9750")

    def build(count: int) -> dict[str, int]:
        converted = 0
        for n in range(count):
            currency = "EUR" if n % 2 else "RON"
            invoice = issued(bill_billing, carol_customer, HOSTING, DOMAINS, currency=currency)
            _pay(bill_billing, invoice, "10.00")
            credit_note(
                actor=bill_billing, invoice=invoice, lines=[{"line": invoice.lines.get(position=1).pk}]
            )
            proforma = issued(bill_billing, carol_customer, document_type="proforma")
            if n % 3 == 0:
                draft(bill_billing, carol_customer)
                convert_proforma(actor=bill_billing, proforma=proforma)  # the list shows converted_to
                converted += 1
        # Staff also see the draft invoices; customers' users do not.
        return {
            "/api/v1/invoices/": count + converted,
            "/api/v1/proformas/": count,
            "/api/v1/credit-notes/": count,
            "/api/v1/payments/": count,
            "drafts": converted,
        }

    return build


LISTS = ["/api/v1/invoices/", "/api/v1/proformas/", "/api/v1/credit-notes/", "/api/v1/payments/"]


@pytest.mark.parametrize("rows", [3, 10])
@pytest.mark.parametrize("url", LISTS)
def test_staff_lists_run_a_fixed_number_of_queries(many, bill_billing, django_assert_num_queries, url, rows):
    counts = many(rows)
    client = bearer(bill_billing)

    # 1 the user (JWT), 2 the user's TOTP authenticator (second factor), 3-4 the user's and
    # the groups' permissions, 5 COUNT for the page, 6 the rows (documents with their
    # customer, converted invoice and ledger amounts as subqueries; payments with their
    # customer and invoice), 7 the documents' lines, 8 their VAT breakdowns as issued (none
    # for payments).
    expected = 6 if url == "/api/v1/payments/" else 8
    with django_assert_num_queries(expected):
        response = client.get(url, {"page_size": 200})

    assert response.status_code == 200
    assert len(response.json()["results"]) == counts[url] + (counts["drafts"] if url == LISTS[0] else 0)


@pytest.mark.parametrize("rows", [3, 10])
@pytest.mark.parametrize("url", LISTS)
def test_a_customers_user_lists_run_a_fixed_number_of_queries(
    many, carol, django_assert_num_queries, url, rows
):
    counts = many(rows)
    client = bearer(carol)

    # 1 the user (JWT), 2 COUNT for the page, 3 the rows (limited to the user's billing
    # customers in a subquery), 4 the documents' lines, 5 their VAT breakdowns (none for payments).
    expected = 3 if url == "/api/v1/payments/" else 5
    with django_assert_num_queries(expected):
        response = client.get(url, {"page_size": 200})

    assert response.status_code == 200
    assert len(response.json()["results"]) == counts[url]


@pytest.mark.parametrize("rows", [3, 10])
def test_filtering_invoices_by_payment_state_keeps_the_query_budget(
    many, bill_billing, django_assert_num_queries, rows
):
    many(rows)
    client = bearer(bill_billing)

    # As the unfiltered list: the ledger amounts are subqueries of the same two queries.
    with django_assert_num_queries(8):
        response = client.get("/api/v1/invoices/", {"status": "partially_paid", "page_size": 200})

    assert response.status_code == 200
    # Every issued invoice got 10.00 and the credit note for its first line (121.00); converted ones nothing.
    assert len(response.json()["results"]) == rows


# --- Schema ---------------------------------------------------------------------------------


def test_the_schema_documents_the_billing_endpoints(client):
    schema = client.get("/api/v1/schema/?format=json").json()

    operations = {
        path: {
            method: set(operation["responses"])
            for method, operation in item.items()
            if method != "parameters"
        }
        for path, item in schema["paths"].items()
        if path.split("/")[3] in {"invoices", "proformas", "credit-notes", "payments"}
        or path.endswith("/balance/")
    }
    read = {"200", "401", "404"}
    action = {"400", "401", "403", "404"}
    pdf = {"429", *read}  # too many PDFs rendered for the user
    assert operations == {
        "/api/v1/invoices/": {"get": {"200", "400", "401"}, "post": {"201", "400", "401", "403"}},
        "/api/v1/invoices/{invoice_id}/": {"get": read, "patch": {"200", *action}},
        "/api/v1/invoices/issue/": {"post": {"200", "400", "401", "403"}},
        "/api/v1/invoices/{invoice_id}/issue/": {"post": {"200", *action}},
        "/api/v1/invoices/{invoice_id}/credit-note/": {"post": {"201", *action}},
        "/api/v1/invoices/{invoice_id}/pdf/": {"get": pdf},
        "/api/v1/invoices/{invoice_id}/efactura.xml": {"get": {"400", *read}},
        "/api/v1/proformas/": {"get": {"200", "400", "401"}, "post": {"201", "400", "401", "403"}},
        "/api/v1/proformas/{proforma_id}/": {"get": read, "patch": {"200", *action}},
        "/api/v1/proformas/{proforma_id}/issue/": {"post": {"200", *action}},
        "/api/v1/proformas/{proforma_id}/convert/": {"post": {"201", *action}},
        "/api/v1/proformas/{proforma_id}/cancel/": {"post": {"200", *action}},
        "/api/v1/proformas/{proforma_id}/pdf/": {"get": pdf},
        "/api/v1/credit-notes/": {"get": {"200", "400", "401"}},
        "/api/v1/credit-notes/{credit_note_id}/": {"get": read},
        "/api/v1/credit-notes/{credit_note_id}/pdf/": {"get": pdf},
        "/api/v1/credit-notes/{credit_note_id}/efactura.xml": {"get": {"400", *read}},
        "/api/v1/payments/": {"get": {"200", "400", "401"}, "post": {"201", "400", "401", "403"}},
        "/api/v1/payments/{payment_id}/": {"get": read},
        "/api/v1/customers/{customer_id}/balance/": {"get": read},
    }
    paths = schema["paths"]
    assert set(paths["/api/v1/invoices/{invoice_id}/pdf/"]["get"]["responses"]["200"]["content"]) == {
        "application/pdf"
    }
    for xml in (
        "/api/v1/invoices/{invoice_id}/efactura.xml",
        "/api/v1/credit-notes/{credit_note_id}/efactura.xml",
    ):
        assert set(paths[xml]["get"]["responses"]["200"]["content"]) == {"application/xml"}
    assert [p["name"] for p in paths["/api/v1/invoices/"]["get"]["parameters"]] == [
        "currency",
        "customer",
        "issued_from",
        "issued_to",
        "overdue",
        "page",
        "page_size",
        "status",
    ]
    components = schema["components"]["schemas"]
    assert set(components["DocumentCreateRequest"]["required"]) == {"customer", "lines"}
    assert set(components["LineWriteRequest"]["required"]) == {"description", "quantity", "unit_price"}
    assert set(components["VatGroup"]["properties"]) == {"category", "rate", "taxable_amount", "vat_amount"}
    assert set(components["Balance"]["properties"]) == {"currency", "receivable", "credit", "overdue"}
    assert components["Document"]["properties"]["total"] == {
        "type": "string",
        "format": "decimal",
        "pattern": components["Document"]["properties"]["total"]["pattern"],
        "readOnly": True,
    }
