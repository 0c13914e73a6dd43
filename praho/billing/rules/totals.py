"""Document amounts by EN 16931: pure arithmetic on Decimals, no database.

Each line's net amount is quantity x unit price less its discount, rounded
half-up to cents (BT-131). Lines are grouped by VAT category and rate; each
group's VAT is its taxable amount x rate, rounded once (BR-CO-17). Document
totals are sums of those rounded amounts (BR-CO-10 ... BR-CO-16).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from praho.core.money import CENT, round_money

ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class LineInput:
    quantity: Decimal
    unit_price: Decimal
    vat_category: str
    vat_rate: Decimal  # percent, e.g. Decimal("21")
    discount: Decimal = ZERO  # line allowance amount (BT-136), in the document currency


@dataclass(frozen=True)
class VatGroup:
    """One row of the VAT breakdown (BG-23)."""

    category: str
    rate: Decimal
    taxable_amount: Decimal  # BT-116
    vat_amount: Decimal  # BT-117


@dataclass(frozen=True)
class Totals:
    line_net_amounts: tuple[Decimal, ...]  # BT-131 per line, in input order
    vat_breakdown: tuple[VatGroup, ...]
    net_total: Decimal  # BT-106, sum of line net amounts
    allowance_total: Decimal  # BT-107
    charge_total: Decimal  # BT-108
    tax_exclusive_total: Decimal  # BT-109
    vat_total: Decimal  # BT-110
    tax_inclusive_total: Decimal  # BT-112
    prepaid_amount: Decimal  # BT-113
    rounding_amount: Decimal  # BT-114
    payable_amount: Decimal  # BT-115


def line_net_amount(quantity: Decimal, unit_price: Decimal, discount: Decimal = ZERO) -> Decimal:
    return round_money(quantity * unit_price - discount)


def group_vat(taxable_amount: Decimal, rate: Decimal) -> Decimal:
    return round_money(taxable_amount * rate / HUNDRED)


def compute_totals(
    lines: Iterable[LineInput], *, prepaid_amount: Decimal = ZERO, rounding_amount: Decimal = ZERO
) -> Totals:
    """The amounts of a document whose lines are given; allowances and charges on the
    document level are not used by PRAHO (discounts are per line)."""
    lines = list(lines)
    nets = tuple(line_net_amount(line.quantity, line.unit_price, line.discount) for line in lines)
    taxable: dict[tuple[str, Decimal], Decimal] = defaultdict(lambda: ZERO)
    for line, net in zip(lines, nets, strict=True):
        taxable[(line.vat_category, line.vat_rate.quantize(CENT))] += net
    breakdown = tuple(
        VatGroup(category, rate, amount, group_vat(amount, rate))
        for (category, rate), amount in sorted(taxable.items(), key=lambda item: (item[0][0], -item[0][1]))
    )
    net_total = sum(nets, ZERO)
    vat_total = sum((group.vat_amount for group in breakdown), ZERO)
    tax_inclusive = net_total + vat_total
    return Totals(
        line_net_amounts=nets,
        vat_breakdown=breakdown,
        net_total=net_total,
        allowance_total=ZERO,
        charge_total=ZERO,
        tax_exclusive_total=net_total,
        vat_total=vat_total,
        tax_inclusive_total=tax_inclusive,
        prepaid_amount=prepaid_amount,
        rounding_amount=rounding_amount,
        payable_amount=tax_inclusive - prepaid_amount + rounding_amount,
    )


def business_rule_violations(totals: Totals) -> list[str]:
    """The EN 16931 calculation rules BR-CO-10 ... BR-CO-17 that the totals break (none, normally)."""
    checks = {
        "BR-CO-10": totals.net_total == sum(totals.line_net_amounts, ZERO),
        "BR-CO-11": totals.allowance_total == ZERO,
        "BR-CO-12": totals.charge_total == ZERO,
        "BR-CO-13": totals.tax_exclusive_total
        == totals.net_total - totals.allowance_total + totals.charge_total,
        "BR-CO-14": totals.vat_total == sum((group.vat_amount for group in totals.vat_breakdown), ZERO),
        "BR-CO-15": totals.tax_inclusive_total == totals.tax_exclusive_total + totals.vat_total,
        "BR-CO-16": totals.payable_amount
        == totals.tax_inclusive_total - totals.prepaid_amount + totals.rounding_amount,
        "BR-CO-17": all(
            group.vat_amount == group_vat(group.taxable_amount, group.rate) for group in totals.vat_breakdown
        ),
    }
    return [rule for rule, holds in checks.items() if not holds]
