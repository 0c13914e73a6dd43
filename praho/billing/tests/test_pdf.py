"""PDF of proformas, invoices and credit notes.

Neither pypdf nor pdfminer is installed, so the printed content is checked on the
HTML the PDF is made from (render_document_html), and the PDF itself on its
pages and fonts: written uncompressed, its embedded fonts and their ToUnicode
maps say which characters were drawn with which font.
"""

from __future__ import annotations

import datetime
import functools
import gc
import re
import subprocess
from decimal import Decimal
from html import unescape

import pytest
import weasyprint
from django.core.exceptions import ValidationError
from fontTools.ttLib import TTFont
from segno import helpers as segno_helpers
from weasyprint.urls import FatalURLFetchingError

from praho.billing.models import DocumentType
from praho.billing.pdf import rendering as pdf
from praho.billing.tests.pdf_fixtures import (
    line,
    make_bulgarian_customer,
    make_document,
    make_eu_customer,
    make_romanian_customer,
    make_seller,
)
from praho.billing.tests.pdf_reading import nb, read
from praho.customers.services.customers import change_tax_profile

D = Decimal
HOSTING = "Găzduire web „Business” — ianuarie, întreținere și ștergere țară"
REVERSE_CHARGE = (
    "Taxare inversă / Reverse charge — art. 278(2) Codul fiscal; art. 44 and 196 of Directive 2006/112/EC"
)


# --- reading the PDF's fonts -------------------------------------------------------------


_PDF_FONTS = {"DejaVu-Sans": "DejaVu Sans", "DejaVu-Sans-Bold": "DejaVu Sans:bold"}


@functools.cache
def _font_program(pdf_name: str) -> TTFont:
    """The OS font file fontconfig gives WeasyPrint for a font embedded in our PDFs."""
    path = subprocess.run(
        ["fc-match", "--format=%{file}", _PDF_FONTS[pdf_name]], check=True, capture_output=True, text=True
    ).stdout
    return TTFont(path)


def _drawn_glyphs(document) -> dict[str, dict[int, str]]:
    """Per embedded font: each glyph id drawn and the text its ToUnicode map gives it."""
    raw = pdf.layout_document(document).write_pdf(uncompressed_pdf=True).decode("latin-1")
    objects = dict(re.findall(r"(\d+) 0 obj(.*?)endobj", raw, re.S))
    drawn: dict[str, dict[int, str]] = {}
    for name, to_unicode in re.findall(
        r"/Subtype /Type0/BaseFont /[A-Z]{6}\+([^/\s]+)/ToUnicode (\d+) 0 R", raw
    ):
        cmap = objects[to_unicode]
        assert "beginbfrange" not in cmap  # WeasyPrint writes one bfchar pair per glyph
        drawn[name] = {
            int(glyph, 16): bytes.fromhex(text).decode("utf-16-be")
            for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S)
            for glyph, text in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block)
        }
    return drawn


def assert_every_character_has_a_dejavu_glyph(document, html: str) -> None:
    """No fallback font and no missing-glyph box: WeasyPrint draws a character its font
    lacks with a made-up glyph id past the font's last glyph (or .notdef, id 0)."""
    drawn = _drawn_glyphs(document)
    assert set(drawn) == set(_PDF_FONTS)
    missing: set[str] = set()
    for name, glyphs in drawn.items():
        font = _font_program(name)
        characters = font.getBestCmap()
        for glyph, text in glyphs.items():
            if not 0 < glyph < font["maxp"].numGlyphs or any(ord(char) not in characters for char in text):
                missing.update(text)
    assert missing == set()
    body = re.sub(r"<svg.*?</svg>", "", html.split("<body>", 1)[1], flags=re.S)
    visible = set(re.sub(r"\s", "", unescape(re.sub(r"<[^>]+>", "", body))))
    printed = set("".join(text for glyphs in drawn.values() for text in glyphs.values()))
    # Headings are upper-cased by the stylesheet, so "ă" may be drawn as "Ă" only.
    assert {char for char in visible if char not in printed and char.upper() not in printed} == set()


# --- fixtures ----------------------------------------------------------------------------


@pytest.fixture
def seller(db):
    return make_seller()


@pytest.fixture
def romanian_customer(alice_admin):
    return make_romanian_customer(alice_admin)


