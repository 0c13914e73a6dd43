"""Issuing many invoices in one transaction (issue_documents): the same result as one by one."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Sum

from praho.audit.integrity import verify_chain
from praho.audit.models import AuditEvent
from praho.billing.models import Document, LedgerEntry, LedgerTransaction
from praho.billing.services import fx
from praho.billing.services.drafts import create_document
from praho.billing.services.issuing import issue_document
from praho.billing.services.issuing_batch import issue_documents
from praho.customers.services.customers import create_customer

D = Decimal
HOSTING = {"description": "Web hosting Business", "quantity": "1", "unit_code": "MON", "unit_price": "49.99"}
DOMAIN = {"description": "Domain example.ro", "quantity": "1", "unit_code": "ANN", "unit_price": "45.00"}
BACKUP = {"description": "Backup 50 GB", "quantity": "3", "unit_code": "MON", "unit_price": "9.90"}
BOOK = DOMAIN | {"vat_rate": "11.00", "vat_override_reason": "Book sold with the plan"}
# Compared between the two ways of issuing: every field issuing sets, and the amounts.
DOCUMENT_FIELDS = (
    "pk",
    "status",
    "series_id",
    "number",
    "sequence",
    "issued_at",
    "buyer",
    "seller_id",
    "customer_profile_id",
    "mentions",
    "exchange_rate",
    "vat_total_ron",
    "net_total",
    "vat_total",
    "total",
)


class UndoOneByOneError(Exception):
    """Undoes the one-by-one issue so the same drafts can be issued again as a batch."""


@pytest.fixture
def frozen_day():
    with time_machine.travel(datetime.datetime(2026, 3, 10, 10, tzinfo=datetime.UTC), tick=False):
        yield datetime.date(2026, 3, 10)


@pytest.fixture
def muster_gmbh(alice_admin, fake_vies):
    """An EU business with a VAT number VIES confirms: reverse charge."""
    fake_vies.register("DE136695976")
    return create_customer(
        actor=alice_admin,
        kind="company",
        name="Muster GmbH",
        country="DE",
        tax_id="DE136695976",
        address={"street": "Hauptstr. 1", "city": "Berlin", "country": "DE"},
    )


@pytest.fixture
def no_address(alice_admin):
    return create_customer(actor=alice_admin, kind="individual", name="Ion Popescu", country="RO")


def _draft(actor, customer, lines=(HOSTING, DOMAIN, BACKUP), **values):
    return create_document(
        actor=actor, document_type="invoice", customer=customer, lines=list(lines), **values
    )


def _mixed_drafts(actor, carol_customer, dave_customer, muster_gmbh, frozen_day):
    """Invoices whose ids do not follow their dates, in RON and EUR, with an override and
    a reverse charge, for three customers."""
    fx.set_manual_rate(actor=actor, currency="EUR", on=frozen_day - datetime.timedelta(days=3), rate="4.9771")
    day = datetime.timedelta(days=1)
    return [
        _draft(actor, carol_customer, issue_date=frozen_day),
        _draft(actor, dave_customer, issue_date=frozen_day - 2 * day, currency="EUR"),
        _draft(actor, muster_gmbh, issue_date=frozen_day - day),
        _draft(actor, carol_customer, lines=(HOSTING, BOOK), issue_date=frozen_day - 2 * day),
        _draft(actor, dave_customer, issue_date=frozen_day - day, currency="EUR", tax_point_date=frozen_day),
    ]


def _outcome(ids):
    """Everything issuing writes about these documents, minus row ids that sequences give."""
    documents = [
        {field: getattr(document, field) for field in DOCUMENT_FIELDS}
        for document in Document.objects.filter(pk__in=ids).order_by("sequence")
    ]
    transactions = [
        (
            txn.idempotency_key,
            txn.kind,
            txn.currency,
            txn.occurred_on,
            txn.customer_id,
            txn.document_id,
            txn.created_by_id,
            txn.memo,
            sorted(
                (e.account, e.currency, e.customer_id, e.document_id, e.debit, e.credit)
                for e in txn.entries.all()
            ),
        )
        for txn in LedgerTransaction.objects.filter(document__in=ids).order_by("document__sequence")
    ]
    events = [
        (
            e.action,
            e.actor_id,
            e.actor_repr,
            e.object_type,
            e.object_id,
            e.object_repr,
            e.data,
            e.created_at,
            e.prev_hash,
            e.hash,
        )
        for e in AuditEvent.objects.filter(action="billing.invoice_issued").order_by("id")
    ]
    return documents, transactions, events


def test_a_batch_gives_what_issuing_one_by_one_gives(
    billing_ready, frozen_day, bill_billing, carol_customer, dave_customer, muster_gmbh
):
    drafts = _mixed_drafts(bill_billing, carol_customer, dave_customer, muster_gmbh, frozen_day)
    ids = [draft.pk for draft in drafts]
    one_by_one_order = sorted(drafts, key=lambda draft: (draft.issue_date, draft.pk))
    try:
        with transaction.atomic():
            for draft in one_by_one_order:
                issue_document(actor=bill_billing, document=draft)
            expected = _outcome(ids)
            raise UndoOneByOneError
    except UndoOneByOneError:
        pass
    assert set(Document.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"draft"}

    issued = issue_documents(actor=bill_billing, documents=drafts)

    assert [document.pk for document in issued] == [draft.pk for draft in one_by_one_order]
    assert [document.number for document in issued] == [f"PRH-2026-{n:06d}" for n in range(1, 6)]
    assert _outcome(ids) == expected
    # The cases the set is made of did happen.
    by_id = {document.pk: document for document in issued}
    assert by_id[drafts[1].pk].vat_total_ron == D("130.30")  # 26.18 EUR of VAT x 4.9771
    assert any("Reverse charge" in mention for mention in by_id[drafts[2].pk].mentions)
    assert verify_chain().intact


def test_the_ledger_balances_and_the_chain_verifies_after_a_batch(
    billing_ready, frozen_day, bill_billing, carol_customer, dave_customer
):
    drafts = [_draft(bill_billing, customer) for customer in (carol_customer, dave_customer) * 3]

    issue_documents(actor=bill_billing, documents=drafts)

    sums = LedgerEntry.objects.aggregate(debit=Sum("debit"), credit=Sum("credit"))
    assert sums["debit"] == sums["credit"] == 6 * D("150.87")  # 124.69 + 26.18 of VAT, each
    assert LedgerTransaction.objects.filter(kind="invoice_issued").count() == 6
    receivable = LedgerEntry.objects.filter(account="receivable", customer=carol_customer).aggregate(
        total=Sum("debit")
    )
    assert receivable["total"] == 3 * D("150.87")
    report = verify_chain()
    assert report.intact
    assert report.checked == AuditEvent.objects.count()


def _refused(call, **kwargs):
    with pytest.raises(ValidationError) as failure:
        call(**kwargs)
    return failure.value.message_dict


def test_a_batch_with_an_issued_invoice_is_refused_whole(
    billing_ready, frozen_day, bill_billing, carol_customer
):
    drafts = [_draft(bill_billing, carol_customer) for _ in range(3)]
    already = issue_document(actor=bill_billing, document=drafts[1])
    ledger_before = LedgerTransaction.objects.count()

    errors = _refused(issue_documents, actor=bill_billing, documents=drafts)

    assert errors == {"documents": ["PRH-2026-000001 was already issued."]}
    assert Document.objects.filter(pk__in=[drafts[0].pk, drafts[2].pk], status="draft").count() == 2
    assert LedgerTransaction.objects.count() == ledger_before
    assert AuditEvent.objects.filter(action="billing.invoice_issued").count() == 1
    assert already.number == "PRH-2026-000001"
    assert issue_document(actor=bill_billing, document=drafts[0]).number == "PRH-2026-000002"


def test_a_batch_with_a_customer_without_address_is_refused_and_takes_no_number(
    billing_ready, frozen_day, bill_billing, carol_customer, no_address
):
    drafts = [_draft(bill_billing, carol_customer), _draft(bill_billing, no_address, lines=[DOMAIN])]

    errors = _refused(issue_documents, actor=bill_billing, documents=drafts)

    assert errors == {
        "documents": [
            f"Invoice #{drafts[1].pk}: The customer has no billing address; "
            "the law requires the buyer's address on the document."
        ]
    }
    assert set(Document.objects.filter(pk__in=[d.pk for d in drafts]).values_list("status", "number")) == {
        ("draft", "")
    }
    assert not LedgerTransaction.objects.exists()
    assert not AuditEvent.objects.filter(action="billing.invoice_issued").exists()
    assert issue_document(actor=bill_billing, document=drafts[0]).number == "PRH-2026-000001"


def test_only_invoices_are_issued_in_batches(billing_ready, frozen_day, bill_billing, carol_customer):
    invoice = _draft(bill_billing, carol_customer)
    proforma = create_document(
        actor=bill_billing, document_type="proforma", customer=carol_customer, lines=[DOMAIN]
    )

    errors = _refused(issue_documents, actor=bill_billing, documents=[invoice, proforma])

    assert errors == {
        "documents": [f"Proforma #{proforma.pk} is not an invoice; only invoices are issued in batches."]
    }
    assert Document.objects.get(pk=invoice.pk).status == "draft"
    assert issue_documents(actor=bill_billing, documents=[]) == []


@pytest.mark.parametrize("count", [3, 10])
def test_a_batch_runs_the_same_queries_for_3_and_10_invoices(
    billing_ready,
    frozen_day,
    bill_billing,
    carol_customer,
    dave_customer,
    count,
    django_assert_num_queries,
):
    # The year's counter row exists, as it does for every batch but a year's first number.
    issue_document(actor=bill_billing, document=_draft(bill_billing, carol_customer))
    customers = (carol_customer, dave_customer)
    drafts = [_draft(bill_billing, customers[index % 2]) for index in range(count)]

    # Savepoint and its release (the test's transaction is the outer one), lock the drafts,
    # seller, addresses, tax profiles, lines, VAT rate (one: both are Romanian companies),
    # counter lock and two updates, the documents' UPDATEs (one executemany), ledger
    # transactions and entries, the invoices' stored amounts, their VAT breakdowns (one INSERT), the
    # events; then, linking them
    # before commit: the unlinked events read back, the chain's last one and the links (one
    # executemany). PostgreSQL also checks the deferred foreign keys and takes the chain's advisory
    # lock in one statement (SQLite has one writer anyway).
    with django_assert_num_queries(21 if connection.vendor == "postgresql" else 20):
        issued = issue_documents(actor=bill_billing, documents=drafts)

    assert [d.number for d in issued] == [f"PRH-2026-{n:06d}" for n in range(2, count + 2)]
