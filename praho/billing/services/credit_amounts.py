"""What a credit note takes back of its invoice, to the cent (issue 11, item 6).

Rounding per line and per VAT rate means that crediting an invoice piece by piece does not add up
to the invoice by itself: 3 x 0.335 is invoiced as 1.01 + 0.21 VAT, but three credit notes of one
unit each would take 0.34 + 0.07 three times, 1.23 in all, 0.01 more than was invoiced. So:

- a line credited in part takes its quantity at the invoice's price, less its share of the line's
  discount, as before, but never more than is left of the line's net amount;
- a line credited to the end takes exactly what is left of its net amount: the invoice's price
  with the rounding difference as its discount, or, when that would need a negative discount, the
  unit price that gives it;
- each VAT rate takes its VAT as usual (taxable amount x rate, BR-CO-17), never more than is left
  of the invoice's VAT at that rate; once its last line is credited to the end, it takes exactly
  what is left. The same holds for the VAT in RON, at the invoice's exchange rate.

What is left is read from the invoice's stored VAT breakdown (models.breakdown) less the breakdowns
of its issued credit notes, and from its lines less the issued credit lines, so the last credit note
always brings the invoice to zero, per line and per rate. EN 16931 allows the VAT of a rate to
differ from taxable amount x rate by less than one unit (BR-CO-17, BR-S-09); the difference here is
a cent at most per rate.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from django.db.models import QuerySet, Sum

from praho.billing.models import Document, DocumentLine, DocumentStatus, VatSubtotal
from praho.billing.services import fx
from praho.core.money import CENT, round_money

ZERO = Decimal("0.00")
PRICE_QUANTUM = Decimal("0.0001")  # unit prices have 4 decimals
Rate = tuple[str, Decimal]  # (VAT category, rate)


@dataclass(frozen=True)
class LineLeft:
    quantity: Decimal
    net_amount: Decimal


@dataclass(frozen=True)
class Share:
    """One row of a credit note's VAT breakdown."""

    category: str
    rate: Decimal
    taxable_amount: Decimal
    vat_amount: Decimal
    vat_amount_ron: Decimal | None


def _issued_credit_lines(invoice: Document) -> QuerySet[DocumentLine]:
    return DocumentLine.objects.filter(credited_line__document=invoice).exclude(
        document__status=DocumentStatus.DRAFT
    )


def lines_left(invoice: Document) -> dict[int, LineLeft]:
    """Per line of the invoice, the quantity and net amount its issued credit notes have not taken."""
    taken = {
        row["credited_line"]: (row["quantity"], row["net"])
        for row in _issued_credit_lines(invoice)
        .order_by()
        .values("credited_line")
        .annotate(quantity=Sum("quantity"), net=Sum("net_amount"))
    }
    left = {}
    for line in invoice.lines.all():
        quantity, net = taken.get(line.pk, (Decimal("0"), ZERO))
        # Quantized: SQLite's sums come back with 15 decimals, which a credit note's quantity refuses.
        left[line.pk] = LineLeft(
            (line.quantity - quantity).quantize(PRICE_QUANTUM), (line.net_amount - net).quantize(CENT)
        )
    return left


def credited_line_amounts(line: DocumentLine, quantity: Decimal, left: LineLeft) -> tuple[Decimal, Decimal]:
    """(unit price, discount) of the credit line that takes `quantity` of `line`, given what is left."""
    if quantity == left.quantity:
        return _giving(quantity, line.unit_price, left.net_amount)
    discount = round_money(line.discount * quantity / line.quantity)
    if round_money(quantity * line.unit_price - discount) <= left.net_amount:
        return line.unit_price, discount
    return _giving(quantity, line.unit_price, left.net_amount)


def amounts_giving(quantity: Decimal, price: Decimal, net: Decimal) -> tuple[Decimal, Decimal]:
    """A unit price and a non-negative discount whose line amount for `quantity` rounds to `net`."""
    return _giving(quantity, price, net)


def _giving(quantity: Decimal, price: Decimal, net: Decimal) -> tuple[Decimal, Decimal]:
    """A unit price and a non-negative discount (2 decimals) whose line amount rounds to `net`:
    the given price if a discount can do it, else the price that gives `net` with at most a
    rounding discount."""
    found = _discount_for(quantity, price, net)
    if found is not None:
        return price, found
    exact = (net / quantity).quantize(PRICE_QUANTUM, rounding=ROUND_CEILING)
    found = _discount_for(quantity, exact, net)
    if found is None:  # quantity x exact >= net by construction, so a discount exists
        raise ArithmeticError(f"No discount brings {quantity} x {exact} to {net}.")
    return exact, found


def _discount_for(quantity: Decimal, price: Decimal, net: Decimal) -> Decimal | None:
    gross = quantity * price
    guess = round_money(gross - net)
    for discount in (guess - CENT, guess, guess + CENT):
        if discount >= 0 and round_money(gross - discount) == net:
            return discount
    return None


def credit_breakdown(invoice: Document, note_lines: Sequence[DocumentLine]) -> list[Share]:
    """The VAT breakdown of a credit note of `invoice` made of `note_lines` (each with its
    credited_line_id and final net amount), per the rules in the module docstring."""
    left = lines_left(invoice)
    invoice_lines = {line.pk: line for line in invoice.lines.all()}
    taxable: dict[Rate, Decimal] = defaultdict(lambda: ZERO)
    credited_quantity: dict[int, Decimal] = defaultdict(lambda: Decimal("0"))
    for line in note_lines:
        taxable[_rate(line.vat_category, line.vat_rate)] += line.net_amount
        if line.credited_line_id is not None:
            credited_quantity[line.credited_line_id] += line.quantity
    vat_left, ron_left = _vat_left(invoice)
    exchange_rate = invoice.exchange_rate
    shares = []
    for key in sorted(taxable, key=lambda item: (item[0], -item[1])):
        category, rate = key
        in_group = [
            pk for pk, line in invoice_lines.items() if _rate(line.vat_category, line.vat_rate) == key
        ]
        final = all(left[pk].quantity - credited_quantity[pk] == 0 for pk in in_group)
        vat_amount = _share(round_money(taxable[key] * rate / 100), vat_left[key], final=final)
        ron = None
        if exchange_rate is not None:
            ron = _share(fx.ron_value(vat_amount, exchange_rate), ron_left[key], final=final)
        shares.append(Share(category, rate, taxable[key], vat_amount, ron))
    return shares


def _share(computed: Decimal, left: Decimal, *, final: bool) -> Decimal:
    if final:
        return left
    return max(min(computed, left), ZERO)


def _vat_left(invoice: Document) -> tuple[dict[Rate, Decimal], dict[Rate, Decimal]]:
    """Per rate, the VAT and RON VAT of the invoice that its issued credit notes have not taken."""
    vat_left: dict[Rate, Decimal] = defaultdict(lambda: ZERO)
    ron_left: dict[Rate, Decimal] = defaultdict(lambda: ZERO)
    for row in VatSubtotal.objects.filter(document=invoice):
        vat_left[_rate(row.category, row.rate)] += row.vat_amount
        ron_left[_rate(row.category, row.rate)] += row.vat_amount_ron or ZERO
    credited = VatSubtotal.objects.filter(document__credited_document=invoice).exclude(
        document__status=DocumentStatus.DRAFT
    )
    for row in credited:
        vat_left[_rate(row.category, row.rate)] -= row.vat_amount
        ron_left[_rate(row.category, row.rate)] -= row.vat_amount_ron or ZERO
    return vat_left, ron_left


def _rate(category: str, rate: Decimal) -> Rate:
    return category, Decimal(rate).quantize(CENT)
