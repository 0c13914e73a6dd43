"""Provisioning's rows: the panels (servers), each service's account on one, the operations that
act on the panels, usage samples, and domains bound to hosting.

A service's status lives on orders.Service and moves only through praho.provisioning.lifecycle;
what the panel was asked to do, and how far it got, is an Operation."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from praho.catalog.models import Module


class ServerStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    DRAINING = "draining", _("Draining (keeps its accounts, takes no new ones)")


class Server(models.Model):
    """A control panel or hypervisor PRAHO creates accounts or machines on."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    panel = models.CharField(_("panel"), max_length=16, choices=Module.choices)
    host = models.CharField(_("host"), max_length=253)
    port = models.PositiveIntegerField(_("port"))
    use_tls = models.BooleanField(_("HTTPS"), default=True)
    verify_tls = models.BooleanField(_("verify the certificate"), default=True)
    # The login (user and password, API token id and secret, access key and secret key) as one
    # Fernet-sealed JSON object under PROVISIONING_SECRET_KEY: never shown back, never logged.
    credentials_sealed = models.TextField(editable=False)
    # Proxmox VE: the node new machines are cloned on, and the storage their disks go to.
    node = models.CharField(_("node"), max_length=64, blank=True)
    storage = models.CharField(_("storage"), max_length=64, blank=True)
    location = models.CharField(_("location"), max_length=100, blank=True)
    # The catalog groups (hosting, VPS, ...) whose plans it takes; none: every plan of its panel.
    product_groups = models.ManyToManyField(
        "catalog.ProductGroup", blank=True, related_name="+", verbose_name=_("product groups")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ServerStatus.choices, default=ServerStatus.ACTIVE
    )
    # Capacity: accounts for panels, CPU cores / RAM / disk for hypervisors; empty is unlimited.
    max_accounts = models.PositiveIntegerField(_("most accounts"), null=True, blank=True)
    cpu_cores = models.PositiveIntegerField(_("CPU cores"), null=True, blank=True)
    memory_mb = models.PositiveIntegerField(_("RAM (MB)"), null=True, blank=True)
    disk_gb = models.PositiveIntegerField(_("disk (GB)"), null=True, blank=True)
    last_checked_at = models.DateTimeField(_("last tested"), null=True, blank=True)
    last_check_ok = models.BooleanField(null=True, blank=True)
    last_check_answer = models.TextField(_("last answer"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("server")
        verbose_name_plural = _("servers")
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'https' if self.use_tls else 'http'}://{host}:{self.port}"


class SuspensionCause(models.TextChoices):
    STAFF = "staff", _("Suspended by staff")
    UNPAID = "unpaid", _("Unpaid")
    PACKAGE = "package", _("Its package was suspended")


class Account(models.Model):
    """A service's place on a panel: the server, the account's name there and the panel's id for
    it, its login password (sealed), and why it is suspended when it is."""

    service = models.OneToOneField(
        "orders.Service", on_delete=models.CASCADE, related_name="account", verbose_name=_("service")
    )
    server = models.ForeignKey(
        Server, null=True, blank=True, on_delete=models.PROTECT, related_name="accounts"
    )
    # The deterministic name every create looks up first (a retry never makes a second account).
    username = models.CharField(_("user name"), max_length=64, blank=True)
    external_id = models.CharField(_("panel id"), max_length=100, blank=True)
    password_sealed = models.TextField(blank=True, editable=False)
    suspension_cause = models.CharField(
        _("suspended because"), max_length=10, choices=SuspensionCause.choices, blank=True
    )
    suspension_reason = models.CharField(_("suspension reason"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("panel account")
        verbose_name_plural = _("panel accounts")

    def __str__(self) -> str:
        return self.username or str(self.service_id)


class OperationKind(models.TextChoices):
    CREATE = "create", _("Create")
    SUSPEND = "suspend", _("Suspend")
    UNSUSPEND = "unsuspend", _("Unsuspend")
    TERMINATE = "terminate", _("Terminate")
    CHANGE_PACKAGE = "change_package", _("Change plan")
    CHANGE_PASSWORD = "change_password", _("Reset password")


class OperationState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    NEEDS_ATTENTION = "needs_attention", _("Needs attention")


class Operation(models.Model):
    """One action on a panel, written in the transaction of the state change that asks for it and
    run by a Celery task after commit (praho.provisioning.services.runner)."""

    service = models.ForeignKey(
        "orders.Service", on_delete=models.CASCADE, related_name="operations", verbose_name=_("service")
    )
    server = models.ForeignKey(Server, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=OperationKind.choices)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=OperationState.choices, default=OperationState.QUEUED
    )
    # Runs only after this one has succeeded (a package is suspended member by member, in order).
    after = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("after")
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    # The steps completed so far, in order: [{"name": ..., "data": ...}]; a resumed run skips them.
    steps = models.JSONField(_("completed steps"), default=list, blank=True)
    idempotency_key = models.CharField(max_length=120, unique=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("operation")
        verbose_name_plural = _("operations")
        ordering = ("-id",)
        permissions = [
            ("manage_service", _("Create, suspend, unsuspend, terminate services and change their plans")),
        ]
        indexes = [
            models.Index(fields=["service", "-id"], name="prov_operation_service"),
            models.Index(fields=["state", "next_attempt_at"], name="prov_operation_due"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class UsageSample(models.Model):
    """What a service used on one day, as its panel reported it at the last collection that day.
    Bandwidth is the month's total so far, as panels count it."""

    service = models.ForeignKey(
        "orders.Service", on_delete=models.CASCADE, related_name="usage_samples", verbose_name=_("service")
    )
    day = models.DateField(_("day"))
    disk_mb = models.PositiveBigIntegerField(_("disk (MB)"), default=0)
    bandwidth_mb = models.PositiveBigIntegerField(_("bandwidth (MB)"), default=0)
    cpu_percent = models.DecimalField(_("CPU (%)"), max_digits=6, decimal_places=2, null=True, blank=True)
    memory_mb = models.PositiveBigIntegerField(_("RAM (MB)"), null=True, blank=True)
    # The feature codes whose limit this sample is over ("disk", "bandwidth"), for staff.
    over_limit = models.JSONField(_("over the limit"), default=list, blank=True)
    collected_at = models.DateTimeField(_("collected"))

    class Meta:
        verbose_name = _("usage sample")
        verbose_name_plural = _("usage samples")
        constraints = [models.UniqueConstraint(fields=["service", "day"], name="prov_usage_one_per_day")]
        indexes = [models.Index(fields=["day"], name="prov_usage_day")]

    def __str__(self) -> str:
        return f"{self.service_id} {self.day}"


class BindingKind(models.TextChoices):
    PRIMARY = "primary", _("Primary domain")
    ADDON = "addon", _("Add-on domain")
    REDIRECT = "redirect", _("Redirect")


class DomainBinding(models.Model):
    """A domain service bound to a hosting service: it stays live while the hosting is active."""

    domain_service = models.OneToOneField(
        "orders.Service", on_delete=models.CASCADE, related_name="binding", verbose_name=_("domain")
    )
    hosting = models.ForeignKey(
        "orders.Service", on_delete=models.CASCADE, related_name="bound_domains", verbose_name=_("hosting")
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=BindingKind.choices, default=BindingKind.PRIMARY
    )

    class Meta:
        verbose_name = _("domain binding")
        verbose_name_plural = _("domain bindings")

    def __str__(self) -> str:
        return f"{self.domain_service_id} -> {self.hosting_id}"
