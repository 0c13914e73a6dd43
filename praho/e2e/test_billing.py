"""Billing in a browser: a draft invoice made through the form (customer chosen by searching as
you type), issued, its PDF downloaded, a payment recorded against it, and its e-Factura panel."""

from __future__ import annotations

import pytest

from praho.billing.models import Document, DocumentStatus, Payment
from praho.e2e.steps import log_in, submit

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("billing_ready"),
]


def make_invoice(web) -> Document:
    """The staff form: search the customer, pick it, one line, save the draft; the draft."""
    web.go("/staff/billing/invoices/new/")
    web.page.fill("#id_customer_q", "Carol")
    web.page.locator("#customer-options input[name=customer]").first.check()
    web.page.fill("[name='lines-0-description']", "Web hosting Business")
    web.page.fill("[name='lines-0-quantity']", "2")
    web.page.select_option("[name='lines-0-unit_code']", "MON")
    web.page.fill("[name='lines-0-unit_price']", "50.00")
    submit(web, "form.document-form", "Save draft")
    return Document.objects.get()


def issue(web, document: Document) -> Document:
    web.go(f"/staff/billing/documents/{document.pk}/")
    # Issuing takes a fiscal number for good, so it starts with a confirmation page.
    with web.page.expect_navigation():
        web.page.get_by_role("link", name="Issue…").click()
    assert web.path() == f"/staff/billing/documents/{document.pk}/issue/confirm/"
    submit(web, f"form[action='/staff/billing/documents/{document.pk}/issue/']")
    document.refresh_from_db()
    return document


def test_staff_create_and_issue_an_invoice_and_download_its_pdf(web, bill_billing, carol_customer):
    log_in(web, bill_billing)

    draft = make_invoice(web)

    assert web.path() == f"/staff/billing/documents/{draft.pk}/"
    assert (draft.customer_id, draft.status, str(draft.total)) == (
        carol_customer.pk,
        DocumentStatus.DRAFT,
        "121.00",
    )
    invoice = issue(web, draft)
    assert invoice.status == DocumentStatus.ISSUED
    assert web.page.locator("h1").first.inner_text() == f"Invoice {invoice.number}"
    pdf = web.page.request.get(f"{web.base_url}/staff/billing/documents/{invoice.pk}/pdf/")
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body()[:5] == b"%PDF-"


def test_staff_record_a_payment_for_an_issued_invoice(web, bill_billing, carol_customer):
    log_in(web, bill_billing)
    invoice = issue(web, make_invoice(web))

    web.page.get_by_role("link", name="Record a payment").click()
    web.page.wait_for_url(f"**/staff/billing/invoices/{invoice.pk}/pay/")
    web.page.fill("[name=amount]", "121.00")
    web.page.fill("[name=reference]", "OP 4711")
    submit(web, f"form[action='/staff/billing/invoices/{invoice.pk}/pay/']")

    payment = Payment.objects.get()
    assert (str(payment.amount), payment.reference, payment.customer_id) == (
        "121.00",
        "OP 4711",
        carol_customer.pk,
    )
    invoice.refresh_from_db()
    assert (str(invoice.paid_amount), str(invoice.outstanding_amount)) == ("121.00", "0.00")
    assert web.path() == f"/staff/billing/documents/{invoice.pk}/"


def test_the_e_factura_panel_of_an_issued_invoice(web, bill_billing, carol_customer):
    log_in(web, bill_billing)
    invoice = issue(web, make_invoice(web))

    panel = web.page.locator("section.efactura-panel")
    assert panel.get_attribute("data-efactura-state") == "not_submitted"
    assert panel.locator("h2").inner_text() == "e-Factura"
    assert panel.get_by_role("button").all_inner_texts() == ["Submit to ANAF"]
    assert invoice.number


def test_the_customer_picker_keeps_the_chosen_customer_while_searching_another(
    web, bill_billing, carol_customer, dave_customer
):
    log_in(web, bill_billing)
    web.go("/staff/billing/invoices/new/")
    options = web.page.locator("#customer-options")

    web.page.fill("#id_customer_q", "Carol")
    options.get_by_label("Carol Hosting SRL").check()
    web.page.fill("#id_customer_q", "Dave")
    options.get_by_label("Dave Web SRL").wait_for()

    assert options.locator("input[name=customer]:checked").get_attribute("value") == str(carol_customer.pk)
    assert options.locator("label").all_inner_texts() == [
        "Carol Hosting SRL RO18547290",
        "Dave Web SRL RO14399840",
    ]
