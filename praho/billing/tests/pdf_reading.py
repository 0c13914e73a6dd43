"""Reading the HTML a PDF is made from (pdf.render_document_html): text per element class and
the cells of each table's rows. Neither pypdf nor pdfminer is installed; the PDF tests check
the printed content here and the PDF itself on its pages and fonts."""

from __future__ import annotations

import re
from html.parser import HTMLParser


def nb(text: str) -> str:
    """Amounts print with a no-break space before the currency code (and between groups in bg)."""
    return text.replace(" ", "\xa0")


# --- reading the rendered HTML -----------------------------------------------------------

_VOID = {"br", "meta", "img", "hr", "link", "input"}
_BLOCKS = {"td", "th", "tr", "p", "div", "li", "h1", "h2", "table", "figcaption"}


class _Reader(HTMLParser):
    """Text per element class, and the cells of every table row by table class."""

    def __init__(self) -> None:
        super().__init__()
        self.by_class: dict[str, list[str]] = {}
        self.rows: dict[str, list[list[str]]] = {}
        self._open: list[tuple[str, list[str], list[str]]] = []  # (tag, classes, pieces)
        self._tables: list[str] = []
        self._cells: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self._text("\x00")
        if tag in _VOID:
            return
        if tag in _BLOCKS:
            self._text(" ")  # adjacent cells and blocks read as separate words
        classes = (dict(attrs).get("class") or "").split()
        self._open.append((tag, classes, []))
        if tag == "table":
            self._tables.append(" ".join(classes))
        elif tag == "tr":
            self._cells = []
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        open_tag, classes, pieces = self._open.pop()
        assert open_tag == tag, (open_tag, tag)
        for css_class in classes:
            self.by_class.setdefault(css_class, []).append(_clean("".join(pieces)))
        if tag == "table":
            self._tables.pop()
        elif tag == "tr" and self._cells is not None:
            self.rows.setdefault(self._tables[-1], []).append(self._cells)
            self._cells = None
        elif tag in ("td", "th") and self._cell is not None and self._cells is not None:
            self._cells.append(_clean("".join(self._cell)))
            self._cell = None

    def handle_data(self, data: str) -> None:
        self._text(data)

    def _text(self, data: str) -> None:
        for _tag, _classes, pieces in self._open:
            pieces.append(data)
        if self._cell is not None:
            self._cell.append(data)


def _clean(text: str) -> str:
    # Collapse source whitespace but keep no-break spaces; <br> becomes a newline.
    return re.sub(r" ?\x00 ?", "\n", re.sub(r"[ \t\r\n]+", " ", text).strip())


def read(html: str) -> _Reader:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader
