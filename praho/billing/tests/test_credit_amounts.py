"""Credit notes take back exactly what was invoiced: per line, per VAT rate, and in RON at the
invoice's rate (issue 11, items 3 and 6)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db.models import Sum
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from praho.billing.models import Document, VatSubtotal
from praho.billing.services import fx
from praho.billing.services.corrections import credit_note
from praho.billing.services.drafts import create_document
from praho.billing.services.issuing import issue_document

D = Decimal
TODAY = dt.date(2026, 3, 10)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(dt.datetime(2026, 3, 10, 10, tzinfo=dt.UTC)) as traveller:
        yield traveller


def _invoice(actor, customer, *lines, currency="RON", **values):
    return issue_document(
        actor=actor,
        document=create_document(
            actor=actor,
            document_type="invoice",
            customer=customer,
            lines=list(lines),
            currency=currency,
            **values,
        ),
    )


def _line(quantity, unit_price, **extra):
    return {
        "description": "Backup storage",
        "quantity": quantity,
        "unit_code": "H87",
        "unit_price": unit_price,
    } | extra


def _credited_totals(invoice):
    credited = Document.objects.filter(credited_document=invoice).aggregate(
        net=Sum("net_total"), vat=Sum("vat_total"), total=Sum("total")
    )
    return credited["net"], credited["vat"], credited["total"]


def _one_at_a_time(actor, invoice, units):
    line = invoice.lines.get()
    return [
        credit_note(actor=actor, invoice=invoice, lines=[{"line": line.pk, "quantity": "1"}])
        for _ in range(units)
    ]


def test_three_units_credited_one_at_a_time_add_up_to_the_invoice(
    billing_ready, bill_billing, carol_customer
):
    invoice = _invoice(bill_billing, carol_customer, _line("3", "0.335"))
    assert (invoice.net_total, invoice.vat_total, invoice.total) == (D("1.01"), D("0.21"), D("1.22"))

    notes = _one_at_a_time(bill_billing, invoice, 3)

    assert [(n.net_total, n.vat_total, n.total) for n in notes] == [
        (D("0.34"), D("0.07"), D("0.41")),
        (D("0.34"), D("0.07"), D("0.41")),
        (D("0.33"), D("0.07"), D("0.40")),  # what is left, not 0.34 again
    ]
    assert _credited_totals(invoice) == (D("1.01"), D("0.21"), D("1.22"))
    invoice.refresh_from_db()
    assert (invoice.outstanding_amount, invoice.credited_amount) == (D("0.00"), D("1.22"))


def test_the_last_of_four_units_can_be_credited_and_takes_what_is_left(
    billing_ready, bill_billing, carol_customer
):
    invoice = _invoice(bill_billing, carol_customer, _line("4", "0.335"))
    assert (invoice.net_total, invoice.vat_total, invoice.total) == (D("1.34"), D("0.28"), D("1.62"))

    notes = _one_at_a_time(bill_billing, invoice, 4)

    assert [n.total for n in notes] == [D("0.41"), D("0.41"), D("0.41"), D("0.39")]
    assert _credited_totals(invoice) == (D("1.34"), D("0.28"), D("1.62"))
    last = notes[-1].lines.get()
    # 1 x 0.335 less a 0.02 discount rounds to the 0.32 left of the line (1.34 - 3 x 0.34).
    assert (last.unit_price, last.discount, last.net_amount) == (D("0.3350"), D("0.02"), D("0.32"))


def test_a_line_whose_credits_rounded_down_is_closed_at_the_price_that_gives_what_is_left(
    billing_ready, bill_billing, carol_customer
):
    invoice = _invoice(bill_billing, carol_customer, _line("3", "0.333"))  # 0.999 invoiced as 1.00

    notes = _one_at_a_time(bill_billing, invoice, 3)

    last = notes[-1].lines.get()
    assert (last.unit_price, last.discount, last.net_amount) == (D("0.3400"), D("0.00"), D("0.34"))
    assert _credited_totals(invoice) == (invoice.net_total, invoice.vat_total, invoice.total)


def test_nothing_is_left_to_credit_after_the_last_credit_note(billing_ready, bill_billing, carol_customer):
    invoice = _invoice(bill_billing, carol_customer, _line("2", "0.335"))
    _one_at_a_time(bill_billing, invoice, 2)

    with pytest.raises(ValidationError) as refused:
        credit_note(actor=bill_billing, invoice=invoice)

    assert refused.value.message_dict == {"lines": [f"Invoice {invoice.number} is credited in full already."]}


def test_the_credit_notes_vat_breakdown_is_stored_with_it(billing_ready, bill_billing, carol_customer):
    invoice = _invoice(bill_billing, carol_customer, _line("3", "0.335"))
    first, *_rest, last = _one_at_a_time(bill_billing, invoice, 3)

    rows = VatSubtotal.objects.filter(document__in=[first, last]).order_by("document_id")
    assert list(rows.values_list("category", "rate", "taxable_amount", "vat_amount", "vat_amount_ron")) == [
        ("S", D("21.00"), D("0.34"), D("0.07"), None),
        ("S", D("21.00"), D("0.33"), D("0.07"), None),
    ]


@hypothesis_settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    quantity=st.integers(min_value=1, max_value=7),
    price=st.decimals(min_value=D("0.0001"), max_value=D("99.9999"), places=4),
    cuts=st.lists(st.integers(min_value=1, max_value=3), min_size=1, max_size=7),
    second_rate=st.booleans(),
)
def test_any_sequence_of_partial_credits_ends_exactly_at_the_invoice(
    billing_ready, bill_billing, carol_customer, quantity, price, cuts, second_rate
):
    lines = [_line(str(quantity), str(price))]
    if second_rate:
        lines.append(_line("1", str(price), vat_rate="11", vat_override_reason="E-book"))
    invoice = _invoice(bill_billing, carol_customer, *lines)
    first = invoice.lines.order_by("position").first()
    left = D(quantity)
    for cut in cuts:
        if left <= 1:
            break
        take = min(D(cut), left - 1)
        credit_note(actor=bill_billing, invoice=invoice, lines=[{"line": first.pk, "quantity": str(take)}])
        left -= take
    credit_note(actor=bill_billing, invoice=invoice)  # the rest

    assert _credited_totals(invoice) == (invoice.net_total, invoice.vat_total, invoice.total)
    by_rate = (
        VatSubtotal.objects.filter(document__credited_document=invoice)
        .values("rate")
        .annotate(taxable=Sum("taxable_amount"), vat=Sum("vat_amount"))
    )
    assert {row["rate"]: (row["taxable"], row["vat"]) for row in by_rate} == {
        row.rate: (row.taxable_amount, row.vat_amount) for row in invoice.vat_subtotals.all()
    }


# --- Item 3: a credit note converts its VAT at its invoice's rate ---------------------------


@pytest.mark.parametrize(("currency", "rate"), [("EUR", D("5.0720")), ("USD", D("4.3612"))])
def test_a_foreign_currency_credit_note_converts_its_vat_at_the_invoices_rate(
    billing_ready, bill_billing, carol_customer, currency, rate, clock
):
    fx.set_manual_rate(actor=bill_billing, currency=currency, on=TODAY, rate=str(rate))
    invoice = _invoice(bill_billing, carol_customer, _line("1", "118.52"), currency=currency)
    clock.move_to(dt.datetime(2026, 3, 16, 10, tzinfo=dt.UTC))
    fx.set_manual_rate(
        actor=bill_billing, currency=currency, on=dt.date(2026, 3, 16), rate=str(rate + D("0.0180"))
    )

    note = credit_note(actor=bill_billing, invoice=invoice)

    assert invoice.vat_total == D("24.89")
    assert (note.exchange_rate, note.vat_total, note.vat_total_ron) == (
        rate,
        D("24.89"),
        invoice.vat_total_ron,
    )
    assert invoice.vat_total_ron == fx.ron_value(D("24.89"), rate)
    assert note.vat_subtotals.get().vat_amount_ron == invoice.vat_total_ron


def test_partial_credit_notes_in_euros_take_back_the_ron_vat_declared_to_the_cent(
    billing_ready, bill_billing, carol_customer
):
    fx.set_manual_rate(actor=bill_billing, currency="EUR", on=TODAY, rate="5.0720")
    invoice = _invoice(bill_billing, carol_customer, _line("3", "0.335"), currency="EUR")

    _one_at_a_time(bill_billing, invoice, 3)

    credited_ron = Document.objects.filter(credited_document=invoice).aggregate(ron=Sum("vat_total_ron"))[
        "ron"
    ]
    assert credited_ron == invoice.vat_total_ron == D("1.07")  # 0.21 EUR x 5.0720