@pytest.fixture
def english_customer(alice_admin):
    return make_romanian_customer(
        alice_admin, name="Dave Web SRL", tax_id="RO2000015", document_language="en"
    )


def _ron_invoice(customer, seller, **extra):
    return make_document(
        customer=customer,
        seller=seller,
        lines=[
            line(HOSTING, "1", "1000"),
            line("Domeniu .ro", "2", "49.99", rate="11", unit_code="ANN", discount="5.00"),
        ],
        **extra,
    )


def _eur_invoice(customer, seller, **extra):
    values = {
        "currency": "EUR",
        "number": "PRH-2026-000002",
        "lines": [line("VPS M", "2", "50")],
        "exchange_rate": D("4.9763"),
        "vat_total_ron": D("104.50"),  # 21.00 EUR x 4.9763
    }
    return make_document(customer=customer, seller=seller, **(values | extra))


# --- tests -------------------------------------------------------------------------------


def test_a_romanian_invoice_prints_one_breakdown_row_per_vat_rate_in_romanian_numbers(
    romanian_customer, seller
):
    invoice = _ron_invoice(romanian_customer, seller)

    html = pdf.render_document_html(invoice)
    page = read(html)

    assert '<html lang="ro">' in html
    assert page.rows["vat"][1:] == [
        [nb("21 %"), nb("1.000,00 RON"), nb("210,00 RON")],
        [nb("11 %"), nb("94,98 RON"), nb("10,45 RON")],
    ]
    assert [row[1] for row in page.rows["totals"]] == [
        nb("1.094,98 RON"),
        nb("220,45 RON"),
        nb("1.315,43 RON"),
    ]
    assert [row[3:] for row in page.rows["lines"][1:]] == [
        ["1", "1.000,00", "", nb("21 %"), "1.000,00"],
        ["2", "49,99", "5,00", nb("11 %"), "94,98"],
    ]
    assert page.by_class["doc-number"] == ["PRH-2026-000001"]
    assert page.by_class["reference"] == ["PRH-2026-000001"]
    assert "mentions" not in page.by_class
    assert pdf.epc_qr_svg(invoice) is None
    document_pdf = pdf.render_document_pdf(invoice)
    assert document_pdf.startswith(b"%PDF-")
    assert len(pdf.layout_document(invoice).pages) == 1


def test_romanian_diacritics_are_drawn_with_dejavu_glyphs(romanian_customer, seller):
    invoice = _ron_invoice(romanian_customer, seller)

    html = pdf.render_document_html(invoice)

    assert HOSTING in html
    assert_every_character_has_a_dejavu_glyph(invoice, html)


def test_the_glyph_check_reports_a_character_dejavu_lacks(romanian_customer, seller):
    invoice = make_document(customer=romanian_customer, seller=seller, lines=[line("Hosting ก", "1", "10")])

    with pytest.raises(AssertionError):
        assert_every_character_has_a_dejavu_glyph(invoice, pdf.render_document_html(invoice))


def test_an_english_invoice_prints_every_item_the_law_requires(english_customer, seller):
    invoice = _ron_invoice(english_customer, seller, tax_point_date=datetime.date(2026, 1, 10))

    page = read(pdf.render_document_html(invoice))

    assert page.by_class["party"] == [
        "Supplier PRAHO Hosting SRL "
        "Tax ID (CUI/VAT) RO 18547290 Trade register no. J12/3456/2019 "
        "Address Str. Ștefan cel Mare 7\n400001 Cluj-Napoca, Cluj county\nRomania "
        "IBAN RO49 AAAA 1B31 0075 9384 0000 Bank Banca Transilvania Email facturi@praho.test",
        "Customer Dave Web SRL "
        "Tax ID (CUI/VAT) RO 2000015 Trade register no. J40/1234/2015 "
        "Address Bd. Ion Brătianu 12\n030167 Sector 3, București\nRomania "
        "Email contabilitate@taranoua.test",
    ]
    assert page.rows["facts"] == [
        ["Number", "PRH-2026-000001"],
        ["Issue date", "15 Jan 2026"],
        ["Tax point date", "10 Jan 2026"],
        ["Due date", "29 Jan 2026"],
        ["Currency", "RON"],
    ]
    assert page.rows["lines"][0] == [
        "No.", "Description", "Unit", "Quantity", "Unit price (RON)", "Discount (RON)", "VAT rate",
        "Amount (RON)",
    ]  # fmt: skip
    assert page.rows["lines"][1:] == [
        ["1", HOSTING, "month", "1", "1,000.00", "", "21%", "1,000.00"],
        ["2", "Domeniu .ro", "year", "2", "49.99", "5.00", "11%", "94.98"],
    ]
    assert page.rows["totals"] == [
        ["Total without VAT", nb("1,094.98 RON")],
        ["VAT", nb("220.45 RON")],
        ["Total", nb("1,315.43 RON")],
    ]
    assert page.by_class["payment-text"] == [
        "Payment Bank transfer to RO49 AAAA 1B31 0075 9384 0000 (Banca Transilvania) "
        f"Payment reference PRH-2026-000001 Amount due {nb('1,315.43 RON')} Due date 29 Jan 2026"
    ]


