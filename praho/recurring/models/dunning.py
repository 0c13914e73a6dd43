"""How unpaid renewals are chased: the staff-editable schedule, what was sent or done for each
document (each step once), customers exempted, and auto-pay."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class DunningAction(models.TextChoices):
    REMIND = "remind", _("Send a reminder")
    SUSPEND = "suspend", _("Suspend the services")
    TERMINATE = "terminate", _("Terminate the services")


class DunningStep(models.Model):
    """One step of the schedule: `days` after the due date (negative: before it)."""

    days = models.SmallIntegerField(
        _("days after the due date"), validators=[MinValueValidator(-60), MaxValueValidator(365)]
    )
    action = models.CharField(_("action"), max_length=10, choices=DunningAction.choices)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("dunning step")
        verbose_name_plural = _("dunning steps")
        ordering = ("days", "action")
        constraints = [models.UniqueConstraint(fields=["days", "action"], name="recurring_dunning_step_once")]
        permissions = [("manage_dunning", _("Can change the dunning schedule and exemptions"))]

    def __str__(self) -> str:
        return f"{self.days:+d} {self.action}"


class NoticeStatus(models.TextChoices):
    DONE = "done", _("Done")
    AWAITING_CONFIRMATION = "awaiting", _("Awaiting staff confirmation")
    SKIPPED = "skipped", _("Skipped")


class DunningNotice(models.Model):
    """What a step did for one unpaid document (the delivery log): unique, so each reminder is
    sent once and each suspension asked for once, however often dunning runs."""

    document = models.ForeignKey("billing.Document", on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="+")
    days = models.SmallIntegerField(_("days after the due date"))
    action = models.CharField(_("action"), max_length=10, choices=DunningAction.choices)
    status = models.CharField(_("status"), max_length=10, choices=NoticeStatus.choices)
    email = models.EmailField(_("sent to"), blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    detail = models.CharField(_("detail"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("dunning notice")
        verbose_name_plural = _("dunning notices")
        ordering = ("-id",)
        constraints = [
            models.UniqueConstraint(fields=["document", "days", "action"], name="recurring_notice_once")
        ]
        indexes = [models.Index(fields=["customer", "-id"], name="recurring_notice_customer")]

    def __str__(self) -> str:
        return f"{self.document_id} {self.days:+d} {self.action}"


class BillingPreference(models.Model):
    """A customer's renewals settings: auto-pay with the saved card, and a dunning exemption."""

    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.CASCADE, related_name="billing_preference"
    )
    auto_pay = models.BooleanField(_("pay renewals with the saved card"), default=False)
    dunning_exempt = models.BooleanField(_("exempt from dunning"), default=False)
    exempt_reason = models.CharField(_("why exempt"), max_length=500, blank=True)
    exempt_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    exempt_at = models.DateTimeField(_("exempt since"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("billing preference")
        verbose_name_plural = _("billing preferences")

    def __str__(self) -> str:
        return str(self.customer_id)


class ChargeStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class AutoCharge(models.Model):
    """An off-session card charge of a renewal document on its due date (one per document); the
    result comes back through the webhook inbox."""

    document = models.OneToOneField("billing.Document", on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    payment_intent = models.CharField(_("PaymentIntent"), max_length=255, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ChargeStatus.choices, default=ChargeStatus.PENDING
    )
    error = models.CharField(_("error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("automatic card charge")
        verbose_name_plural = _("automatic card charges")
        ordering = ("-id",)
        indexes = [models.Index(fields=["payment_intent"], name="recurring_charge_intent")]

    def __str__(self) -> str:
        return f"{self.document_id} {self.status}"
