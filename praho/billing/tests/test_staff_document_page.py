"""A document's staff page (/staff/billing/documents/<id>/) and its buttons: issue, cancel, convert,
email, PDF. Split from test_staff_documents.py, whose helpers it uses.
"""

from __future__ import annotations

from datetime import date
from html import unescape

import pytest

from praho.audit.models import AuditEvent
from praho.billing.models import Document, DocumentDelivery
from praho.billing.services import fx
from praho.billing.services.corrections import convert_proforma, credit_note
from praho.billing.services.issuing import issue_document
from praho.billing.tests.test_staff_documents import (  # noqa: F401 (fixtures and helpers of the tests split from it)
    DOMAIN,
    HOSTING,
    D,
    billing,
    credit_url,
    invoice_for,
    invoices,
    messages_of,
    money,
    pay,
    proforma_for,
    today,
    url,
    us_company,
)
from praho.customers.services.customers import change_tax_profile, create_customer

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
