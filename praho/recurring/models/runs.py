"""Billing runs and the renewals they bill: one row per (service, period), never two."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from praho.core.money import Currency


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    COMPLETED = "completed", _("Completed")
    FAILED = "failed", _("Failed")


class RunTrigger(models.TextChoices):
    SCHEDULE = "schedule", _("Daily schedule")
    COMMAND = "command", _("Command")
    STAFF = "staff", _("Staff")


class BillingRun(models.Model):
    """One billing run and its summary: what it billed, in which currencies, what went wrong."""

    run_date = models.DateField(_("billed as of"))
    trigger = models.CharField(_("started by"), max_length=12, choices=RunTrigger.choices)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=RunStatus.choices, default=RunStatus.RUNNING
    )
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # Documents the run set out to make (known once it has looked), for its progress bar.
    planned = models.PositiveIntegerField(_("documents planned"), default=0)
    documents = models.PositiveIntegerField(_("documents"), default=0)
    services = models.PositiveIntegerField(_("services"), default=0)
    # {"RON": "1234.50", "EUR": "99.00"}: totals with VAT of the documents it issued, per currency.
    totals = models.JSONField(_("totals"), default=dict, blank=True)
    # [{"customer": 12, "message": "..."}], at most RECURRING_RUN_ERRORS_KEPT.
    errors = models.JSONField(_("errors"), default=list, blank=True)

    class Meta:
        verbose_name = _("billing run")
        verbose_name_plural = _("billing runs")
        ordering = ("-id",)
        permissions = [("run_billing", _("Can start a billing run"))]

    def __str__(self) -> str:
        return f"{self.run_date} #{self.pk}"

    @property
    def total_amounts(self) -> list[tuple[str, Decimal]]:
        """The totals as (currency, amount), for pages."""
        return [(currency, Decimal(amount)) for currency, amount in sorted(self.totals.items())]


class RenewalStatus(models.TextChoices):
    BILLED = "billed", _("Awaiting payment")
    PAID = "paid", _("Paid")
    VOID = "void", _("Void")  # its proforma was cancelled: the period may be billed again


class Renewal(models.Model):
    """A service's period billed on a document. At most one live row per (service, period): the
    constraint is what makes runs repeatable, concurrent and resumable."""

    service = models.ForeignKey(
        "orders.Service", on_delete=models.PROTECT, related_name="renewals", verbose_name=_("service")
    )
    period_number = models.PositiveIntegerField(_("period"))
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    run = models.ForeignKey(
        BillingRun, null=True, blank=True, on_delete=models.PROTECT, related_name="renewals"
    )
    document = models.ForeignKey(
        "billing.Document", on_delete=models.PROTECT, related_name="renewals", verbose_name=_("document")
    )
    net_amount = models.DecimalField(_("amount without VAT"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    status = models.CharField(
        _("status"), max_length=8, choices=RenewalStatus.choices, default=RenewalStatus.BILLED
    )
    created_at = models.DateTimeField(_("billed"), auto_now_add=True)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)

    class Meta:
        verbose_name = _("renewal")
        verbose_name_plural = _("renewals")
        ordering = ("-id",)
        constraints = [
            models.UniqueConstraint(
                fields=["service", "period_number"],
                condition=~Q(status="void"),
                name="recurring_renewal_once_per_period",
            )
        ]
        indexes = [
            models.Index(fields=["status", "period_start"], name="recurring_renewal_open"),
            models.Index(fields=["service", "period_start"], name="recurring_renewal_period"),
        ]

    def __str__(self) -> str:
        return f"{self.service_id} {self.period_start}..{self.period_end}"
