"""Services: what a customer has bought and uses, created when its order is paid (and approved).
This issue creates and lists them; provisioning drives their lifecycle on the panels."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from praho.catalog.models import Cycle
from praho.core.money import Currency


class ServiceStatus(models.TextChoices):
    PENDING = "pending", _("Pending provisioning")
    PROVISIONING = "provisioning", _("Provisioning")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    TERMINATED = "terminated", _("Terminated")
    CANCELLED = "cancelled", _("Cancelled")


def _money(verbose_name: Any, **options: Any) -> models.DecimalField[Any, Any]:
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, **options)


class ServiceGroup(models.Model):
    """A package bought together (VPS + domain + SSL): one per ordered item with what came with it."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="+")
    label = models.CharField(_("package"), max_length=300)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("service package")
        verbose_name_plural = _("service packages")

    def __str__(self) -> str:
        return self.label


class Service(models.Model):
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="services", verbose_name=_("customer")
    )
    plan = models.ForeignKey(
        "catalog.Plan", on_delete=models.PROTECT, related_name="services", verbose_name=_("plan")
    )
    order_line = models.OneToOneField(
        "orders.OrderLine", null=True, blank=True, on_delete=models.PROTECT, related_name="service"
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("part of"),
    )
    group = models.ForeignKey(
        ServiceGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="services"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ServiceStatus.choices, default=ServiceStatus.PENDING
    )
    cycle = models.CharField(_("billing cycle"), max_length=12, choices=Cycle.choices)
    quantity = models.PositiveSmallIntegerField(_("quantity"), default=1)
    domain = models.CharField(_("domain"), max_length=253, blank=True)
    # Price per cycle (all units, net of VAT) as sold; renewals bill it (or the list price, by choice).
    price = _money(_("price per cycle"))
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    # A recurring coupon lowers `price` for the next `discounted_periods` renewals; `list_price` is
    # what it costs after them.
    list_price = _money(_("price after the discount"))
    discounted_periods = models.PositiveSmallIntegerField(null=True, blank=True)
    next_due_date = models.DateField(_("next due date"), null=True, blank=True)
    # Renewals (praho.recurring): periods are counted from the anchor (praho.catalog.cycles), the
    # first day of the first period; next_due_date is always one of their starts.
    billing_anchor = models.DateField(_("billing anchor"), null=True, blank=True)
    # Renew at the plan's list price of the day rather than the price it was sold at (staff's choice).
    follow_list_price = models.BooleanField(_("renew at the list price"), default=False)
    # The last day the service runs once cancelled at the end of its paid period (it renews no more).
    cancel_at = models.DateField(_("ends after"), null=True, blank=True)
    # Staff leave a service out of billing runs (a dispute, a free service) until they include it again.
    renewals_excluded = models.BooleanField(_("left out of billing runs"), default=False)
    renewals_excluded_reason = models.CharField(_("why it is left out"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ("-id",)
        indexes = [
            models.Index(fields=["customer", "status"], name="orders_service_customer"),
            models.Index(fields=["status", "-id"], name="orders_service_status"),
            models.Index(fields=["plan", "-id"], name="orders_service_plan"),
            models.Index(fields=["next_due_date"], name="orders_service_due"),
        ]

    def __str__(self) -> str:
        return f"{self.plan} #{self.pk}" + (f" ({self.domain})" if self.domain else "")

    @property
    def auto_renew(self) -> bool:
        """Whether the service renews at the end of its period: a recurring cycle, not cancelled."""
        return self.cycle != Cycle.ONE_TIME and self.cancel_at is None
