"""Webhook deliveries as received: one row per (source, event id), processed exactly once.

The inbox is generic: Stripe's events today, panels', registrars' and mail providers' later.
An intake view checks the sender (a signature), stores the raw body here and answers at once;
a Celery task hands the row to the handler its source and type name (`webhooks.py` modules of
the apps above, see praho.inbox.handlers) after the intake's transaction commits.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

SOURCE_MAX = 32
EVENT_ID_MAX = 255
EVENT_TYPE_MAX = 128


class EventStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    PROCESSED = "processed", _("Processed")
    FAILED = "failed", _("Failed")
    IGNORED = "ignored", _("Ignored")


class InboundEvent(models.Model):
    source = models.CharField(_("source"), max_length=SOURCE_MAX)
    event_id = models.CharField(_("event id"), max_length=EVENT_ID_MAX)
    event_type = models.CharField(_("type"), max_length=EVENT_TYPE_MAX)
    # The body exactly as it arrived (the signature was computed over it), never re-serialised.
    payload = models.TextField(_("payload"))
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=16, choices=EventStatus.choices, default=EventStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    # When a failed event is tried again by itself (null: not any more, staff replay it).
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)

    class Meta:
        verbose_name = _("inbound event")
        verbose_name_plural = _("inbound events")
        permissions = [("replay_event", _("Can replay inbound events"))]
        constraints = [
            models.UniqueConstraint(fields=["source", "event_id"], name="inbox_event_once_per_source"),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="inbox_event_due"),
            models.Index(fields=["source", "event_type", "-id"], name="inbox_event_type"),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.event_type} {self.event_id}"
