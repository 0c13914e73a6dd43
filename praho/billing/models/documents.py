"""Proformas, invoices and credit notes, and their lines.

One table for the three kinds: they share lines, totals, parties, PDF and
e-Factura. An issued invoice or credit note never changes (see `FISCAL_FIELDS`
and the PostgreSQL trigger in billing/immutability.py); corrections are
credit notes.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from praho.core.money import Currency


def _money(verbose_name: Any, **options: Any) -> models.DecimalField[Any, Any]:
    """An amount in the document's currency: 14 digits, 2 decimals."""
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, **options)


class DocumentType(models.TextChoices):
    PROFORMA = "proforma", _("Proforma")
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")


class DocumentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ISSUED = "issued", _("Issued")
    CANCELLED = "cancelled", _("Cancelled")  # proformas only
    CONVERTED = "converted", _("Converted to invoice")  # proformas only


FISCAL_TYPES = (DocumentType.INVOICE, DocumentType.CREDIT_NOTE)


def _refusal(deleting: bool = False) -> ValidationError:
    if deleting:
        return ValidationError(_("An issued invoice or credit note is never deleted."), code="issued")
    return ValidationError(_("An issued invoice or credit note cannot be changed."), code="issued")


class DocumentQuerySet(models.QuerySet["Document"]):
    def locked(self) -> DocumentQuerySet:
        return self.filter(document_type__in=FISCAL_TYPES).exclude(status=DocumentStatus.DRAFT)

    def update(self, **kwargs: Any) -> int:
        # Bulk updates bypass save(); refuse them on issued fiscal documents too.
        if set(kwargs) & set(Document.FISCAL_FIELDS) and self.locked().exists():
            raise _refusal()
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        if self.locked().exists():
            raise _refusal(deleting=True)
        return super().delete()


class DocumentLineQuerySet(models.QuerySet["DocumentLine"]):
    def _touches_locked(self) -> bool:
        return Document.objects.filter(pk__in=self.values("document_id")).locked().exists()

    def update(self, **kwargs: Any) -> int:
        if self._touches_locked():
            raise _refusal()
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        if self._touches_locked():
            raise _refusal(deleting=True)
        return super().delete()


