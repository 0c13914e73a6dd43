from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from praho.billing.rules.totals import LineInput, VatGroup, business_rule_violations, compute_totals

D = Decimal


def test_each_line_is_rounded_once_and_vat_once_per_category_and_rate():
    totals = compute_totals(
        [
            LineInput(D("3"), D("33.3333"), "S", D("21")),  # 99.9999 -> 100.00
            LineInput(D("1"), D("10.005"), "S", D("21"), discount=D("0.50")),  # 9.505 -> 9.51
            LineInput(D("2"), D("49.99"), "S", D("11")),  # 99.98
            LineInput(D("1"), D("120"), "AE", D("0")),
        ]
    )

    assert totals.line_net_amounts == (D("100.00"), D("9.51"), D("99.98"), D("120.00"))
    assert totals.vat_breakdown == (
        VatGroup("AE", D("0"), D("120.00"), D("0.00")),
        VatGroup("S", D("21"), D("109.51"), D("23.00")),  # 22.9971
        VatGroup("S", D("11"), D("99.98"), D("11.00")),  # 10.9978
    )
    assert (totals.net_total, totals.vat_total, totals.tax_inclusive_total, totals.payable_amount) == (
        D("329.49"),
        D("34.00"),
        D("363.49"),
        D("363.49"),
    )
    assert business_rule_violations(totals) == []


def test_prepaid_amounts_reduce_what_is_payable():
    totals = compute_totals([LineInput(D("1"), D("100"), "S", D("21"))], prepaid_amount=D("21.00"))

    assert totals.payable_amount == D("100.00")


lines = st.lists(
    st.builds(
        LineInput,
        quantity=st.decimals(min_value=0, max_value=10_000, places=3),
        unit_price=st.decimals(min_value=0, max_value=100_000, places=4),
        vat_category=st.sampled_from(["S", "AE", "O", "E"]),
        vat_rate=st.sampled_from([D("21"), D("11"), D("19"), D("9"), D("5"), D("0")]),
        discount=st.decimals(min_value=0, max_value=10, places=2),
    ),
    min_size=1,
    max_size=12,
)


@given(lines)
def test_every_document_satisfies_br_co_10_to_17(document_lines):
    totals = compute_totals(document_lines)

    assert business_rule_violations(totals) == []
    assert all(amount == amount.quantize(D("0.01")) for amount in totals.line_net_amounts)
    assert totals.net_total == sum(group.taxable_amount for group in totals.vat_breakdown)