def test_a_eur_invoice_shows_its_vat_in_ron_at_the_bnr_rate_and_an_epc_payment_qr(english_customer, seller):
    invoice = _eur_invoice(english_customer, seller)

    html = pdf.render_document_html(invoice)
    page = read(html)

    assert page.rows["totals"] == [
        ["Total without VAT", nb("100.00 EUR")],
        ["VAT", nb("21.00 EUR")],
        ["Total", nb("121.00 EUR")],
        ["BNR exchange rate", "1 EUR = 4.9763 RON"],
        ["VAT in RON", nb("104.50 RON")],
    ]
    expected_qr = segno_helpers.make_epc_qr(
        name="PRAHO Hosting SRL", iban="RO49AAAA1B31007593840000", amount=D("121.00"), text="PRH-2026-000002"
    ).svg_inline(scale=1, border=0, omitsize=True, dark="#000")
    assert pdf.epc_qr_svg(invoice) == expected_qr
    assert html.count(expected_qr) == 1
    assert page.by_class["qr"] == ["Scan to pay (SEPA transfer)"]
    assert len(pdf.layout_document(invoice).pages) == 1


def test_only_issued_eur_invoices_and_proformas_with_an_amount_carry_a_payment_qr(english_customer, seller):
    usd = _eur_invoice(english_customer, seller, currency="USD", number="PRH-2026-000010")
    draft = _eur_invoice(english_customer, seller, issued=False)
    proforma = _eur_invoice(
        english_customer, seller, document_type=DocumentType.PROFORMA, number="PRF-2026-000001"
    )
    credit_note = _eur_invoice(
        english_customer,
        seller,
        document_type=DocumentType.CREDIT_NOTE,
        number="PRC-2026-000001",
        lines=[line("VPS M", "2", "50")],
    )

    assert pdf.epc_qr_svg(usd) is None
    assert pdf.epc_qr_svg(draft) is None
    assert pdf.epc_qr_svg(credit_note) is None
    assert pdf.epc_qr_svg(proforma) == segno_helpers.make_epc_qr(
        name="PRAHO Hosting SRL", iban="RO49AAAA1B31007593840000", amount=D("121.00"), text="PRF-2026-000001"
    ).svg_inline(scale=1, border=0, omitsize=True, dark="#000")


def test_a_reverse_charge_invoice_prints_its_mention_and_category(alice_admin, seller):
    customer = make_eu_customer(alice_admin)
    invoice = make_document(
        customer=customer,
        seller=seller,
        currency="EUR",
        lines=[line("VPS L", "3", "120", rate="0", category="AE")],
        mentions=[REVERSE_CHARGE],
        exchange_rate=D("4.9763"),
        vat_total_ron=D("0.00"),
    )

    page = read(pdf.render_document_html(invoice))

    assert page.by_class["mentions"] == [REVERSE_CHARGE]
    assert page.rows["vat"][1:] == [["0% — reverse charge", nb("360.00 EUR"), nb("0.00 EUR")]]
    assert page.rows["lines"][1] == ["1", "VPS L", "month", "3", "120.00", "0% AE", "360.00"]
    assert page.by_class["party"][1] == (
        "Customer Müller Webdienste GmbH Tax ID (CUI/VAT) DE136695976 "
        "Address Hauptstraße 5\n10115 Berlin\nGermany"
    )


