"""What PRAHO keeps of Stripe: the Stripe customer of each PRAHO customer, the Checkout Sessions
it opened (which document, how much), the refunds staff asked for and the disputes Stripe reported.
Payments themselves are billing's (`billing.Payment`, external id = the PaymentIntent's id)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from praho.core.money import Currency

STRIPE_ID_MAX = 255


class StripeCustomer(models.Model):
    """One Stripe customer per PRAHO customer, made the first time one of its users pays by card."""

    customer = models.OneToOneField(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="stripe_account",
        verbose_name=_("customer"),
    )
    stripe_id = models.CharField(_("Stripe customer"), max_length=STRIPE_ID_MAX, unique=True)
    email = models.EmailField(_("e-mail at Stripe"), blank=True)
    # The card Stripe charges off-session (saved at checkout or in the Portal); read by renewals.
    default_payment_method = models.CharField(_("default card"), max_length=STRIPE_ID_MAX, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("Stripe customer")
        verbose_name_plural = _("Stripe customers")

    def __str__(self) -> str:
        return self.stripe_id


class CheckoutStatus(models.TextChoices):
    OPEN = "open", _("Open")
    AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")  # completed; a bank debit clears later
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Payment failed")
    EXPIRED = "expired", _("Expired")


class CheckoutSession(models.Model):
    session_id = models.CharField(_("session"), max_length=STRIPE_ID_MAX, unique=True)
    document = models.ForeignKey(
        "billing.Document", on_delete=models.PROTECT, related_name="+", verbose_name=_("document")
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=CheckoutStatus.choices, default=CheckoutStatus.OPEN
    )
    url = models.URLField(_("checkout address"), max_length=2000)
    payment_intent = models.CharField(_("payment intent"), max_length=STRIPE_ID_MAX, blank=True)
    save_card = models.BooleanField(_("save the card"), default=False)
    last_error = models.TextField(_("last error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))

    class Meta:
        verbose_name = _("checkout session")
        verbose_name_plural = _("checkout sessions")
        indexes = [models.Index(fields=["document", "status"], name="payments_checkout_document")]

    def __str__(self) -> str:
        return self.session_id


class RefundStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")  # asked of Stripe; its answer not known yet
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class CardRefund(models.Model):
    """A refund of (part of) a card payment: asked by staff here, or made in Stripe's dashboard and
    learnt from `charge.refunded`. Once succeeded, billing's ledger pays it out (`billing.Refund`)."""

    payment = models.ForeignKey(
        "billing.Payment", on_delete=models.PROTECT, related_name="+", verbose_name=_("payment")
    )
    refund_id = models.CharField(_("Stripe refund"), max_length=STRIPE_ID_MAX, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    status = models.CharField(_("status"), max_length=16, choices=RefundStatus.choices)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    credit_note = models.ForeignKey(
        "billing.Document", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    last_error = models.TextField(_("last error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("card refund")
        verbose_name_plural = _("card refunds")
        permissions = [("refund_card_payment", _("Can refund card payments"))]
        constraints = [
            models.UniqueConstraint(
                fields=["refund_id"], condition=~Q(refund_id=""), name="payments_refund_once"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payments_refund_positive"),
        ]

    def __str__(self) -> str:
        return self.refund_id or f"#{self.pk}"


class Dispute(models.Model):
    """A chargeback Stripe reported (`charge.dispute.created`): staff answer it in Stripe."""

    dispute_id = models.CharField(_("Stripe dispute"), max_length=STRIPE_ID_MAX, unique=True)
    charge_id = models.CharField(_("charge"), max_length=STRIPE_ID_MAX)
    payment = models.ForeignKey(
        "billing.Payment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    reason = models.CharField(_("reason"), max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("reported"), auto_now_add=True)

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")

    def __str__(self) -> str:
        return self.dispute_id
