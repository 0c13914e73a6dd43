"""Where the PDF puts the parties' labels and values, read from WeasyPrint's laid-out boxes.

A Bulgarian PDF's long labels ("Данъчен идентификатор (CUI/ДДС номер)", kept on one line) made
the seller's table wider than its column, pushing its values into the buyer's column and the
buyer's past the right margin (issue 12, item 2). Each party's labels and values now share a row
inside the party's column, wrapping there, in every document language.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from praho.billing.pdf import rendering as pdf
from praho.billing.tests.pdf_fixtures import (
    line,
    make_bulgarian_customer,
    make_document,
    make_romanian_customer,
    make_seller,
)

D = Decimal


def _boxes(box: Any) -> Iterator[Any]:
    yield box
    for child in getattr(box, "children", ()):
        yield from _boxes(child)


def _classes(box: Any) -> set[str]:
    element = getattr(box, "element", None)
    return set((element.get("class") or "").split()) if element is not None else set()


def _right(box: Any) -> float:
    return float(box.position_x + box.margin_width())


def _party_layout(document) -> dict[str, Any]:
    """The two party columns, and the label and value cells of each party's rows."""
    page = pdf.layout_document(document).pages[0]
    boxes = list(_boxes(page._page_box))
    parties = [box for box in boxes if box.element_tag == "div" and "party" in _classes(box)]
    layout: dict[str, Any] = {"parties": parties[:2]}
    for name in ("seller", "buyer"):
        table = next(box for box in boxes if box.element_tag == "table" and {"kv", name} <= _classes(box))
        rows = [box for box in _boxes(table) if box.element_tag == "tr"]
        cells = ([cell for cell in row.children if cell.element_tag in ("th", "td")] for row in rows)
        layout[name] = [row for row in cells if row]
    return layout


@pytest.fixture
def seller(db):
    return make_seller()


@pytest.mark.parametrize(("language", "buyer_rows"), [("bg", 3), ("ro", 4), ("en", 4)])
def test_each_partys_labels_and_values_share_rows_in_its_column(alice_admin, seller, language, buyer_rows):
    if language == "bg":
        customer = make_bulgarian_customer(alice_admin, trade_register_number="201234567")
    else:
        customer = make_romanian_customer(alice_admin, document_language=language)
    invoice = make_document(customer=customer, seller=seller, lines=[line("VPS M", "2", "50")])

    layout = _party_layout(invoice)

    # Seller: tax ID, trade register, address, IBAN, bank, email; buyer: the same but the bank's.
    assert (len(layout["seller"]), len(layout["buyer"])) == (6, buyer_rows)
    supplier, client = layout["parties"]
    assert _right(supplier) < client.position_x  # the columns themselves do not overlap
    for party, column in (("seller", supplier), ("buyer", client)):
        for label, value in layout[party]:
            assert (label.element_tag, value.element_tag) == ("th", "td")
            assert label.position_y == value.position_y  # on the same row
            assert label.position_x == column.position_x
            assert _right(label) <= value.position_x + 0.01  # the value beside its label
            assert _right(value) <= _right(column) + 0.01  # and inside the party's column