def test_a_proforma_says_it_is_not_a_fiscal_document(romanian_customer, english_customer, seller):
    romanian = _ron_invoice(
        romanian_customer, seller, document_type=DocumentType.PROFORMA, number="PRF-2026-000001"
    )
    english = _ron_invoice(
        english_customer,
        seller,
        document_type=DocumentType.PROFORMA,
        number="PRF-2026-000002",
        valid_until=datetime.date(2026, 1, 30),
    )

    romanian_page = read(pdf.render_document_html(romanian))
    english_page = read(pdf.render_document_html(english))

    assert romanian_page.by_class["notice"] == ["Proformă — nu este document fiscal"]
    assert romanian_page.by_class["reference"] == ["PRF-2026-000001"]
    assert english_page.by_class["notice"] == [
        "Proformă — nu este document fiscal / Proforma — not a fiscal document"
    ]
    assert english_page.rows["facts"] == [
        ["Number", "PRF-2026-000002"],
        ["Issue date", "15 Jan 2026"],
        ["Valid until", "30 Jan 2026"],
        ["Due date", "29 Jan 2026"],
        ["Currency", "RON"],
    ]


def test_a_bulgarian_document_prints_in_cyrillic_with_dejavu_glyphs(alice_admin, seller):
    customer = make_bulgarian_customer(alice_admin)
    invoice = _eur_invoice(
        customer, seller, lines=[line("Хостинг план „Старт“", "12", "5.5")], vat_total_ron=D("68.97")
    )

    html = pdf.render_document_html(invoice)
    page = read(html)

    assert '<html lang="bg">' in html
    # Labels come from the translations; the parties, numbers and dates from the data and CLDR.
    assert page.by_class["party-name"] == ["PRAHO Hosting SRL", "Балкан Хост ЕООД"]
    buyer_address = "ул. Шипка 34\n1504 София\nБългария"  # noqa: RUF001
    seller_address = "Str. Ștefan cel Mare 7\n400001 Cluj-Napoca, окръг Cluj\nРумъния"  # noqa: RUF001
    issued, due = "15.01.2026\u202fг.", "29.01.2026\u202fг."  # noqa: RUF001
    assert [row[1] for row in page.rows["kv buyer"]] == ["BG175074752", buyer_address]
    assert [row[1] for row in page.rows["kv seller"]][2] == seller_address
    assert [row[1] for row in page.rows["facts"]] == ["PRH-2026-000002", issued, due, "EUR"]
    assert [row[1] for row in page.rows["totals"]] == [
        nb("66,00 EUR"), nb("13,86 EUR"), nb("79,86 EUR"), "1 EUR = 4,9763 RON", nb("68,97 RON"),
    ]  # fmt: skip
    assert_every_character_has_a_dejavu_glyph(invoice, html)


def test_a_draft_carries_a_watermark_and_no_number_reference_or_qr(english_customer, seller):
    draft = _eur_invoice(english_customer, seller, issued=False)

    html = pdf.render_document_html(draft)
    page = read(html)

    assert page.by_class["watermark"] == ["DRAFT"]
    assert page.rows["facts"][0] == ["Number", "—"]
    assert "doc-number" not in page.by_class
    assert "reference" not in page.by_class
    assert "qr" not in page.by_class
    # A draft previews the seller's current data and the customer's billing address.
    assert page.by_class["party"][0].startswith("Supplier PRAHO Hosting SRL Tax ID (CUI/VAT) RO 18547290")
    assert page.by_class["party"][1].startswith("Customer Dave Web SRL Tax ID (CUI/VAT) RO 2000015")


def test_the_mentions_print_as_the_vat_engine_stored_them_at_issue(english_customer, db):
    seller = make_seller(vat_on_cash_basis=True)
    mentions = ["TVA la încasare / VAT on a cash basis", REVERSE_CHARGE]
    invoice = _ron_invoice(english_customer, seller, mentions=mentions)

    html = pdf.render_document_html(invoice)

    # Printed once each, in order, as stored: the PDF adds no mention of its own.
    assert re.findall(r"<li>(.*?)</li>", html) == mentions


def test_the_language_is_the_snapshotted_profiles_even_after_the_customer_changes_it(
    alice_admin, english_customer, seller
):
    issued = _ron_invoice(english_customer, seller)
    change_tax_profile(actor=alice_admin, customer=english_customer, document_language="bg")
    draft = _ron_invoice(english_customer, seller, issued=False)

    assert pdf.document_language(issued) == "en"
    assert pdf.document_language(draft) == "bg"


