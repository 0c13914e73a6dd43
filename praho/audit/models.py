"""The append-only, hash-chained audit trail.

Each event's hash is SHA-256(previous event's hash + this event's canonical
content). Editing any stored field, or deleting an event, changes a hash that
a later event depends on, so `manage.py audit_verify` finds the first event
where the chain breaks. Events are walked in chain order (`seq`). On PostgreSQL
a trigger refuses UPDATE and DELETE, but the one UPDATE that links a new event
into the chain in the transaction that wrote it.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete an audit event."""


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Audit events cannot be changed.")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("Audit events cannot be deleted.")


class AuditEvent(models.Model):
    created_at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    # The actor's email at the time: users may change it or be removed later.
    actor_repr = models.CharField(_("actor"), max_length=254, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=255, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=500, blank=True)
    request_id = models.CharField(_("request ID"), max_length=128, blank=True, db_index=True)
    # The event's place in the chain and its links: given when it is linked, at the end of the
    # transaction that wrote it (praho.audit.services); empty only until then, never committed so.
    seq = models.BigIntegerField(_("position"), null=True, unique=True, editable=False)
    prev_hash = models.CharField(max_length=64, blank=True)
    # NULL, not "", while unlinked: several unlinked events cannot share one unique "".
    hash = models.CharField(max_length=64, unique=True, null=True)  # noqa: DJ001

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ("-id",)
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            # The events a transaction wrote and has yet to link: a handful at any time.
            models.Index(fields=["id"], condition=models.Q(hash__isnull=True), name="audit_unlinked_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.action} {self.actor_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Audit events cannot be deleted.")

    def canonical_content(self) -> str:
        """The event's stored fields as one deterministic JSON string."""
        return json.dumps(
            {
                "created_at": self.created_at.isoformat(),
                "actor_id": self.actor_id,
                "actor_repr": self.actor_repr,
                "action": self.action,
                "object_type": self.object_type,
                "object_id": self.object_id,
                "object_repr": self.object_repr,
                "data": self.data,
                "ip_address": self.ip_address,
                "user_agent": self.user_agent,
                "request_id": self.request_id,
            },
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
            default=str,
        )

    def compute_hash(self) -> str:
        return hashlib.sha256((self.prev_hash + self.canonical_content()).encode()).hexdigest()
