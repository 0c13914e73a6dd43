"""Payments received from customers.

A payment is a fact (money arrived on a date, by a method, with a reference); what it
paid is decided by the ledger posting written with it (see praho.billing.services.ledger).
Like the ledger it is append-only: a wrong payment is corrected by a new movement,
never by editing or deleting the row.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from praho.billing.models.ledger import AppendOnlyError
from praho.core.money import Currency


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    CARD = "card", _("Card")
    CASH = "cash", _("Cash")


class PaymentQuerySet(models.QuerySet["Payment"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Payments are append-only: record a correcting movement instead.")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("Payments are append-only: record a correcting movement instead.")


class Payment(models.Model):
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="payments", verbose_name=_("customer")
    )
    # The invoice the customer paid; empty for money not (yet) matched to an invoice,
    # which the ledger keeps as customer credit.
    document = models.ForeignKey(
        "billing.Document",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
        verbose_name=_("invoice"),
    )
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    method = models.CharField(_("method"), max_length=16, choices=PaymentMethod.choices)
    reference = models.CharField(_("reference"), max_length=140, blank=True)
    received_on = models.DateField(_("received on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    # A gateway's id for the payment (Stripe payment intent, bank statement entry): the same
    # external payment is recorded once however often it is reported.
    external_id = models.CharField(_("external id"), max_length=128, blank=True)

    objects = PaymentQuerySet.as_manager()

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ("-received_on", "-id")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="billing_payment_positive"),
            models.UniqueConstraint(
                fields=["external_id"], condition=~Q(external_id=""), name="billing_payment_external_id"
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "-received_on"], name="billing_payment_customer"),
            models.Index(fields=["document"], name="billing_payment_document"),
        ]

    def __str__(self) -> str:
        return f"{self.received_on} {self.amount} {self.currency} ({self.get_method_display()})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Payments are append-only and cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Payments are append-only and cannot be deleted.")


class Refund(models.Model):
    """Money paid back to a customer against one of its payments (a card refund, a transfer back).

    Append-only, as payments are. The ledger pays it out of the customer's credit in the payment's
    currency first (what a credit note or an overpayment left there), and reopens the invoice the
    payment paid for the rest (praho.billing.services.refunds)."""

    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("payment")
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="refunds", verbose_name=_("customer")
    )
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    reference = models.CharField(_("reference"), max_length=140, blank=True)
    refunded_on = models.DateField(_("refunded on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    # The processor's id of the refund (a Stripe refund): recorded once however often reported.
    external_id = models.CharField(_("external id"), max_length=128, blank=True)

    objects = PaymentQuerySet.as_manager()

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ("-refunded_on", "-id")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="billing_refund_positive"),
            models.UniqueConstraint(
                fields=["external_id"], condition=~Q(external_id=""), name="billing_refund_external_id"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.refunded_on} -{self.amount} {self.currency}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Refunds are append-only and cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Refunds are append-only and cannot be deleted.")
