"""Recording usage as billed (praho.recurring.services.usage.record_usage): charges and their
samples in bulk, zero charges kept so their period is done, the audit event, and a second
recording of the same charges refused by the database so the run's transaction rolls back."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from praho.audit.models import AuditEvent
from praho.core.transactions import service_transaction
from praho.recurring.models import BilledSample, UsageCharge
from praho.recurring.services.usage import pending_usage, record_usage, record_usages
from praho.recurring.tests.usage_fixtures import (  # noqa: F401 (fixtures)
    GB,
    billing_ready,
    daily,
    metered,
    renewal_document,
    service,
    shop,
    vps,
)

D = Decimal
pytestmark = pytest.mark.django_db


def test_charges_and_their_samples_are_written_in_bulk(
    carol_customer, vps, renewal_document, django_assert_num_queries
):
    bandwidth = metered(vps, included=D("100"), unit_price=D("0.5"))
    hours = metered(vps, "vm_hours", unit_price=D("0.01"))
    svc = service(carol_customer, vps, anchor=date(2027, 1, 1))
    daily(svc, date(2027, 1, 1), date(2027, 1, 31), bandwidth_per_day=GB)  # 31 GB: within the 100
    pending = pending_usage([svc], on=date(2027, 2, 1))[svc.pk]

    @service_transaction
    def billing_run() -> None:  # the run's transaction: the audit chain is linked at its end
        # A savepoint, the charges, their samples, the audit event, the savepoint released.
        with django_assert_num_queries(5):
            record_usage(pending=pending, document=renewal_document)

    billing_run()
    charges = {charge.item_id: charge for charge in UsageCharge.objects.all()}
    zero = charges[bandwidth.pk]
    assert (zero.quantity, zero.billed_quantity, zero.net_amount) == (D("31"), D("0"), D("0"))
    assert (zero.period_number, zero.period_start, zero.period_end) == (
        0,
        date(2027, 1, 1),
        date(2027, 1, 31),
    )
    assert (charges[hours.pk].quantity, charges[hours.pk].net_amount) == (D("744"), D("7.44"))
    assert {charge.document_id for charge in charges.values()} == {renewal_document.pk}
    assert BilledSample.objects.filter(charge=zero).count() == 31
    assert BilledSample.objects.filter(charge=charges[hours.pk]).count() == 31
    event = AuditEvent.objects.get(action="recurring.usage_billed")
    assert event.object_id == str(renewal_document.pk)
    assert [c["net"] for c in event.data["charges"]] == ["0", "7.44"]


def test_nothing_to_record_writes_nothing(renewal_document, django_assert_num_queries):
    with django_assert_num_queries(2):  # the savepoint opened and released
        assert record_usage(pending=[], document=renewal_document) == []
    assert not AuditEvent.objects.filter(action="recurring.usage_billed").exists()


def test_recording_the_same_charges_twice_fails_and_rolls_the_run_back(carol_customer, vps, renewal_document):
    """Two runs that computed the same charges (one beside the other, or one resumed): the second
    fails on the unique constraints, and its transaction (here the block around it, as the run's
    per-customer transaction) rolls back with everything it wrote."""
    metered(vps, "vm_hours", unit_price=D("1"))
    svc = service(carol_customer, vps, anchor=date(2027, 1, 1))
    daily(svc, date(2027, 1, 1), date(2027, 1, 31))
    pending = pending_usage([svc], on=date(2027, 2, 1))[svc.pk]
    record_usage(pending=pending, document=renewal_document)

    def second_run() -> None:
        with transaction.atomic():
            renewal_document.notes = "written by the second run"
            renewal_document.save(update_fields=["notes"])
            record_usage(pending=pending, document=renewal_document)

    with pytest.raises(IntegrityError):
        second_run()
    renewal_document.refresh_from_db()
    assert renewal_document.notes == ""
    assert UsageCharge.objects.count() == 1
    assert BilledSample.objects.count() == 31


def test_a_sample_is_billed_once_per_item_even_by_another_period(carol_customer, vps, renewal_document):
    """The (sample, item) constraint holds on its own: a charge for a different period that
    claims an already billed sample is refused too."""
    metered(vps, "vm_hours", unit_price=D("1"))
    svc = service(carol_customer, vps, anchor=date(2027, 1, 1))
    daily(svc, date(2027, 1, 1), date(2027, 2, 28))
    [january] = pending_usage([svc], on=date(2027, 2, 1))[svc.pk]
    [february] = [c for c in pending_usage([svc], on=date(2027, 3, 1))[svc.pk] if c.period.number == 1]
    record_usage(pending=[january], document=renewal_document)
    stolen = type(february)(
        february.service,
        february.item,
        february.period,
        february.quantity,
        february.rating,
        january.sample_ids,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        record_usage(pending=[stolen], document=renewal_document)
    assert UsageCharge.objects.count() == 1


def test_a_run_chunk_records_several_documents_in_three_queries(
    carol_customer, dave_customer, vps, bill_billing, django_assert_num_queries
):
    from praho.billing.services.drafts import create_document

    metered(vps, "vm_hours", unit_price=D("1"))
    services, documents = [], []
    for customer in (carol_customer, dave_customer):
        svc = service(customer, vps, anchor=date(2027, 1, 1))
        daily(svc, date(2027, 1, 1), date(2027, 1, 31))
        services.append(svc)
        line = {"description": "VPS", "quantity": "1", "unit_code": "MON", "unit_price": "1"}
        documents.append(
            create_document(actor=bill_billing, document_type="proforma", customer=customer, lines=[line])
        )
    pending = pending_usage(services, on=date(2027, 2, 1))

    @service_transaction
    def billing_run() -> None:
        # A savepoint, the charges, their samples, the audit events, the savepoint released.
        with django_assert_num_queries(5):
            record_usages(
                billed=[
                    (document, pending[svc.pk]) for document, svc in zip(documents, services, strict=True)
                ]
                + [(documents[0], [])]
            )

    billing_run()
    assert sorted(UsageCharge.objects.values_list("document_id", flat=True)) == sorted(
        d.pk for d in documents
    )
    assert BilledSample.objects.count() == 62
    assert AuditEvent.objects.filter(action="recurring.usage_billed").count() == 2
