"""Issuing determines each line's VAT again from the document's own dates and the buyer as it is
now (issue 11, items 2, 4, 5 and 10)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.cache import cache
from django.core.exceptions import ValidationError

from praho.audit.models import AuditEvent
from praho.billing.services import seller
from praho.billing.services.corrections import convert_proforma
from praho.billing.services.drafts import create_document, update_draft
from praho.billing.services.issuing import issue_document
from praho.billing.services.payments import record_payment
from praho.customers.models import Customer
from praho.customers.services.customers import create_customer
from praho.customers.services.lookups import check_vies

D = Decimal
HOSTING = {"description": "Web hosting Business", "quantity": "1", "unit_code": "MON", "unit_price": "100.00"}
NOW = dt.datetime(2026, 3, 10, 10, tzinfo=dt.UTC)
LAST_DAY_OF_19 = dt.date(2025, 7, 31)
FIRST_DAY_OF_21 = dt.date(2025, 8, 1)
VAT_NUMBER = "DE136695976"
VIES_DOWN = (
    "VIES could not be reached to confirm VAT number DE136695976, so reverse charge cannot be applied. "
    "Try again later, or choose this line's VAT category yourself with a reason."
)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


def _errors(call, **kwargs):
    with pytest.raises(ValidationError) as failure:
        call(**kwargs)
    return failure.value.message_dict


def _draft(actor, customer, document_type="invoice", lines=(HOSTING,), **values):
    return create_document(
        actor=actor,
        document_type=document_type,
        customer=customer,
        lines=[dict(line) for line in lines],
        **values,
    )


def _vat(document):
    return [(line.vat_category, line.vat_rate) for line in document.lines.order_by("position")]


def _issued_event(document):
    return AuditEvent.objects.get(
        action=f"billing.{document.document_type}_issued", object_id=str(document.pk)
    )


# --- Item 2: the rate of the chargeable date -------------------------------------------------


def test_a_proforma_of_the_19_percent_days_converted_now_is_invoiced_at_21_percent(
    billing_ready, bill_billing, carol_customer
):
    proforma = issue_document(
        actor=bill_billing,
        document=_draft(bill_billing, carol_customer, "proforma", issue_date=LAST_DAY_OF_19),
    )
    assert _vat(proforma) == [("S", D("19.00"))]

    invoice = convert_proforma(actor=bill_billing, proforma=proforma)

    assert (invoice.issue_date, invoice.tax_point_date) == (dt.date(2026, 3, 10), None)
    assert _vat(invoice) == [("S", D("21.00"))]
    assert (invoice.net_total, invoice.vat_total, invoice.total) == (D("100.00"), D("21.00"), D("121.00"))
    assert invoice.vat_changes == [
        {
            "position": 1,
            "from": {
                "vat_category": "S",
                "vat_rate": "19.00",
                "vat_exemption_reason_code": "",
                "vat_exemption_reason": "",
            },
            "to": {
                "vat_category": "S",
                "vat_rate": "21.00",
                "vat_exemption_reason_code": "",
                "vat_exemption_reason": "",
            },
        }
    ]
    assert _issued_event(invoice).data["vat_redetermined"] == invoice.vat_changes


def test_a_proforma_paid_in_the_19_percent_days_is_invoiced_at_19_percent_on_the_day_it_was_paid(
    billing_ready, bill_billing, carol_customer
):
    proforma = issue_document(
        actor=bill_billing,
        document=_draft(bill_billing, carol_customer, "proforma", issue_date=LAST_DAY_OF_19),
    )

    payment = record_payment(
        actor=bill_billing,
        invoice=proforma,
        amount=D("119.00"),
        currency="RON",
        method="bank_transfer",
        reference="OP 17",
        received_on=LAST_DAY_OF_19,
    )

    invoice = payment.document
    # BT-7: the advance's chargeable date is the day it was received (art. 282(2)(c)).
    assert (invoice.issue_date, invoice.tax_point_date) == (dt.date(2026, 3, 10), LAST_DAY_OF_19)
    assert _vat(invoice) == [("S", D("19.00"))]
    assert (invoice.total, invoice.outstanding_amount) == (D("119.00"), D("0.00"))
    # Due by 15 August 2025 (art. 319(16)); ANAF's 5 working days run from today's issue date.
    assert _issued_event(invoice).data["warnings"] == ["issued_late"]


def test_a_proforma_paid_today_is_invoiced_today_without_a_separate_tax_point_date(
    billing_ready, bill_billing, carol_customer
):
    proforma = issue_document(actor=bill_billing, document=_draft(bill_billing, carol_customer, "proforma"))

    payment = record_payment(
        actor=bill_billing,
        invoice=proforma,
        amount=D("121.00"),
        currency="RON",
        method="card",
        reference="",
        received_on=dt.date(2026, 3, 10),
    )

    assert (payment.document.tax_point_date, payment.document.outstanding_amount) == (None, D("0.00"))
    assert "vat_redetermined" not in _issued_event(payment.document).data


def test_a_draft_moved_into_the_21_percent_days_is_issued_at_21_percent(
    billing_ready, bill_billing, carol_customer
):
    draft = _draft(bill_billing, carol_customer, issue_date=LAST_DAY_OF_19)
    update_draft(actor=bill_billing, document=draft, issue_date=FIRST_DAY_OF_21)
    assert _vat(draft) == [("S", D("19.00"))]  # the draft keeps what it was written with

    invoice = issue_document(actor=bill_billing, document=draft)

    assert _vat(invoice) == [("S", D("21.00"))]
    assert invoice.total == D("121.00")


def test_a_draft_given_a_tax_point_in_the_19_percent_days_is_issued_at_19_percent(
    billing_ready, bill_billing, carol_customer
):
    draft = _draft(bill_billing, carol_customer, issue_date=dt.date(2025, 8, 5))
    update_draft(actor=bill_billing, document=draft, tax_point_date=dt.date(2025, 7, 30))

    invoice = issue_document(actor=bill_billing, document=draft)

    assert _vat(invoice) == [("S", D("19.00"))]
    assert (invoice.vat_total, invoice.total) == (D("19.00"), D("119.00"))
    assert list(invoice.vat_subtotals.values_list("category", "rate", "taxable_amount", "vat_amount")) == [
        ("S", D("19.00"), D("100.00"), D("19.00"))
    ]


def test_an_override_that_no_longer_holds_on_the_chargeable_date_is_refused_naming_the_line(
    billing_ready, bill_billing, carol_customer
):
    book = HOSTING | {"vat_rate": "9", "vat_override_reason": "E-book: reduced rate"}
    draft = _draft(bill_billing, carol_customer, issue_date=LAST_DAY_OF_19, lines=(book,))
    update_draft(actor=bill_billing, document=draft, issue_date=FIRST_DAY_OF_21)

    errors = _errors(issue_document, actor=bill_billing, document=draft)

    assert errors == {
        "lines.0.vat_rate": ["9.00% is not a VAT rate of RO on 2025-08-01; use one of: 21.00%, 11.00%."]
    }


# --- Items 4 and 5: reverse charge only for a VAT number VIES confirmed -----------------------


@pytest.fixture
def muster(alice_admin):
    return create_customer(
        actor=alice_admin,
        kind="company",
        name="Muster GmbH",
        country="DE",
        tax_id=VAT_NUMBER,
        address={"street": "Hauptstr. 1", "city": "Berlin", "country": "DE"},
    )


def test_reverse_charge_is_first_determined_after_vies_confirms_the_number(
    billing_ready, bill_billing, muster, fake_vies
):
    fake_vies.register(VAT_NUMBER)

    draft = _draft(bill_billing, muster, currency="RON")

    assert _vat(draft) == [("AE", D("0.00"))]
    muster.refresh_from_db()
    assert (muster.vies_status, muster.vies_reference) == ("valid", "WAPIAAAA00000001")
    assert AuditEvent.objects.filter(action="customers.vies_checked", object_id=str(muster.pk)).count() == 1
    assert fake_vies.request_count == 1
    _draft(bill_billing, muster)  # later documents reuse the stored answer
    assert fake_vies.request_count == 1


def test_a_number_vies_reports_invalid_pays_romanian_vat(billing_ready, bill_billing, muster, fake_vies):
    draft = _draft(bill_billing, muster, currency="RON")

    assert _vat(draft) == [("S", D("21.00"))]
    assert Customer.objects.get(pk=muster.pk).vies_status == "invalid"


def test_when_vies_cannot_be_reached_reverse_charge_is_refused_not_guessed(
    billing_ready, bill_billing, muster
):
    # No fake: VIES_API_URL points at a closed port.
    errors = _errors(_draft, actor=bill_billing, customer=muster)

    assert errors == {"lines.0.vat_category": [VIES_DOWN]}
    assert Customer.objects.get(pk=muster.pk).vies_status == "unchecked"


def test_when_vies_cannot_be_reached_staff_choose_the_vat_with_a_reason_which_is_audited(
    billing_ready, bill_billing, muster
):
    chosen = HOSTING | {
        "vat_category": "AE",
        "vat_rate": "0",
        "vat_override_reason": "VIES down; number checked by phone",
    }

    draft = _draft(bill_billing, muster, currency="RON", lines=(chosen,))
    invoice = issue_document(actor=bill_billing, document=draft)

    assert _vat(invoice) == [("AE", D("0.00"))]
    assert any(mention.startswith("Taxare inversă") for mention in invoice.mentions)
    drafted = AuditEvent.objects.get(action="billing.invoice_drafted")
    assert drafted.data["vat_overrides"] == [
        {
            "description": "Web hosting Business",
            "vat_category": "AE",
            "vat_rate": "0.00",
            "vat_override_reason": "VIES down; number checked by phone",
        }
    ]


def test_a_reverse_charge_draft_whose_number_turned_invalid_is_issued_with_vat_and_matching_mentions(
    billing_ready, bill_billing, alice_admin, muster, fake_vies
):
    seller.update_seller_profile(actor=alice_admin, oss_registered=True)
    fake_vies.register(VAT_NUMBER)
    draft = _draft(bill_billing, muster, currency="RON")
    assert _vat(draft) == [("AE", D("0.00"))]
    fake_vies.traders.clear()  # the number is no longer registered
    cache.clear()
    check_vies(actor=alice_admin, customer=muster)

    invoice = issue_document(actor=bill_billing, document=draft)

    assert _vat(invoice) == [("S", D("19.00"))]  # Germany's rate, under OSS
    assert (invoice.vat_total, invoice.total) == (D("19.00"), D("119.00"))
    assert invoice.mentions == ["VAT of DE, declared under the One Stop Shop (OSS) scheme."]
    assert [change["to"]["vat_category"] for change in invoice.vat_changes] == ["S"]


def test_the_staff_page_says_which_lines_issuing_changed_and_warns_of_a_late_issue(
    billing_ready, bill_billing, carol_customer, staff_client
):
    draft = _draft(bill_billing, carol_customer, issue_date=LAST_DAY_OF_19)
    update_draft(actor=bill_billing, document=draft, issue_date=FIRST_DAY_OF_21)

    response = staff_client(bill_billing).post(f"/staff/billing/documents/{draft.pk}/issue/", follow=True)

    assert [str(message) for message in response.context["messages"]] == [
        "PRH-2025-000001 was issued.",
        "Line 1: VAT determined again on issue, S 19.00% → S 21.00%.",
        "ANAF had to receive a document dated 2025-08-01 by 2025-08-08 (5 working days): it is late for "
        "e-Factura as soon as it is issued; submit it at once.",
    ]


def test_the_api_call_that_issues_says_which_lines_changed_and_warns(
    billing_ready, bill_billing, carol_customer
):
    from praho.testing.api import bearer

    draft = _draft(bill_billing, carol_customer, issue_date=LAST_DAY_OF_19)
    update_draft(actor=bill_billing, document=draft, issue_date=FIRST_DAY_OF_21)

    response = bearer(bill_billing).post(f"/api/v1/invoices/{draft.pk}/issue/")

    assert response.status_code == 200
    body = response.json()
    assert (body["number"], body["vat_total"]) == ("PRH-2025-000001", "21.00")
    assert body["vat_changes"] == [
        {
            "position": 1,
            "from": {
                "vat_category": "S",
                "vat_rate": "19.00",
                "vat_exemption_reason_code": "",
                "vat_exemption_reason": "",
            },
            "to": {
                "vat_category": "S",
                "vat_rate": "21.00",
                "vat_exemption_reason_code": "",
                "vat_exemption_reason": "",
            },
        }
    ]
    assert [warning["code"] for warning in body["warnings"]] == ["efactura_late"]
