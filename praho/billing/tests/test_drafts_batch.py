"""Many drafts at once (drafts_batch.create_documents) and proformas issued in a batch
(issuing_batch.issue_proformas): the same documents create_document and issue_document make."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from praho.billing.models import Document, DocumentStatus
from praho.billing.services.drafts import create_document
from praho.billing.services.drafts_batch import DraftSpec, create_documents
from praho.billing.services.issuing import issue_document
from praho.billing.services.issuing_batch import issue_proformas
from praho.billing.tests.test_batch_issue import BACKUP, DOMAIN, HOSTING

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 3, 10)
COMPARED = (
    "document_type",
    "currency",
    "issue_date",
    "due_date",
    "valid_until",
    "net_total",
    "vat_total",
    "total",
    "notes",
)
LINE_FIELDS = (
    "position",
    "description",
    "quantity",
    "unit_code",
    "unit_price",
    "net_amount",
    "vat_category",
    "vat_rate",
)


@pytest.fixture(autouse=True)
def frozen_day():
    with time_machine.travel(datetime.datetime(2026, 3, 10, 10, tzinfo=datetime.UTC), tick=False):
        yield


def spec(customer, lines=(HOSTING, DOMAIN, BACKUP), **values):
    return DraftSpec(
        customer=customer,
        currency=values.get("currency", "RON"),
        issue_date=DAY,
        due_date=values.get("due_date", DAY + datetime.timedelta(days=5)),
        lines=list(lines),
        notes=values.get("notes", "Renewal"),
    )


def shape(document):
    lines = [tuple(getattr(line, f) for f in LINE_FIELDS) for line in document.lines.order_by("position")]
    return tuple(getattr(document, f) for f in COMPARED), lines


def test_batch_drafts_are_the_drafts_create_document_makes(
    billing_ready, alice_admin, carol_customer, dave_customer
):
    one = create_document(
        actor=alice_admin,
        document_type="proforma",
        customer=carol_customer,
        lines=[HOSTING, DOMAIN, BACKUP],
        issue_date=DAY,
        due_date=DAY + datetime.timedelta(days=5),
        notes="Renewal",
    )
    batch = create_documents(
        actor=alice_admin,
        document_type="proforma",
        specs=[spec(carol_customer), spec(dave_customer, [HOSTING])],
    )
    assert [d.customer for d in batch] == [carol_customer, dave_customer]
    assert shape(Document.objects.get(pk=batch[0].pk)) == shape(one)
    assert batch[1].total == Decimal("60.49")  # 49.99 and 21 % VAT
    assert all(d.status == DocumentStatus.DRAFT for d in batch)


def test_any_bad_draft_refuses_the_whole_batch_naming_it(
    billing_ready, alice_admin, carol_customer, dave_customer
):
    bad = HOSTING | {"quantity": "-1"}
    with pytest.raises(ValidationError) as refused:
        create_documents(
            actor=alice_admin,
            document_type="proforma",
            specs=[
                spec(carol_customer),
                spec(dave_customer, [bad], due_date=DAY - datetime.timedelta(days=1)),
            ],
        )
    messages = refused.value.message_dict["documents"]
    assert any("Dave Web SRL: lines.0.quantity" in m for m in messages)
    assert any("Dave Web SRL: due_date" in m for m in messages)
    assert not Document.objects.exists()


def test_proformas_issued_in_a_batch_take_consecutive_numbers_as_one_by_one(
    billing_ready, alice_admin, carol_customer, dave_customer
):
    single = issue_document(
        actor=alice_admin,
        document=create_document(
            actor=alice_admin, document_type="proforma", customer=carol_customer, lines=[HOSTING]
        ),
    )
    drafts = create_documents(
        actor=alice_admin, document_type="proforma", specs=[spec(carol_customer), spec(dave_customer)]
    )
    issued = issue_proformas(actor=alice_admin, documents=drafts)
    assert [d.sequence for d in issued] == [single.sequence + 1, single.sequence + 2]
    assert all(d.status == DocumentStatus.ISSUED and d.buyer and d.mentions is not None for d in issued)
    assert issued[0].vat_total == Decimal("26.18")  # 21 % of 124.69


def test_issue_proformas_refuses_anything_else(billing_ready, alice_admin, carol_customer):
    invoice = create_document(
        actor=alice_admin, document_type="invoice", customer=carol_customer, lines=[HOSTING]
    )
    with pytest.raises(ValidationError) as refused:
        issue_proformas(actor=alice_admin, documents=[invoice])
    assert refused.value.error_dict["documents"][0].code == "not_proforma"
