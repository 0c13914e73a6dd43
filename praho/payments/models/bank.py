"""Bank statements uploaded by staff, their credit entries as bank transactions, and how each
transaction was booked (one allocation per document it paid; one without a document for what
became customer credit). Deduplicated by the statement file's hash and each entry's key
(praho.payments.statements.entries), so the same statement, or an overlapping one, adds nothing twice."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from praho.core.money import Currency

ENTRY_KEY_MAX = 200


class BankStatement(models.Model):
    sha256 = models.CharField(_("file hash"), max_length=64, unique=True)
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    format = models.CharField(_("format"), max_length=20)
    statement_ref = models.CharField(_("statement"), max_length=255, blank=True)
    account_iban = models.CharField(_("account"), max_length=34, blank=True)
    entries = models.PositiveIntegerField(_("entries in the file"), default=0)
    transactions = models.PositiveIntegerField(_("new transactions"), default=0)
    matched = models.PositiveIntegerField(_("matched"), default=0)
    unmatched = models.PositiveIntegerField(_("unmatched"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("bank statement")
        verbose_name_plural = _("bank statements")
        permissions = [("book_bank_transaction", _("Can book bank transactions"))]

    def __str__(self) -> str:
        return self.statement_ref or self.filename or f"#{self.pk}"


class TransactionStatus(models.TextChoices):
    PROPOSED = "proposed", _("Match proposed")  # a document found; staff confirm
    UNMATCHED = "unmatched", _("Unmatched")  # nothing found; staff choose
    BOOKED = "booked", _("Booked")
    IGNORED = "ignored", _("Ignored")  # not a customer's payment (interest, an own transfer)


class MatchRule(models.TextChoices):
    NUMBER = "number", _("Document number in the remittance")
    NUMBER_OTHER_AMOUNT = "number_other_amount", _("Document number, another amount")
    NUMBER_OTHER_CURRENCY = "number_other_currency", _("Document number, another currency")
    IBAN_AMOUNT = "iban_amount", _("Payer's account and amount")
    NAME_AMOUNT = "name_amount", _("Payer's name and amount")
    CUSTOMER_AMOUNT = "customer_amount", _("Customer and amount, several documents")


class BankTransaction(models.Model):
    statement = models.ForeignKey(BankStatement, on_delete=models.PROTECT, related_name="+")
    entry_key = models.CharField(_("entry key"), max_length=ENTRY_KEY_MAX, unique=True)
    account_iban = models.CharField(_("account"), max_length=34)
    booking_date = models.DateField(_("booking date"))
    value_date = models.DateField(_("value date"), null=True, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    payer_name = models.CharField(_("payer"), max_length=140, blank=True)
    payer_iban = models.CharField(_("payer's account"), max_length=34, blank=True)
    remittance = models.CharField(_("remittance information"), max_length=500, blank=True)
    bank_reference = models.CharField(_("bank reference"), max_length=128, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=TransactionStatus.choices)
    # What matching found: the document (proposed, or booked automatically) and its customer.
    document = models.ForeignKey(
        "billing.Document", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confidence = models.PositiveSmallIntegerField(_("confidence"), default=0)
    rule = models.CharField(_("matched by"), max_length=32, choices=MatchRule.choices, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    booked_at = models.DateTimeField(_("booked"), null=True, blank=True)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("bank transaction")
        verbose_name_plural = _("bank transactions")
        indexes = [
            models.Index(fields=["status", "-booking_date", "-id"], name="payments_banktx_queue"),
            models.Index(fields=["statement", "status"], name="payments_banktx_statement"),
            models.Index(fields=["payer_iban"], condition=~Q(payer_iban=""), name="payments_banktx_payer"),
        ]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payments_banktx_positive")]

    def __str__(self) -> str:
        return f"{self.booking_date} {self.amount} {self.currency} {self.payer_name}"


class BankAllocation(models.Model):
    """Part of a transaction booked on one document (or, without one, as customer credit)."""

    transaction = models.ForeignKey(BankTransaction, on_delete=models.PROTECT, related_name="allocations")
    document = models.ForeignKey(
        "billing.Document", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)  # in the transfer's currency
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    # The document's currency per unit of the transfer's (BNR, the booking date) when they differ.
    rate = models.DecimalField(_("rate"), max_digits=18, decimal_places=8, null=True, blank=True)
    payment = models.ForeignKey("billing.Payment", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("bank allocation")
        verbose_name_plural = _("bank allocations")

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"
