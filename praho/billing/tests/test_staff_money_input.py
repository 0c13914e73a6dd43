"""What the staff payment page and payments.record_payment take (issue 11): each refusal is
shown next to its field, with nothing saved."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from praho.billing.services.payments import record_payment
from praho.billing.tests.factories import issued_invoice
from praho.billing.tests.test_staff_money import NOW, errors_of, money_state, pay_url, payment_post

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture(autouse=True)
def _monday_noon():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def billing(staff_client, bill_billing):
    return staff_client(bill_billing)


def refused_payment(billing, customer, **changes: str) -> dict[str, list[str]]:
    invoice = issued_invoice(customer)
    before = money_state()

    response = billing.post(pay_url(invoice), payment_post(**changes))

    assert response.status_code == 200
    assert money_state() == before
    return errors_of(response)


# --- Numbers (item 19) -----------------------------------------------------------------------


@pytest.mark.parametrize("amount", ["\uff11\uff12", "\u0661\u0662", "1_000", "1e3", "--5"])
def test_an_amount_that_is_not_plain_ascii_is_refused(billing, billing_ready, carol_customer, amount):
    assert refused_payment(billing, carol_customer, amount=amount) == {
        "amount": ["Enter a number, such as 121.00."]
    }


@pytest.mark.parametrize("amount", ["121,00", "121.00", "1 21,00", "0.121,00"])
def test_an_amount_as_staff_type_it_is_taken(billing, billing_ready, carol_customer, amount):
    invoice = issued_invoice(carol_customer)

    response = billing.post(pay_url(invoice), payment_post(amount=amount))

    assert response.status_code == 302


# --- Amounts that fit their columns (item 14) ------------------------------------------------


def test_an_amount_beyond_its_column_is_refused(billing, billing_ready, carol_customer):
    assert refused_payment(billing, carol_customer, amount="1000000000000,00") == {
        "amount": ["Enter at most 999999999999.99."]
    }


def test_pages_summing_payments_beyond_14_digits_are_shown(billing, billing_ready, carol_customer):
    invoice = issued_invoice(carol_customer)
    for reference in ("OP 1", "OP 2"):
        response = billing.post(pay_url(invoice), payment_post(amount="999999999999,99", reference=reference))
        assert response.status_code == 302

    payments = billing.get("/staff/billing/payments/", {"currency": "RON"})
    account = billing.get(f"/staff/billing/customers/{carol_customer.pk}/")

    assert (payments.status_code, account.status_code) == (200, 200)
    assert payments.context["sums"] == [{"currency": "RON", "count": 2, "total": D("1999999999999.98")}]
    assert "1,999,999,999,999.98\u00a0RON" in payments.content.decode()


# --- Dates in range (item 8) -----------------------------------------------------------------


@pytest.mark.parametrize("day", ["0001-01-01", "1999-12-31"])
def test_a_payment_date_out_of_range_is_refused(billing, billing_ready, carol_customer, day):
    assert refused_payment(billing, carol_customer, received_on=day) == {
        "received_on": ["Enter a date between 2000-01-01 and 2099-12-31."]
    }


def test_the_service_refuses_a_payment_date_out_of_range(billing_ready, carol_customer, bill_billing):
    invoice = issued_invoice(carol_customer)
    before = money_state()

    with pytest.raises(ValidationError) as failure:
        record_payment(
            actor=bill_billing,
            invoice=invoice,
            amount=D("10.00"),
            currency="RON",
            method="cash",
            reference="",
            received_on=date(1, 1, 1),
        )

    assert failure.value.message_dict == {"received_on": ["Enter a date between 2000-01-01 and 2099-12-31."]}
    assert money_state() == before


@pytest.mark.parametrize("field", ["received_from", "received_to"])
def test_a_payment_filter_date_out_of_range_is_shown_next_to_it(billing, billing_ready, field):
    response = billing.get("/staff/billing/payments/", {field: "0001-01-01"})

    assert response.status_code == 200
    assert errors_of(response)[field] == ["Enter a date between 2000-01-01 and 2099-12-31."]


def test_a_manual_rate_for_a_day_out_of_range_is_refused(staff_client, alice_admin, billing_ready):
    response = staff_client(alice_admin).post(
        "/staff/billing/rates/", {"currency": "EUR", "on": "0001-01-01", "rate": "5,0000"}
    )

    assert response.status_code == 200
    assert errors_of(response)["on"] == ["Enter a date between 2000-01-01 and 2099-12-31."]


# --- Text (item 9) ---------------------------------------------------------------------------


def test_a_reference_with_a_control_character_is_refused(billing, billing_ready, carol_customer):
    assert refused_payment(billing, carol_customer, reference="OP\x1b 77") == {
        "reference": ["Remove the control character U+001B."]
    }


def test_the_seller_name_with_a_control_character_is_refused(staff_client, alice_admin, billing_ready):
    from praho.billing.tests.test_staff_accounts import seller_post
    from praho.billing.tests.test_staff_money import SELLER_EDIT_URL

    response = staff_client(alice_admin).post(SELLER_EDIT_URL, seller_post(name="PRAHO\x07 SRL"))

    assert response.status_code == 200
    assert errors_of(response) == {"name": ["Remove the control character U+0007."]}
