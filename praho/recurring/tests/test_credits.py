"""Crediting part of a paid period: billing's credit note takes an exact net amount of a line
(`net_amount`), keeps the line's VAT, refuses more than is left, and the line's last credit note
still brings the invoice to zero; the line is found by what its description names."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from praho.billing.services.corrections import credit_note
from praho.recurring.services.credits import plan_credit
from praho.recurring.tests.proration_fixtures import billed_period, issued, running_service

D = Decimal


@pytest.fixture
def invoice(shop, carol_customer, alice_admin):
    return issued(
        alice_admin, carol_customer, [{"description": "VPS", "quantity": "1", "unit_price": "100.00"}]
    )


def test_an_exact_amount_is_credited_and_the_rest_adds_up(alice_admin, invoice):
    line = invoice.lines.get()
    part = credit_note(
        actor=alice_admin,
        invoice=invoice,
        lines=[
            {"line": line.pk, "quantity": D("0.6774"), "net_amount": D("67.74"), "description": "Unused days"}
        ],
    )
    [credited] = part.lines.all()
    assert (credited.net_amount, credited.description, credited.vat_rate) == (
        D("67.74"),
        "Unused days",
        line.vat_rate,
    )
    assert part.vat_total == D("14.23")  # 67.74 x 21 %
    rest = credit_note(actor=alice_admin, invoice=invoice)
    assert part.total + rest.total == invoice.total == D("121.00")
    assert rest.net_total == D("32.26")


@pytest.mark.parametrize(
    ("item", "field"),
    [
        ({"quantity": D("0.5"), "net_amount": D("100.01")}, "lines.0.net_amount"),
        ({"quantity": D("0.5"), "net_amount": D("0")}, "lines.0.net_amount"),
        ({"quantity": D("0.5"), "net_amount": D("1.005")}, "lines.0.net_amount"),
        ({"quantity": D("1"), "net_amount": D("50.00")}, "lines.0.quantity"),  # all of it for half
    ],
)
def test_more_than_is_left_is_refused(alice_admin, invoice, item, field):
    line = invoice.lines.get()
    with pytest.raises(ValidationError) as refused:
        credit_note(actor=alice_admin, invoice=invoice, lines=[{"line": line.pk, **item}])
    assert refused.value.error_dict[field][0].code == "over_credit"
    assert not invoice.credit_notes.exists()


def test_the_services_line_is_found_and_the_quantity_is_in_proportion(shop, carol_customer, alice_admin):
    service = running_service(shop, carol_customer)
    renewal = billed_period(service, 1, actor=alice_admin, other_lines=3)
    found = plan_credit(service, _period(service, 1), D("25.00"))
    assert found is not None
    assert (found.invoice.pk, found.line.description.startswith("VPS S #"), found.quantity) == (
        renewal.document_id,
        True,
        D("0.2500"),
    )
    # more than the line has left: nothing to credit it on
    assert plan_credit(service, _period(service, 1), D("100.01")) is None
    assert plan_credit(service, _period(service, 2), D("1.00")) is None  # not billed


def _period(service, number):
    from praho.catalog.cycles import period

    return period(service.billing_anchor, service.cycle, number)
