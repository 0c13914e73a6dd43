"""The object of an audit event is named in the viewer's language, whatever language it was
recorded in, and the stored (hashed) event is not changed."""

from __future__ import annotations

import pytest
from django.utils import translation

from praho.audit.integrity import verify_chain
from praho.audit.models import AuditEvent
from praho.billing.services.drafts import create_document

pytestmark = pytest.mark.django_db

HOSTING = {"description": "Web hosting", "quantity": "1", "unit_code": "MON", "unit_price": "100.00"}


@pytest.fixture
def romanian_draft(billing_ready, bill_billing, carol_customer):
    """A draft invoice created by someone working in Romanian: its event says "Factură #<id>"."""
    with translation.override("ro"):
        return create_document(
            actor=bill_billing, document_type="invoice", customer=carol_customer, lines=[HOSTING]
        )


@pytest.mark.parametrize(
    ("language", "label"), [("en", "Invoice #{pk}"), ("ro", "Factură #{pk}"), ("bg", "Фактура #{pk}")]
)
def test_the_audit_log_names_a_draft_in_the_viewers_language(
    staff_client, alice_admin, romanian_draft, language, label
):
    alice_admin.language = language
    alice_admin.save(update_fields=["language"])
    client = staff_client(alice_admin)
    event = AuditEvent.objects.get(action="billing.invoice_drafted")
    expected = label.format(pk=romanian_draft.pk)

    listing = client.get("/staff/audit/").content.decode()
    detail = client.get(f"/staff/audit/{event.pk}/").content.decode()

    assert event.object_repr == f"Factură #{romanian_draft.pk}"
    assert f"#{romanian_draft.pk}</span> {expected}</td>" in listing
    assert expected in detail
    assert verify_chain().intact is True


def test_a_label_that_is_not_a_draft_type_is_shown_as_stored(staff_client, alice_admin):
    from praho.audit.services import record_event

    record_event("test.custom", object_type="billing.document", object_id="7", object_repr="PRH-2026-000007")
    client = staff_client(alice_admin)

    assert "PRH-2026-000007</td>" in client.get("/staff/audit/").content.decode()