def test_a_long_invoice_continues_on_a_second_page(english_customer, seller):
    invoice = make_document(
        customer=english_customer,
        seller=seller,
        lines=[line(f"Service {number}", "1", "10") for number in range(1, 41)],
    )

    assert len(pdf.layout_document(invoice).pages) == 2


def test_rendering_never_fetches_anything_but_files_next_to_the_template():
    fetcher = pdf.LocalOnlyURLFetcher()

    with pytest.raises(ValueError, match="does not fetch https URLs"):
        fetcher("https://example.com/logo.png")
    with pytest.raises(ValueError, match="only reads files next to its template"):
        fetcher("file:///etc/passwd")
    with pytest.raises(FatalURLFetchingError):
        weasyprint.HTML(string='<img src="http://127.0.0.1:9/logo.png">', url_fetcher=fetcher).render()
    response = fetcher(pdf.STYLESHEET.as_uri())
    assert response.read().startswith(b"/* PDF of a proforma")
    response.close()


def test_ten_pdfs_in_a_row_are_made_with_one_font_set_up_each_with_its_own_number(english_customer, seller):
    """Loading and measuring the fonts is about a tenth of a PDF's layout time, so a thread makes
    its font configuration once and reuses it. (The time per PDF is bench/billing.py's figure: a
    time bound here would only fail on a busy machine.)"""
    invoices = [_eur_invoice(english_customer, seller, number=f"PRH-2026-{n:06d}") for n in range(100, 110)]
    fonts = pdf._font_config()
    renders = pdf.renders_so_far()

    documents = [pdf.render_document_pdf(invoice) for invoice in invoices]

    assert pdf._font_config() is fonts
    assert pdf.renders_so_far() - renders == 10
    assert [(document[:8], document[-6:]) for document in documents] == [(b"%PDF-1.7", b"%%EOF\n")] * 10
    assert len(set(documents)) == 10  # no two alike: each prints its own number


# --- the cyclic garbage collector around a render (issue 4: p95 of bench/billing.py) ---------


@pytest.fixture
def collections():
    """The generation of every collection the cyclic garbage collector runs meanwhile."""
    seen: list[int] = []

    def record(phase, info):
        if phase == "start":
            seen.append(info["generation"])

    gc.callbacks.append(record)
    yield seen
    gc.callbacks.remove(record)


def test_a_render_runs_no_collection_but_one_of_the_young_generations_at_its_end(
    english_customer, seller, collections
):
    invoice = _eur_invoice(english_customer, seller)
    pdf.render_document_pdf(invoice)  # fonts and stylesheet first
    collections.clear()

    output = pdf.render_document_pdf(invoice)

    assert output.startswith(b"%PDF-")
    # Without the pause a render runs a few dozen collections (and now and then a full one).
    assert collections == [1]
    assert gc.isenabled()


def test_a_render_leaves_a_collector_disabled_by_someone_else_disabled(english_customer, seller, collections):
    invoice = _eur_invoice(english_customer, seller)
    collections.clear()  # those run while the invoice was made (and posted to the ledger)
    gc.disable()
    try:
        pdf.render_document_pdf(invoice)
        assert not gc.isenabled()
        assert collections == []
    finally:
        gc.enable()


def test_overlapping_renders_resume_the_collector_when_the_last_one_ends(collections):
    with pdf._collector_paused():
        with pdf._collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
        assert collections == []
    assert gc.isenabled()
    assert collections == [1]


def test_a_failed_render_resumes_the_collector(english_customer):
    # A draft prints the seller's current data, and none is configured yet.
    draft = make_document(
        customer=english_customer, seller=None, issued=False, lines=[line("VPS M", "1", "50")]
    )

    with pytest.raises(ValidationError) as raised:
        pdf.render_document_pdf(draft)
    assert raised.value.code == "no_seller"
    assert gc.isenabled()


def test_a_celery_worker_process_loads_the_pdf_fonts_then_freezes_its_start_up_objects():
    from praho.celery import freeze_start_up_objects

    try:
        freeze_start_up_objects()
        assert gc.get_freeze_count() > 10_000
        assert pdf._fonts.config is pdf._font_config()
    finally:
        gc.unfreeze()
    assert gc.get_freeze_count() == 0
