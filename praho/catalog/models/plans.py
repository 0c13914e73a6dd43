"""Groups, plans, their features with limits, prices per cycle and currency, and relationships."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from praho.catalog.models.translated import Translated
from praho.core.money import Currency

CODE_HELP = _("Lower-case letters, digits and dashes, e.g. vps-m.")


class GroupKind(models.TextChoices):
    HOSTING = "hosting", _("Shared hosting")
    VPS = "vps", _("VPS")
    DEDICATED = "dedicated", _("Dedicated servers")
    DOMAIN = "domain", _("Domains")
    SSL = "ssl", _("SSL certificates")
    EMAIL = "email", _("E-mail")
    ADDON = "addon", _("Add-ons")


class ProductGroup(Translated):
    code = models.SlugField(_("code"), max_length=40, unique=True, help_text=CODE_HELP)
    kind = models.CharField(_("kind"), max_length=16, choices=GroupKind.choices)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    visible = models.BooleanField(_("shown in the catalog"), default=True)

    class Meta:
        verbose_name = _("product group")
        verbose_name_plural = _("product groups")
        ordering = ("position", "id")

    def __str__(self) -> str:
        return self.name


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    HIDDEN = "hidden", _("Hidden (ordered by link or by staff)")
    RETIRED = "retired", _("Retired (existing services stay, no new orders)")


class Module(models.TextChoices):
    VIRTUALMIN = "virtualmin", "Virtualmin"
    PROXMOX = "proxmox", "Proxmox VE"
    HESTIACP = "hestiacp", "HestiaCP"


class Plan(Translated):
    group = models.ForeignKey(
        ProductGroup, on_delete=models.PROTECT, related_name="plans", verbose_name=_("group")
    )
    code = models.SlugField(_("code"), max_length=40, unique=True, help_text=CODE_HELP)
    visibility = models.CharField(
        _("visibility"), max_length=8, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    # "" is no provisioning module: staff set such services up by hand (domains at a registrar
    # that has no driver yet, dedicated servers).
    module = models.CharField(_("provisioning module"), max_length=16, choices=Module.choices, blank=True)
    module_params = models.JSONField(
        _("module parameters"),
        default=dict,
        blank=True,
        help_text=_("Panel package name, template, CPU, RAM and disk, as the module expects them."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    max_quantity = models.PositiveSmallIntegerField(
        _("most per order line"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("1 for accounts and servers; more for add-ons such as extra IP addresses."),
    )
    requires_domain = models.BooleanField(_("asks for a domain name"), default=False)
    # A plan behind a feature flag is offered only to those the flag is on for (orders.FeatureFlag).
    flag = models.CharField(_("feature flag"), max_length=100, blank=True)
    # Days before the due date its renewals are billed; empty: RECURRING_LEAD_DAYS.
    renewal_lead_days = models.PositiveSmallIntegerField(
        _("renewal lead time (days)"), null=True, blank=True, validators=[MaxValueValidator(365)]
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ("group__position", "position", "id")
        indexes = [models.Index(fields=["group", "visibility", "position"], name="catalog_plan_group")]

    def __str__(self) -> str:
        return self.name

    @property
    def orderable(self) -> bool:
        return self.visibility != Visibility.RETIRED


class Feature(Translated):
    """What a plan limits: disk GB, bandwidth GB, domains, mailboxes, databases, vCPU, RAM, backups."""

    code = models.SlugField(_("code"), max_length=40, unique=True, help_text=CODE_HELP)
    unit = models.CharField(_("unit"), max_length=16, blank=True, help_text=_("GB, pcs, ..."))
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("feature")
        verbose_name_plural = _("features")
        ordering = ("position", "id")

    def __str__(self) -> str:
        return self.name


class PlanFeature(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="features")
    feature = models.ForeignKey(Feature, on_delete=models.PROTECT, related_name="+")
    # None is unlimited.
    limit = models.DecimalField(
        _("limit"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("Empty for unlimited."),
    )

    class Meta:
        verbose_name = _("plan feature")
        verbose_name_plural = _("plan features")
        constraints = [models.UniqueConstraint(fields=["plan", "feature"], name="catalog_plan_feature_once")]

    def __str__(self) -> str:
        return f"{self.feature_id}: {'∞' if self.limit is None else self.limit}"


class Cycle(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    SEMIANNUAL = "semiannual", _("Every six months")
    ANNUAL = "annual", _("Annually")
    BIENNIAL = "biennial", _("Every two years")
    TRIENNIAL = "triennial", _("Every three years")
    ONE_TIME = "one_time", _("One time")


class Price(models.Model):
    """A plan's price, net of VAT, for one cycle and currency from a day on. A change is a new row
    with a later `valid_from`: history is never rewritten and a change can be planned ahead."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="prices")
    cycle = models.CharField(_("billing cycle"), max_length=12, choices=Cycle.choices)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    amount = models.DecimalField(
        _("price"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )
    setup_fee = models.DecimalField(
        _("setup fee"), max_digits=12, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    valid_from = models.DateField(_("valid from"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("price")
        verbose_name_plural = _("prices")
        ordering = ("plan", "cycle", "currency", "-valid_from")
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "cycle", "currency", "valid_from"], name="catalog_price_once_a_day"
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0) & Q(setup_fee__gte=0), name="catalog_price_positive"
            ),
        ]
        indexes = [models.Index(fields=["plan", "currency", "valid_from"], name="catalog_price_current")]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} / {self.cycle} from {self.valid_from}"


class RelationKind(models.TextChoices):
    REQUIRES = "requires", _("Requires")
    ADDON = "addon", _("Offers as add-on")
    INCLUDES = "includes", _("Includes")
    UPGRADE = "upgrade", _("Upgrades to")


class RelationBilling(models.TextChoices):
    SEPARATE = "separate", _("Billed separately")
    INCLUDED = "included", _("Included (free)")
    DISCOUNTED = "discounted", _("Discounted")


class PlanRelation(models.Model):
    """`plan` requires / offers / includes / upgrades to `other`.

    Requires: an order of `plan` must carry one `other` (a hosting plan's domain: ordered with it,
    or an existing service of the customer). Add-on: `other` may be ordered with `plan` (billed
    separately or discounted). Includes: `other` comes with `plan` (free or discounted), optionally
    only on some cycles (a free .ro domain with annual hosting). Upgrade: `plan` may move to `other`.
    """

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="relations")
    other = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="related_from")
    kind = models.CharField(_("relationship"), max_length=10, choices=RelationKind.choices)
    billing = models.CharField(
        _("billing"), max_length=10, choices=RelationBilling.choices, default=RelationBilling.SEPARATE
    )
    discount_percent = models.DecimalField(
        _("discount (%)"),
        max_digits=5,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    # Empty: every cycle of `plan`.
    cycles = models.JSONField(_("only with these cycles"), default=list, blank=True)

    class Meta:
        verbose_name = _("plan relationship")
        verbose_name_plural = _("plan relationships")
        constraints = [
            models.UniqueConstraint(fields=["plan", "other", "kind"], name="catalog_relation_once"),
            models.CheckConstraint(condition=~Q(plan=models.F("other")), name="catalog_relation_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.kind} {self.other_id}"
