"""Issuing draft invoices (or proformas) in one transaction: a billing run, the batch API, or one invoice.

issuing.issue_document issues an invoice through issue_locked() here too, so one invoice or many
take one path (issue 12).

The result is what issuing.issue_document gives each invoice, issued one by one in (issue date,
id) order: the same numbers, snapshots, VAT determined again, mentions, RON VAT, breakdowns,
ledger transactions and audit events. Work that issue_document repeats per invoice is done once
per batch: one counter update takes all the numbers, addresses, tax profiles and lines are read
for all invoices at once, rates and VAT treatments are looked up once per (currency or buyer,
date), and the rows are written with bulk statements.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connections, router
from django.utils import timezone
from django.utils.translation import gettext as _

from praho.accounts.models import User
from praho.audit.services import EventSpec, record_events
from praho.billing.locks import locked_documents
from praho.billing.models import (
    Document,
    DocumentLine,
    DocumentStatus,
    DocumentType,
    SellerProfile,
    VatSubtotal,
)
from praho.billing.rules import oss, vat
from praho.billing.rules.issue_checks import IssueWarning, refuse_future_issue_date
from praho.billing.services import fx, ledger, numbering
from praho.billing.services.buyer_vat import confirm_vat_number
from praho.billing.services.drafts import _language, _treatment, current_seller
from praho.billing.services.issuing import (
    ISSUE_FIELDS,
    announce_issued,
    apply_treatments,
    buyer_from,
    chargeable_date,
    final_treatments,
    mentions_of,
    report_issue,
    ron_total,
    vat_breakdown,
)
from praho.core.money import Currency
from praho.core.transactions import service_transaction
from praho.core.validation import FieldErrors
from praho.customers.models import Address, Customer, TaxProfile
from praho.customers.selectors import current_profiles

# issue_documents issues invoices (credit notes are issued one by one, as each one's ledger split
# depends on what its invoice still owes); issue_proformas issues proformas (recurring billing's
# renewals): numbered and frozen like invoices, not posted to the ledger.


@service_transaction
def issue_documents(*, actor: User, documents: Sequence[Document]) -> list[Document]:
    """Issue many draft invoices in one transaction: all of them, or none (see the module docstring).

    Returns the issued invoices in the order they were numbered.

    ValidationError, with nothing issued and no number taken, when any document is not a
    draft invoice or its buyer lacks what the law requires on the document.
    """
    return _issue_batch(documents, DocumentType.INVOICE, actor=actor)


@service_transaction
def issue_proformas(*, actor: User, documents: Sequence[Document]) -> list[Document]:
    """issue_documents for draft proformas: all of them numbered in one counter update, or none."""
    return _issue_batch(documents, DocumentType.PROFORMA, actor=actor)


def _issue_batch(documents: Sequence[Document], kind: str, *, actor: User) -> list[Document]:
    ids = [document.pk for document in documents]
    if not ids:
        return []
    if None in ids or len(set(ids)) != len(ids):
        raise _batch_refusal(_("Each document must be saved and in the batch once."), "duplicate")
    # Locked in numbering order; the customers are read along, not locked.
    batch = locked_documents(ids)
    _refuse_unissuable(batch, ids, kind=kind)
    return issue_locked(batch, actor=actor)


def issue_locked(batch: list[Document], *, actor: User, alone: bool = False) -> list[Document]:
    """Issue draft invoices this transaction has locked and checked (status, dates), in the order
    given: the one path of issue_documents and of issuing.issue_document for an invoice (`alone`:
    the buyer's problems are raised as issue_document words them, under "customer")."""
    seller = current_seller()
    changes, breakdowns = _snapshot_parties(batch, seller, actor, alone=alone)
    _number_batch(batch)
    _store_issues(batch)
    VatSubtotal.objects.bulk_create(
        row for document in batch if document.is_fiscal for row in breakdowns[document.pk]
    )
    threshold = _threshold_warnings(batch, breakdowns)
    ledger.post_issued_invoices([d for d in batch if d.document_type == DocumentType.INVOICE], actor=actor)
    record_events(
        [
            EventSpec(
                f"billing.{document.document_type}_issued",
                actor=actor,
                target=document,
                data=report_issue(document, changes[document.pk], threshold.get(document.pk, [])),
            )
            for document in batch
        ]
    )
    announce_issued(batch)
    return batch


def _threshold_warnings(
    batch: list[Document], breakdowns: dict[int, list[VatSubtotal]]
) -> dict[int, list[IssueWarning]]:
    """The OSS threshold's warnings for the batch's distance sales, counted once a year, batch included."""
    sales: dict[int, oss.DistanceSales] = {}
    warnings = {}
    for document in batch:
        if oss.is_distance_sale(document, breakdowns[document.pk]):
            year = document.issue_date.year
            if year not in sales:
                sales[year] = oss.distance_sales(year)
            warnings[document.pk] = oss.threshold_warnings(document, sales[year])
    return warnings


def _batch_refusal(message: str, code: str) -> ValidationError:
    return ValidationError({"documents": ValidationError(message, code=code)})


def _refuse_unissuable(batch: list[Document], ids: list[int], kind: str = DocumentType.INVOICE) -> None:
    """All problems at once, each naming its document; the batch is issued only without any."""
    errors = FieldErrors()
    found = {document.pk for document in batch}
    for missing in (pk for pk in ids if pk not in found):
        errors.add("documents", _("Document #%(id)s does not exist.") % {"id": missing}, "not_found")
    for document in batch:
        if document.document_type != kind:
            errors.add(
                "documents",
                _("%(document)s is not an invoice; only invoices are issued in batches.")
                % {"document": document}
                if kind == DocumentType.INVOICE
                else _("%(document)s is not a proforma.") % {"document": document},
                "not_invoice" if kind == DocumentType.INVOICE else "not_proforma",
            )
        elif document.status != DocumentStatus.DRAFT:
            errors.add(
                "documents", _("%(document)s was already issued.") % {"document": document}, "already_issued"
            )
        else:
            try:
                refuse_future_issue_date(document)
            except ValidationError as error:
                for one in error.error_dict["issue_date"]:
                    errors.add(
                        "documents",
                        _("%(document)s: %(problem)s") % {"document": document, "problem": one.messages[0]},
                        str(one.code),
                    )
    errors.raise_if_any()


def _snapshot_parties(
    batch: list[Document], seller: SellerProfile, actor: User, *, alone: bool = False
) -> tuple[dict[int, list[dict[str, Any]]], dict[int, list[VatSubtotal]]]:
    """Buyer, seller and customer profile snapshots, VAT determined again, mentions, RON VAT and
    VAT breakdown of every document; returns each document's VAT changes and breakdown."""
    customer_ids = {document.customer_id for document in batch}
    buyers = _buyer_snapshots(batch, customer_ids, alone=alone)
    profiles = _current_profiles(customer_ids)
    lines = _lines_by_document(batch)
    problems = {
        document.customer_id: confirm_vat_number(document.customer, actor=actor) for document in batch
    }
    treatments = Treatments(seller)
    rates: dict[tuple[str, date], Decimal] = {}
    changes: dict[int, list[dict[str, Any]]] = {}
    breakdowns: dict[int, list[VatSubtotal]] = {}
    for document in batch:
        document.buyer = buyers[document.customer_id]
        document.seller = seller
        if document.customer_id not in profiles:  # as current_profile refuses it for issue_document
            raise TaxProfile.DoesNotExist(f"{document.customer} has no tax profile")
        document.customer_profile = profiles[document.customer_id]
        language = _language(document.customer_profile)
        computed = treatments.computed(document.customer, chargeable_date(document), language)
        final = final_treatments(
            document, lines[document.pk], computed, language, problems[document.customer_id]
        )
        changes[document.pk] = apply_treatments(document, lines[document.pk], final)
        document.mentions = mentions_of(document, seller, final)
        breakdowns[document.pk] = vat_breakdown(document, lines[document.pk], rate=_rate_at(document, rates))
        document.vat_total_ron = ron_total(document, breakdowns[document.pk])
    return changes, breakdowns


def _buyer_snapshots(
    batch: list[Document], customer_ids: set[int], *, alone: bool = False
) -> dict[int, dict[str, Any]]:
    """Each customer's buyer snapshot from one query of all first billing addresses."""
    addresses: dict[int, Address] = {}
    # Lowest id first, as issuing.buyer_snapshot picks it.
    for address in Address.objects.filter(customer_id__in=customer_ids, is_billing=True).order_by("pk"):
        addresses.setdefault(address.customer_id, address)
    errors = FieldErrors()
    buyers: dict[int, dict[str, Any]] = {}
    for document in batch:
        if document.customer_id in buyers:
            continue
        try:
            buyers[document.customer_id] = buyer_from(document.customer, addresses.get(document.customer_id))
        except ValidationError as error:
            if alone:
                raise
            for one in error.error_dict["customer"]:
                errors.add(
                    "documents",
                    _("%(document)s: %(problem)s") % {"document": document, "problem": one.messages[0]},
                    str(one.code),
                )
    errors.raise_if_any()
    return buyers


def _current_profiles(customer_ids: set[int]) -> dict[int, TaxProfile]:
    """Each customer's highest tax profile version (current_profile), in one query."""
    return {
        profile.customer_id: profile for profile in current_profiles().filter(customer_id__in=customer_ids)
    }


def _lines_by_document(batch: list[Document]) -> dict[int, list[DocumentLine]]:
    lines: dict[int, list[DocumentLine]] = defaultdict(list)
    for line in DocumentLine.objects.filter(document__in=batch).order_by("document_id", "position"):
        lines[line.document_id].append(line)
    return lines


class Treatments:
    """VAT treatments looked up once per batch for each distinct buyer situation and date.

    The computed treatment depends on the seller's facts, the tax date and, of the buyer,
    only its kind, country and whether it has a valid EU VAT number (vat.determine_treatment),
    so customers alike share one lookup (and its VAT rate query).
    """

    def __init__(self, seller: SellerProfile) -> None:
        self.seller = seller
        self._computed: dict[tuple[Any, ...], vat.VatTreatment] = {}

    def computed(self, customer: Customer, on: date, language: str) -> vat.VatTreatment:
        buyer = vat.buyer_facts(customer)
        key = (buyer.kind, buyer.country, buyer.has_eu_vat_number, on, language)
        if key not in self._computed:
            self._computed[key] = _treatment(customer, self.seller, on, language)
        return self._computed[key]


def _rate_at(document: Document, rates: dict[tuple[str, date], Decimal]) -> Decimal | None:
    """issuing's BNR rate of the chargeable date, looked up once per (currency, date) of the batch."""
    if document.currency == Currency.RON:
        return None
    on = chargeable_date(document)
    if (document.currency, on) not in rates:
        rates[document.currency, on] = fx.rate_for(document.currency, on).rate
    return rates[document.currency, on]


def _number_batch(batch: list[Document]) -> None:
    """Consecutive numbers in (issue date, id) order: one counter update per fiscal year in the batch."""
    by_year: dict[int, list[Document]] = defaultdict(list)
    for document in batch:
        by_year[document.issue_date.year].append(document)
    for year in sorted(by_year):  # the batch is sorted by date: years in order, as one-by-one would
        group = by_year[year]
        series, numbers = numbering.take_default_numbers(
            document_type=group[0].document_type,
            on=group[0].issue_date,
            count=len(group),
            last_on=group[-1].issue_date,
        )
        for document, issued in zip(group, numbers, strict=True):
            document.series, document.number, document.sequence = series, issued.formatted, issued.sequence
            document.issued_at = timezone.now()
            document.status = DocumentStatus.ISSUED


def _store_issues(batch: list[Document]) -> None:
    """What issuing set, one UPDATE per row sent together (executemany), on rows locked above
    while they are still drafts.

    The statement is built once: bulk_update's CASE expressions or a queryset update per
    row cost Django more CPU per row than the database takes to run them (bench/billing.py
    --batch prints the statements' times). As in _store_issue, the draft condition stands in
    for the queryset's guard, and PostgreSQL's trigger still refuses changes to issued rows.
    """
    alias = router.db_for_write(Document)
    connection = connections[alias]
    quote = connection.ops.quote_name
    meta = Document._meta
    concrete = {field.name: field for field in meta.concrete_fields}
    fields = [concrete[name] for name in ISSUE_FIELDS]

    def column(field: Any) -> str:
        return quote(field.column)  # concrete fields always have a column

    # Quoted identifiers from the model; every value is a parameter.
    sql = "UPDATE {table} SET {values} WHERE {pk} = %s AND {status} = %s".format(  # noqa: S608
        table=quote(meta.db_table),
        values=", ".join(f"{column(field)} = %s" for field in fields),
        pk=column(meta.pk),
        status=column(concrete["status"]),
    )
    rows = [
        [field.get_db_prep_save(getattr(document, field.attname), connection) for field in fields]
        + [document.pk, DocumentStatus.DRAFT]
        for document in batch
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
        updated = cursor.rowcount
    if updated != len(batch):  # impossible under the row locks; never issue half
        raise RuntimeError(f"{len(batch) - updated} documents changed while they were being issued.")
