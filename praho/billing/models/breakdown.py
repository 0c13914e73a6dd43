"""The VAT breakdown of an issued invoice or credit note (EN 16931 BG-23), frozen at issue.

One row per VAT category and rate: the taxable amount, the VAT and, for a document in EUR or
USD, that VAT in RON at the document's rate. The PDF, e-Factura and the credit notes read it
as issued rather than computing it again: a credit note that takes back the rest of an invoice
takes exactly what remains of each row (billing.credit_amounts), which the rounding of its own
lines alone would not give.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.db import models
from django.utils.translation import gettext_lazy as _

from praho.billing.models.documents import Document


def _money(verbose_name: Any, **options: Any) -> models.DecimalField[Any, Any]:
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, **options)


class FrozenError(Exception):
    """Raised when code tries to change or delete a stored VAT breakdown row."""


class VatSubtotalQuerySet(models.QuerySet["VatSubtotal"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise FrozenError("An issued document's VAT breakdown never changes.")

    def delete(self) -> NoReturn:
        raise FrozenError("An issued document's VAT breakdown is never deleted.")


class VatSubtotal(models.Model):
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="vat_subtotals")
    category = models.CharField(_("VAT category"), max_length=2)
    rate = models.DecimalField(_("VAT rate (%)"), max_digits=5, decimal_places=2)
    taxable_amount = _money(_("taxable amount"))
    vat_amount = _money(_("VAT"))
    vat_amount_ron = _money(_("VAT in RON"), null=True, blank=True)

    objects = VatSubtotalQuerySet.as_manager()

    class Meta:
        verbose_name = _("VAT subtotal")
        verbose_name_plural = _("VAT subtotals")
        # The order of the breakdown on the document: by category, the highest rate first.
        ordering = ("document", "category", "-rate")
        constraints = [
            models.UniqueConstraint(
                fields=["document", "category", "rate"], name="billing_one_subtotal_per_rate"
            )
        ]

    def __str__(self) -> str:
        return f"{self.document_id} {self.category} {self.rate}%: {self.taxable_amount} / {self.vat_amount}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise FrozenError("An issued document's VAT breakdown never changes.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise FrozenError("An issued document's VAT breakdown is never deleted.")
