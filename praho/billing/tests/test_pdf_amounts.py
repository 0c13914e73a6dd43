"""What a PDF asks to be paid, how a credit note (storno) prints, and VAT in RON per rate.

Issue 11, items 10 and 11: an invoice with nothing left to pay shows no amount due and no payment
QR code but says when it was paid; a credit note prints its quantities and amounts with a minus
sign (its data stay positive), names the invoice it corrects and asks for no payment; a
foreign-currency document with several VAT rates shows each rate's VAT in RON, adding up to the
stored total.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from hypothesis import given
from hypothesis import strategies as st
from segno import helpers as segno_helpers

from praho.billing.models import Document, DocumentType, ExchangeRate, RateSource
from praho.billing.pdf import rendering as pdf
from praho.billing.pdf.context import vat_in_ron_per_rate
from praho.billing.services.corrections import cancel_proforma, convert_proforma
from praho.billing.services.drafts import create_document
from praho.billing.services.issuing import issue_document
from praho.billing.services.payments import apply_customer_credit, record_payment
from praho.billing.tests.pdf_fixtures import line, make_document, make_romanian_customer, make_seller
from praho.billing.tests.pdf_reading import nb, read
from praho.core.money import CENT, round_money
from praho.customers.services.customers import change_tax_profile

D = Decimal
NOW = dt.datetime(2026, 3, 10, 10, 0, tzinfo=dt.UTC)
VPS = {"description": "VPS M", "quantity": "2", "unit_code": "MON", "unit_price": "50.00"}


@pytest.fixture
def seller(db):
    return make_seller()


@pytest.fixture
def english_customer(alice_admin):
    return make_romanian_customer(
        alice_admin, name="Dave Web SRL", tax_id="RO2000015", document_language="en"
    )


@pytest.fixture
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def eur_rate(db):
    return ExchangeRate.objects.create(
        currency="EUR", date=dt.date(2026, 3, 9), rate=D("4.9763"), source=RateSource.BNR
    )


@pytest.fixture
def carol_in_english(alice_admin, carol_customer):
    change_tax_profile(actor=alice_admin, customer=carol_customer, document_language="en")
    return carol_customer


def _issued_proforma(actor, customer, currency="EUR"):
    draft = create_document(
        actor=actor, document_type=DocumentType.PROFORMA, customer=customer, currency=currency, lines=[VPS]
    )
    return issue_document(actor=actor, document=draft)


def _paid_invoice(actor, document, amount):
    """The invoice the payment went to, as stored after it."""
    payment = record_payment(
        actor=actor,
        invoice=document,
        amount=D(amount),
        currency=document.currency,
        method="bank_transfer",
        reference=document.number,
        received_on=dt.date(2026, 3, 9),
    )
    return Document.objects.get(pk=payment.document_id)


# --- item 10: what is due when the PDF is rendered ----------------------------------------------


def test_the_invoice_of_a_paid_proforma_says_paid_and_shows_no_amount_due_nor_qr(
    billing_ready, frozen_now, eur_rate, bill_billing, carol_in_english
):
    proforma = _issued_proforma(bill_billing, carol_in_english)
    assert pdf.epc_qr_svg(proforma) is not None  # the proforma asks for 121.00 EUR

    invoice = _paid_invoice(bill_billing, proforma, "121.00")

    html = pdf.render_document_html(invoice)
    page = read(html)
    assert invoice.converted_from == proforma
    assert page.by_class["payment-text"] == ["Payment Paid on 9 Mar 2026"]
    assert "Amount due" not in html
    assert "reference" not in page.by_class
    assert "qr" not in page.by_class
    assert pdf.epc_qr_svg(invoice) is None
    # The invoice's totals are still printed in full.
    assert page.rows["totals"][2] == ["Total", nb("121.00 EUR")]


def test_a_partly_paid_invoice_asks_for_the_rest_and_its_qr_code_carries_the_rest(
    billing_ready, frozen_now, eur_rate, bill_billing, carol_in_english
):
    proforma = _issued_proforma(bill_billing, carol_in_english)
    invoice = _paid_invoice(bill_billing, proforma, "21.00")

    page = read(pdf.render_document_html(invoice))

    assert page.rows["kv pay"][1:] == [
        ["Payment reference", invoice.number],
        ["Already paid", nb("21.00 EUR")],
        ["Amount due", nb("100.00 EUR")],
        ["Due date", "24 Mar 2026"],
    ]
    assert "paid" not in page.by_class
    assert pdf.epc_qr_svg(invoice) == segno_helpers.make_epc_qr(
        name="PRAHO Hosting SRL", iban="RO49AAAA1B31007593840000", amount=D("100.00"), text=invoice.number
    ).svg_inline(scale=1, border=0, omitsize=True, dark="#000")


def test_an_invoice_paid_from_customer_credit_says_paid_on_the_day_the_credit_was_applied(
    billing_ready, frozen_now, eur_rate, bill_billing, carol_in_english
):
    _paid_invoice(bill_billing, _issued_proforma(bill_billing, carol_in_english), "242.00")  # 121.00 over
    second = issue_document(
        actor=bill_billing,
        document=create_document(
            actor=bill_billing,
            document_type="invoice",
            customer=carol_in_english,
            currency="EUR",
            lines=[VPS],
        ),
    )
    apply_customer_credit(actor=bill_billing, customer=carol_in_english, invoice=second)
    second.refresh_from_db()

    assert read(pdf.render_document_html(second)).by_class["paid"] == ["Paid on 10 Mar 2026"]


def test_converted_and_cancelled_proformas_ask_for_nothing(
    billing_ready, frozen_now, eur_rate, bill_billing, carol_in_english
):
    converted = _issued_proforma(bill_billing, carol_in_english)
    convert_proforma(actor=bill_billing, proforma=converted)
    cancelled = cancel_proforma(actor=bill_billing, proforma=_issued_proforma(bill_billing, carol_in_english))
    converted.refresh_from_db()

    for proforma in (converted, cancelled):
        html = pdf.render_document_html(proforma)
        assert "payment" not in read(html).by_class
        assert "Amount due" not in html
        assert pdf.epc_qr_svg(proforma) is None


# --- item 11: storno -----------------------------------------------------------------------------


def _credit_note(customer, seller, invoice, lines, **extra):
    """Stored as corrections.credit_note stores one: positive quantities and amounts."""
    return make_document(
        customer=customer,
        seller=seller,
        document_type=DocumentType.CREDIT_NOTE,
        number="PRC-2026-000001",
        issue_date=dt.date(2026, 2, 3),
        due_date=dt.date(2026, 2, 3),
        credited_document=invoice,
        lines=lines,
        **extra,
    )


def test_a_credit_note_prints_minus_signs_names_the_invoice_and_asks_for_no_payment(english_customer, seller):
    invoice = make_document(
        customer=english_customer,
        seller=seller,
        lines=[line("Hosting", "1", "1000"), line("Domeniu .ro", "2", "49.99", rate="11", discount="5.00")],
    )
    credit_note = _credit_note(
        english_customer,
        seller,
        invoice,
        [line("Hosting", "1", "1000"), line("Domeniu .ro", "2", "49.99", rate="11", discount="5.00")],
    )

    html = pdf.render_document_html(credit_note)
    page = read(html)

    assert credit_note.total == D("1315.43")  # the data stay positive
    # Right under the title, before the number and dates.
    assert re.search(r'<h1>Credit note</h1>\s*<p class="credited">([^<]*)</p>', html).group(1) == (
        "Corrects invoice PRH-2026-000001 of 15 Jan 2026"
    )
    assert page.rows["facts"] == [
        ["Number", "PRC-2026-000001"],
        ["Issue date", "3 Feb 2026"],
        ["Currency", "RON"],
    ]
    assert [row[3:] for row in page.rows["lines"][1:]] == [
        ["-1", "1,000.00", "", "21%", "-1,000.00"],
        ["-2", "49.99", "-5.00", "11%", "-94.98"],
    ]
    assert page.rows["vat"][1:] == [
        ["21%", nb("-1,000.00 RON"), nb("-210.00 RON")],
        ["11%", nb("-94.98 RON"), nb("-10.45 RON")],
    ]
    assert page.rows["totals"] == [
        ["Total without VAT", nb("-1,094.98 RON")],
        ["VAT", nb("-220.45 RON")],
        ["Total", nb("-1,315.43 RON")],
    ]
    # No payment instructions: no payment block, no IBAN beside the seller, no QR code.
    assert "payment" not in page.by_class
    assert [row[0] for row in page.rows["kv seller"]] == [
        "Tax ID (CUI/VAT)",
        "Trade register no.",
        "Address",
        "Email",
    ]
    assert "RO49" not in html
    assert "Amount due" not in html
    assert len(pdf.layout_document(credit_note).pages) == 1


def test_a_romanian_eur_credit_note_prints_its_vat_in_ron_with_a_minus_sign(alice_admin, seller):
    customer = make_romanian_customer(alice_admin)
    eur = {"currency": "EUR", "exchange_rate": D("4.9763"), "vat_total_ron": D("104.50")}
    invoice = make_document(customer=customer, seller=seller, lines=[line("VPS M", "2", "50")], **eur)
    credit_note = _credit_note(customer, seller, invoice, [line("VPS M", "2", "50")], **eur)

    page = read(pdf.render_document_html(credit_note))

    assert page.by_class["credited"] == ["Stornează factura nr. PRH-2026-000001 din 15 ian. 2026"]
    assert page.rows["lines"][1][3:] == ["-2", "50,00", nb("21 %"), "-100,00"]
    assert [row[1] for row in page.rows["totals"]] == [
        nb("-100,00 EUR"), nb("-21,00 EUR"), nb("-121,00 EUR"), "1 EUR = 4,9763 RON", nb("-104,50 RON"),
    ]  # fmt: skip
    assert pdf.epc_qr_svg(credit_note) is None


# --- item 11: VAT in RON per rate ----------------------------------------------------------------


def _two_rate_eur(customer, seller, **extra):
    """21% on 10.00 EUR and 11% on 2.00 EUR: VAT 2.10 + 0.22 = 2.32 EUR; at 4.9763 the rates give
    10.450230 and 1.094786 RON, rounded 10.45 + 1.09 = 11.54, while the VAT in RON is
    2.32 x 4.9763 = 11.545016, stored as 11.55."""
    values = {
        "currency": "EUR",
        "lines": [line("VPS S", "1", "10"), line("Domeniu .ro", "1", "2", rate="11", unit_code="ANN")],
        "exchange_rate": D("4.9763"),
        "vat_total_ron": D("11.55"),
    }
    return make_document(customer=customer, seller=seller, **(values | extra))


def test_a_eur_invoice_with_two_vat_rates_shows_each_rates_vat_in_ron_adding_up_to_the_stored_total(
    english_customer, seller
):
    invoice = _two_rate_eur(english_customer, seller)

    page = read(pdf.render_document_html(invoice))

    assert page.rows["vat"] == [
        ["VAT rate", "Taxable amount", "VAT", "VAT (RON)"],
        ["21%", nb("10.00 EUR"), nb("2.10 EUR"), nb("10.45 RON")],
        # 1.094786 is nearer to rounding up than 10.450230: it takes the missing cent.
        ["11%", nb("2.00 EUR"), nb("0.22 EUR"), nb("1.10 RON")],
    ]
    assert page.rows["totals"][-1] == ["VAT in RON", nb("11.55 RON")]


def test_a_two_rate_credit_note_shows_its_vat_in_ron_per_rate_with_a_minus_sign(english_customer, seller):
    invoice = _two_rate_eur(english_customer, seller)
    credit_note = _two_rate_eur(
        english_customer,
        seller,
        document_type=DocumentType.CREDIT_NOTE,
        number="PRC-2026-000001",
        credited_document=invoice,
    )

    page = read(pdf.render_document_html(credit_note))

    assert [row[3] for row in page.rows["vat"][1:]] == [nb("-10.45 RON"), nb("-1.10 RON")]
    assert page.rows["totals"][-1] == ["VAT in RON", nb("-11.55 RON")]


def test_a_ron_invoice_and_a_one_rate_eur_invoice_have_no_ron_column(english_customer, seller):
    ron = make_document(
        customer=english_customer, seller=seller, lines=[line("A", "1", "10"), line("B", "1", "2", rate="11")]
    )
    one_rate = make_document(
        customer=english_customer,
        seller=seller,
        currency="EUR",
        number="PRH-2026-000002",
        lines=[line("VPS M", "2", "50")],
        exchange_rate=D("4.9763"),
        vat_total_ron=D("104.50"),
    )

    assert [len(row) for row in read(pdf.render_document_html(ron)).rows["vat"]] == [3, 3, 3]
    assert [len(row) for row in read(pdf.render_document_html(one_rate)).rows["vat"]] == [3, 3]


def test_the_cents_rounding_misses_go_to_the_rates_nearest_to_rounding_the_other_way():
    # 3 x 0.335 at rate 1: each rounds up to 0.34 (1.02) but the total is 1.01 (1.005 stored as 1.01).
    assert vat_in_ron_per_rate([D("0.335")] * 3, D("1"), D("1.01")) == [D("0.33"), D("0.34"), D("0.34")]
    # A rate without VAT keeps zero.
    assert vat_in_ron_per_rate([D("0.00"), D("2.10"), D("0.22")], D("4.9763"), D("11.55")) == [
        D("0.00"),
        D("10.45"),
        D("1.10"),
    ]
    assert vat_in_ron_per_rate([], D("4.9763"), D("0.00")) == []


amounts = st.decimals(min_value=D("0"), max_value=D("100000"), places=2)
rates = st.decimals(min_value=D("0.0001"), max_value=D("10"), places=4)


@given(vat=st.lists(amounts, min_size=1, max_size=6), rate=rates)
def test_per_rate_ron_amounts_add_up_to_the_stored_total_and_stay_within_a_cent_of_exact(vat, rate):
    total_ron = round_money(sum(vat, D(0)) * rate)  # as issuing stores it (fx.ron_value)

    per_rate = vat_in_ron_per_rate(vat, rate, total_ron)

    assert sum(per_rate, D(0)) == total_ron
    assert all(abs(ron - amount * rate) < CENT for ron, amount in zip(per_rate, vat, strict=True))
