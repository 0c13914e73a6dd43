"""Staff pages that create and edit drafts, and issue credit notes. Split from test_staff_documents.py,
whose helpers it uses.
"""

from __future__ import annotations

from datetime import date

import pytest

from praho.audit.models import AuditEvent
from praho.billing.models import Document, DocumentLine
from praho.billing.services.corrections import credit_note
from praho.billing.tests.test_staff_documents import (  # noqa: F401 (fixtures and helpers of the tests split from it)
    DOMAIN,
    HOSTING,
    NEW_INVOICE,
    NEW_PROFORMA,
    D,
    billing,
    checked_radio,
    credit_url,
    field_errors,
    invoice_for,
    invoices,
    messages_of,
    proforma_for,
    today,
    url,
    us_company,
)

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
    from praho.customers.services.customers import delete_customer

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


@pytest.mark.parametrize(
    ("language", "typed"), [("en", ("49.99", "5.5")), ("ro", ("49,99", "5,5")), ("bg", ("49,99", "5,5"))]
)
def test_the_edit_page_prefills_numbers_as_staff_type_them_in_their_language(
    billing, bill_billing, carol_customer, language, typed
):
    draft = invoice_for(bill_billing, carol_customer, [HOSTING | {"discount": "5.5"}], issue=False)
    bill_billing.language = language
    bill_billing.save(update_fields=["language"])

    response = billing.get(url(draft, "edit/"))

    line = response.context["lines"].forms[0]
    assert (line.initial["unit_price"], line.initial["discount"]) == typed
    assert (
        str(line["discount"].label)
        == {
            "en": "Discount (amount)",
            "ro": "Reducere (sumă)",
            "bg": "Отстъпка (сума)",
        }[language]
    )