class Document(models.Model):
    document_type = models.CharField(_("type"), max_length=16, choices=DocumentType.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=DocumentStatus.choices, default=DocumentStatus.DRAFT
    )
    series = models.ForeignKey(
        "billing.DocumentSeries", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    number = models.CharField(_("number"), max_length=32, blank=True)
    sequence = models.PositiveIntegerField(null=True, blank=True, editable=False)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="documents", verbose_name=_("customer")
    )
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    issue_date = models.DateField(_("issue date"))
    tax_point_date = models.DateField(
        _("tax point date"),
        null=True,
        blank=True,
        help_text=_("When VAT becomes due, if not the issue date."),
    )
    due_date = models.DateField(_("due date"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)  # proformas
    # Snapshots taken when the document is issued: later edits of either party never show here.
    seller = models.ForeignKey(
        "billing.SellerProfile", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    customer_profile = models.ForeignKey(
        "customers.TaxProfile", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    buyer = models.JSONField(_("buyer as issued"), default=dict, blank=True)
    mentions = models.JSONField(_("legal mentions"), default=list, blank=True)
    net_total = _money(_("total without VAT"), default=0)
    vat_total = _money(_("VAT"), default=0)
    total = _money(_("total"), default=0)
    exchange_rate = models.DecimalField(_("BNR rate"), max_digits=10, decimal_places=4, null=True, blank=True)
    vat_total_ron = _money(_("VAT in RON"), null=True, blank=True)
    # What an issued invoice still owes, was paid (payments and customer credit applied) and was
    # credited, from its receivable entries in the ledger. Derived, never entered: ledger.py rewrites
    # them from the entries in the transaction of every posting on the invoice's receivable, so
    # that lists filter, order and sum by them without reading the ledger per invoice (bench/
    # billing_lists.py). The ledger tests compare them with the entries after every sequence.
    outstanding_amount = _money(_("outstanding"), default=0, editable=False)
    paid_amount = _money(_("paid"), default=0, editable=False)
    credited_amount = _money(_("credited"), default=0, editable=False)
    converted_from = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="converted_to"
    )
    credited_document = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="credit_notes"
    )
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    issued_at = models.DateTimeField(_("issued"), null=True, blank=True)

    objects = DocumentQuerySet.as_manager()

    # What the trigger and save() protect once an invoice or credit note is issued.
    FISCAL_FIELDS = (
        "document_type",
        "status",
        "series",
        "number",
        "sequence",
        "customer",
        "currency",
        "issue_date",
        "tax_point_date",
        "due_date",
        "seller",
        "customer_profile",
        "buyer",
        "mentions",
        "net_total",
        "vat_total",
        "total",
        "exchange_rate",
        "vat_total_ron",
        "credited_document",
        "issued_at",
    )

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ("-issue_date", "-id")
        permissions = [
            ("issue_document", _("Can issue invoices and convert proformas")),
            ("credit_document", _("Can issue credit notes")),
            ("email_document", _("Can email documents to customers")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "number"], condition=~models.Q(number=""), name="billing_unique_number"
            ),
        ]
        indexes = [
            models.Index(fields=["document_type", "status", "-issue_date"], name="billing_doc_list"),
            # The lists' order, newest first (bench/billing_lists.py, stage I1: API list p95 171 → 49 ms).
            models.Index(fields=["document_type", "-issue_date", "-id"], name="billing_doc_order"),
            models.Index(fields=["customer", "document_type", "-issue_date"], name="billing_doc_customer"),
            # Invoices that still owe something, in the lists' order: the unpaid, partially paid and
            # overdue filters and their counts read this index alone, not the table (it covers
            # due_date and paid_amount on PostgreSQL).
            models.Index(
                fields=["-issue_date", "-id"],
                include=["due_date", "paid_amount"],
                condition=models.Q(document_type="invoice", status="issued", outstanding_amount__gt=0),
                name="billing_doc_owing",
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"{self.get_document_type_display()} #{self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            self._refuse_fiscal_changes(kwargs.get("update_fields"))
        super().save(*args, **kwargs)

    def _refuse_fiscal_changes(self, update_fields: Any) -> None:
        """ORM guard: the fiscal fields of a stored, issued invoice or credit note stay as they are."""
        columns = {name: _column(self, name) for name in self.FISCAL_FIELDS}
        stored = type(self).objects.locked().filter(pk=self.pk).values(*columns.values()).first()
        if stored is None:
            return
        changed = [
            name
            for name, column in columns.items()
            if (update_fields is None or name in update_fields or column in update_fields)
            and getattr(self, column) != stored[column]
        ]
        if changed:
            raise ValidationError(
                _("An issued invoice or credit note cannot be changed (%(fields)s).")
                % {"fields": ", ".join(changed)},
                code="issued",
            )

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if type(self).objects.locked().filter(pk=self.pk).exists():
            raise _refusal(deleting=True)
        return super().delete(*args, **kwargs)

    @property
    def is_fiscal(self) -> bool:
        return self.document_type in FISCAL_TYPES

    @property
    def is_locked(self) -> bool:
        """Issued invoices and credit notes are frozen; proformas stay editable while drafts."""
        return self.is_fiscal and self.status != DocumentStatus.DRAFT


def _column(document: Document, name: str) -> str:
    field = document._meta.get_field(name)
    assert isinstance(field, models.Field)  # FISCAL_FIELDS names concrete fields only
    return field.attname


class DocumentLine(models.Model):
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(_("position"))
    description = models.CharField(_("description"), max_length=500)
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=4)
    unit_code = models.CharField(
        _("unit"), max_length=3, default="H87", help_text=_("UN/ECE Rec. 20: H87 piece, MON month, ANN year.")
    )
    unit_price = models.DecimalField(_("unit price"), max_digits=14, decimal_places=4)
    discount = _money(_("discount"), default=0)
    net_amount = _money(_("net amount"))
    vat_category = models.CharField(_("VAT category"), max_length=2)
    vat_rate = models.DecimalField(_("VAT rate (%)"), max_digits=5, decimal_places=2)
    vat_override_reason = models.CharField(_("reason for the VAT override"), max_length=255, blank=True)
    vat_exemption_reason_code = models.CharField(_("VAT exemption reason code"), max_length=32, blank=True)
    vat_exemption_reason = models.CharField(_("VAT exemption reason"), max_length=255, blank=True)
    credited_line = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="credit_lines"
    )

    objects = DocumentLineQuerySet.as_manager()

    class Meta:
        verbose_name = _("document line")
        verbose_name_plural = _("document lines")
        ordering = ("document", "position")
        constraints = [models.UniqueConstraint(fields=["document", "position"], name="billing_line_position")]

    def __str__(self) -> str:
        return f"{self.document} #{self.position}: {self.description}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Lines of an issued invoice or credit note are as frozen as the document.
        if Document.objects.locked().filter(pk=self.document_id).exists():
            raise _refusal()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if Document.objects.locked().filter(pk=self.document_id).exists():
            raise _refusal(deleting=True)
        return super().delete(*args, **kwargs)
