"""PDF of proformas, invoices and credit notes (WeasyPrint, offline, DejaVu Sans).

A document prints in its customer's document language (ro, en or bg): the one of
the profile version snapshotted at issue, else the customer's current profile,
else Romanian. Numbers, dates and country names follow that language (Babel).

What Romanian law asks of an invoice (Codul fiscal art. 319(20); Legea 31/1990
art. 74 for the trade register number) and where each item is printed:

- series and number (a), issue date (b), the tax point date when it differs (c),
  due date: the heading block at the top right;
- seller's name, address, CUI/VAT code and trade register number (d), buyer's
  name, address and CUI/VAT code (f): the "Supplier" and "Customer" blocks;
- each line's description, unit, quantity, unit price without VAT, discount and
  VAT rate or category (h, i, j): the lines table;
- the taxable base and VAT per rate (i, j): the VAT breakdown table; totals in the
  document's currency, and the VAT in RON at the BNR rate when the currency is
  not RON (j): the totals block;
- the mentions the VAT treatment requires ("Taxare inversă", "TVA la încasare",
  exemption references) (k): the mentions block, printed as the VAT engine stored
  them on the document at issue (Romanian wording, the document language's beside it);
- the reference to the corrected invoice, its number and date, on a credit note
  (l): under the title;
- the seller's bank account, the payment reference, the amount due and, for EUR, a
  SEPA (EPC) payment QR code: the payment block, when something is due (context.py).

A proforma says it is not a fiscal document under its title. A draft carries a
"DRAFT" watermark and no number. Rendering never touches the network: the only
URLs WeasyPrint may open are files next to the template.

This module renders; context.py decides what is printed; archive.py keeps the
PDF of each issued document and is what downloads and emails serve.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

import weasyprint  # type: ignore[import-untyped]
from django.template.loader import render_to_string
from django.utils import translation
from weasyprint.text.fonts import FontConfiguration  # type: ignore[import-untyped]
from weasyprint.urls import URLFetcher, URLFetcherResponse  # type: ignore[import-untyped]

from praho.billing.models import Document
from praho.billing.pdf.context import (  # what other modules read from here
    amount_due,
    document_context,
    document_language,
    epc_qr_svg,
    payment_reference,
)

__all__ = [
    "STYLESHEET",
    "LocalOnlyURLFetcher",
    "amount_due",
    "document_language",
    "epc_qr_svg",
    "layout_document",
    "payment_reference",
    "render_document_html",
    "render_document_pdf",
    "render_html_pdf",
    "renders_so_far",
    "warm_up",
]

TEMPLATE = "billing/pdf/document.html"
TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates" / "billing" / "pdf"
STYLESHEET = TEMPLATE_DIR / "document.css"


class LocalOnlyURLFetcher(URLFetcher):
    """Opens files in the PDF template folder and nothing else: no http(s), no other paths.

    A refused URL stops the rendering (fail_on_errors) rather than printing a
    document with a hole in it.
    """

    def __init__(self) -> None:
        super().__init__(allowed_protocols=("file",), fail_on_errors=True)

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        if parts.scheme.lower() != "file":
            raise ValueError(f"PDF rendering does not fetch {parts.scheme or 'relative'} URLs: {url}")
        path = Path(url2pathname(parts.path)).resolve()
        if not path.is_relative_to(TEMPLATE_DIR):
            raise ValueError(f"PDF rendering only reads files next to its template: {url}")
        response: URLFetcherResponse = super().fetch(url, headers)
        return response


@functools.cache
def _stylesheet() -> weasyprint.CSS:
    # Parsed once per process; WeasyPrint stylesheets are reusable across documents.
    return weasyprint.CSS(filename=str(STYLESHEET), url_fetcher=LocalOnlyURLFetcher())


_fonts = threading.local()


def _font_config() -> FontConfiguration:
    """The fontconfig set-up and Pango font map, one per thread and reused for every document.

    A fresh one per document (WeasyPrint's default) loads and measures the fonts again each
    time, about a tenth of a PDF's layout time. Pango's font maps are not thread-safe, hence
    one per thread rather than one per process.
    """
    config: FontConfiguration | None = getattr(_fonts, "config", None)
    if config is None:
        config = _fonts.config = FontConfiguration()
    return config


def render_document_html(document: Document) -> str:
    """The HTML the PDF is made from, in the document's language."""
    language = document_language(document)
    with translation.override(language):
        return render_to_string(TEMPLATE, document_context(document, language))


def _layout(html: str) -> weasyprint.Document:
    parsed = weasyprint.HTML(string=html, base_url=str(TEMPLATE_DIR) + "/", url_fetcher=LocalOnlyURLFetcher())
    return parsed.render(stylesheets=[_stylesheet()], font_config=_font_config())


def layout_document(document: Document) -> weasyprint.Document:
    """The laid-out pages (``.pages``), before they are written as PDF."""
    return _layout(render_document_html(document))


def render_html_pdf(html: str) -> bytes:
    """The PDF of HTML from render_document_html (pdf_archive renders the HTML it has hashed)."""
    global _renders
    with _collector_paused():
        pdf: bytes = _layout(html).write_pdf()
    with _renders_lock:
        _renders += 1
    return pdf


def render_document_pdf(document: Document) -> bytes:
    """The PDF of a proforma, invoice or credit note, in its customer's document language.

    This renders every time (seconds for a long document): what users download and what is
    emailed comes from pdf_archive, which renders an issued document once and keeps it."""
    return render_html_pdf(render_document_html(document))


# Renders made by this process: how tests and benchmarks see that a stored PDF was served
# rather than rendered again.
_renders_lock = threading.Lock()
_renders = 0


def renders_so_far() -> int:
    """How many PDFs this process has rendered since it started."""
    return _renders


def warm_up() -> None:
    """Parse the stylesheet and load the fonts now, in this thread, so that a worker can
    gc.freeze() them with its other start-up objects (praho/celery.py, praho/wsgi.py) and its
    first PDF costs what the others do."""
    html = weasyprint.HTML(string="<p>PRAHO ă â î ș ț Б <b>0</b></p>", url_fetcher=LocalOnlyURLFetcher())
    html.render(stylesheets=[_stylesheet()], font_config=_font_config()).write_pdf()


# The cyclic collector is paused while a PDF is made. A render leaves about 13,000 objects in
# reference cycles (WeasyPrint's boxes, styles and element wrappers) among the many it allocates.
# Left running, the collector ran some twenty young collections per render, moved those objects
# to the older generations, and every eighth render or so paid a full collection of the whole
# process (~100 ms; the p95 of bench/billing.py). Paused, they all stay young, and one
# collection of the young generations after the render frees the cycles (~5 ms) without
# scanning the long-lived objects. The pause is counted so that overlapping renders in other
# threads resume it only when the last one ends; other threads merely defer their collections
# for the length of a render.
_pause_lock = threading.Lock()
_pause_depth = 0
_resume_collector = False


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    global _pause_depth, _resume_collector
    with _pause_lock:
        if _pause_depth == 0:
            _resume_collector = gc.isenabled()
            gc.disable()
        _pause_depth += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pause_depth -= 1
            resume = _pause_depth == 0 and _resume_collector
            if resume:
                gc.enable()
        if resume:
            gc.collect(1)
