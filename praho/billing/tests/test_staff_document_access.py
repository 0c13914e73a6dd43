"""Who may do what on the staff document pages. Split from test_staff_documents.py, whose helpers it
uses.
"""

from __future__ import annotations

import pytest

from praho.accounts.tests import html_audit
from praho.accounts.tests.factories import UserFactory, add_totp
from praho.audit.models import AuditEvent
from praho.billing.models import Document, DocumentDelivery, DocumentLine
from praho.billing.tests.test_staff_documents import (  # noqa: F401 (fixtures and helpers of the tests split from it)
    DOMAIN,
    HOSTING,
    HTMX,
    INVOICE_SUMS,
    INVOICES,
    NEW_PROFORMA,
    PROFORMAS,
    D,
    billing,
    credit_url,
    invoice_for,
    invoices,
    numbers,
    pay,
    proforma_for,
    today,
    url,
    us_company,
)
from praho.billing.tests.test_staff_drafts import draft_post

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
