"""Payments' panel on the staff dashboard: transfers to review, failed webhook events and open
disputes, counted; shown to staff who see bank transfers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from praho.inbox.models import EventStatus, InboundEvent
from praho.payments.models import Dispute
from praho.payments.services.bank_import import import_statement
from praho.payments.tests.bank_steps import statement

pytestmark = pytest.mark.django_db


def test_what_waits_for_billing_staff(staff_client, bill_billing, sam_sales, billing_ready):
    import_statement(
        actor=bill_billing,
        data=statement({"amount": "3.00", "reference": "A"}, {"amount": "4.00", "reference": "B"}),
    )
    InboundEvent.objects.create(
        source="stripe", event_id="evt_1", event_type="x", payload="{}", status=EventStatus.FAILED
    )
    Dispute.objects.create(
        dispute_id="dp_1", charge_id="ch_1", amount=Decimal("5.00"), currency="RON", status="needs_response"
    )
    page = staff_client(bill_billing).get("/staff/").content.decode()
    assert 'data-count="transfers">2<' in page
    assert 'data-count="failed-events">1<' in page
    assert 'data-count="disputes">1<' in page
    assert 'data-panel="payments-waiting"' not in staff_client(sam_sales).get("/staff/").content.decode()
