"""The double-entry ledger: append-only transactions of balanced entries.

An account is not a row of its own: it is a kind (receivable, bank, revenue, ...)
in a currency, and for receivable and customer credit also a customer. Every money
movement is one `LedgerTransaction` whose entries' debits equal their credits; a
balance is always a sum over entries, never a stored number. Transactions and
entries are never changed or deleted (corrections are new transactions): the ORM
refuses it here, and on PostgreSQL the triggers of `install_append_only_triggers`
refuse it at the database. Postings are written only by `praho.billing.services.ledger`.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from praho.core.money import Currency


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete a ledger transaction or entry."""


class AccountKind(models.TextChoices):
    RECEIVABLE = "receivable", _("Receivables")  # per customer; entries name the invoice
    BANK = "bank", _("Bank")
    CASH = "cash", _("Cash")
    CARD_CLEARING = "card_clearing", _("Card clearing")
    CUSTOMER_CREDIT = "customer_credit", _("Customer credit")  # per customer; a liability
    REVENUE = "revenue", _("Revenue")
    VAT_PAYABLE = "vat_payable", _("VAT payable")


# Accounts kept per customer: their entries carry the customer.
CUSTOMER_ACCOUNTS = (AccountKind.RECEIVABLE, AccountKind.CUSTOMER_CREDIT)


class TransactionKind(models.TextChoices):
    INVOICE_ISSUED = "invoice_issued", _("Invoice issued")
    CREDIT_NOTE_ISSUED = "credit_note_issued", _("Credit note issued")
    PAYMENT_RECEIVED = "payment_received", _("Payment received")
    CREDIT_APPLIED = "credit_applied", _("Customer credit applied")
    REFUND_PAID = "refund_paid", _("Refund paid")


class _AppendOnlyQuerySet(models.QuerySet[Any]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("The ledger is append-only: post a correcting transaction instead.")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("The ledger is append-only: post a correcting transaction instead.")


class _AppendOnlyModel(models.Model):
    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows are append-only and cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError(f"{type(self).__name__} rows are append-only and cannot be deleted.")


class LedgerTransaction(_AppendOnlyModel):
    kind = models.CharField(_("kind"), max_length=32, choices=TransactionKind.choices)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    occurred_on = models.DateField(_("date"))
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="ledger_transactions",
        verbose_name=_("customer"),
    )
    # The document whose event this is: the invoice issued, the credit note issued, the
    # invoice a payment or a credit application went to.
    document = models.ForeignKey(
        "billing.Document",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_transactions",
        verbose_name=_("document"),
    )
    payment = models.ForeignKey(
        "billing.Payment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_transactions",
        verbose_name=_("payment"),
    )
    memo = models.CharField(_("memo"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # Names the business event ("invoice_issued:42"): posting the same event again finds
    # this row and changes nothing.
    idempotency_key = models.CharField(_("idempotency key"), max_length=100, unique=True)

    objects = _AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("ledger transaction")
        verbose_name_plural = _("ledger transactions")
        ordering = ("occurred_on", "id")
        indexes = [
            models.Index(fields=["customer", "currency", "occurred_on"], name="billing_ledger_txn_customer")
        ]

    def __str__(self) -> str:
        return f"{self.occurred_on} {self.get_kind_display()} {self.currency}"


class LedgerEntry(_AppendOnlyModel):
    transaction = models.ForeignKey(
        LedgerTransaction, on_delete=models.PROTECT, related_name="entries", verbose_name=_("transaction")
    )
    account = models.CharField(_("account"), max_length=32, choices=AccountKind.choices)
    # Always the transaction's currency; kept here so balances are sums over one table.
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
        verbose_name=_("customer"),
    )
    # Receivable entries name the invoice they belong to, so what an invoice still owes
    # is the sum of its receivable entries.
    document = models.ForeignKey(
        "billing.Document",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
        verbose_name=_("invoice"),
    )
    debit = models.DecimalField(_("debit"), default=0, max_digits=14, decimal_places=2)
    credit = models.DecimalField(_("credit"), default=0, max_digits=14, decimal_places=2)

    objects = _AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ("transaction", "id")
        constraints = [
            models.CheckConstraint(
                condition=(Q(debit__gt=0) & Q(credit=0)) | (Q(credit__gt=0) & Q(debit=0)),
                name="billing_entry_one_side",
            ),
            models.CheckConstraint(
                condition=Q(account__in=CUSTOMER_ACCOUNTS, customer__isnull=False)
                | (~Q(account__in=CUSTOMER_ACCOUNTS) & Q(customer__isnull=True)),
                name="billing_entry_customer_account",
            ),
            models.CheckConstraint(
                condition=Q(account=AccountKind.RECEIVABLE, document__isnull=False)
                | (~Q(account=AccountKind.RECEIVABLE) & Q(document__isnull=True)),
                name="billing_entry_receivable_document",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "account", "currency"], name="billing_entry_customer"),
            models.Index(fields=["document", "account"], name="billing_entry_document"),
            # What invoice lists sum per row (outstanding, paid), read from the index alone on
            # PostgreSQL (bench/billing_lists.py, stage I2).
            models.Index(
                fields=["document"],
                include=["debit", "credit", "transaction"],
                condition=Q(account=AccountKind.RECEIVABLE),
                name="billing_entry_receivable",
            ),
        ]

    def __str__(self) -> str:
        side = f"Dr {self.debit}" if self.debit else f"Cr {self.credit}"
        return f"{self.account} {self.currency} {side}"


APPEND_ONLY_SQL = """
CREATE OR REPLACE FUNCTION billing_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS billing_ledger_append_only ON billing_ledgertransaction;
CREATE TRIGGER billing_ledger_append_only
    BEFORE UPDATE OR DELETE ON billing_ledgertransaction
    FOR EACH ROW EXECUTE FUNCTION billing_ledger_append_only();

DROP TRIGGER IF EXISTS billing_ledger_append_only ON billing_ledgerentry;
CREATE TRIGGER billing_ledger_append_only
    BEFORE UPDATE OR DELETE ON billing_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION billing_ledger_append_only();
"""

DROP_APPEND_ONLY_SQL = """
DROP TRIGGER IF EXISTS billing_ledger_append_only ON billing_ledgerentry;
DROP TRIGGER IF EXISTS billing_ledger_append_only ON billing_ledgertransaction;
DROP FUNCTION IF EXISTS billing_ledger_append_only();
"""


def install_append_only_triggers(apps: Any, schema_editor: Any) -> None:
    """PostgreSQL: refuse UPDATE and DELETE on ledger rows.

    Shaped for a migration: `RunPython(install_append_only_triggers, remove_append_only_triggers)`.

    SQLite has no such guard; there the ORM guard above is what stands.
    """
    if schema_editor.connection.vendor == "postgresql":
        # No params: psycopg would read the "%" in RAISE as a placeholder.
        schema_editor.execute(APPEND_ONLY_SQL, params=None)


def remove_append_only_triggers(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_APPEND_ONLY_SQL, params=None)
