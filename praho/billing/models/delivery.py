"""The log of documents emailed to customers: who it went to, and whether it got there."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class DocumentDelivery(models.Model):
    document = models.ForeignKey(
        "billing.Document", on_delete=models.PROTECT, related_name="deliveries", verbose_name=_("document")
    )
    recipient = models.EmailField(_("recipient"))
    subject = models.CharField(_("subject"), max_length=200)
    status = models.CharField(
        _("status"), max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    # The SMTP server's answer, or why sending failed; shown to staff as is.
    detail = models.TextField(_("detail"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("document delivery")
        verbose_name_plural = _("document deliveries")
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=["document", "-created_at"], name="billing_delivery_document")]

    def __str__(self) -> str:
        return f"{self.document} → {self.recipient} ({self.status})"
