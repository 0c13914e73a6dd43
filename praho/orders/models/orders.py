"""Orders and their lines: a snapshot of what was bought, at which price and discount."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from praho.catalog.models import Cycle
from praho.core.money import Currency, round_money


def _money(verbose_name: Any, **options: Any) -> models.DecimalField[Any, Any]:
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, **options)


class OrderStatus(models.TextChoices):
    DRAFT = "draft", _("Cart")
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
    AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")
    PAID = "paid", _("Paid")
    PROVISIONING = "provisioning", _("Provisioning")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    REFUSED = "refused", _("Refused")


class Order(models.Model):
    """An order of one customer in one currency. In draft it is the customer's cart (one per user
    and customer, no number); checkout numbers it and bills it."""

    number = models.CharField(_("number"), max_length=20, blank=True)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="orders", verbose_name=_("customer")
    )
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.DRAFT
    )
    coupon = models.ForeignKey(
        "catalog.Coupon",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("coupon"),
    )
    # The items as the customer or the API sent them ({"plan", "cycle", "quantity", "domain",
    # "addons"}), and the coupon code typed: in the cart, what checkout will price.
    items = models.JSONField(_("items as ordered"), default=list, blank=True)
    coupon_code = models.CharField(_("coupon code"), max_length=40, blank=True)
    net_total = _money(_("total without VAT"), default=0)
    discount_total = _money(_("discounts"), default=0)
    vat_total = _money(_("VAT"), default=0)
    total = _money(_("total"), default=0)
    # The proforma (or, by setting, the invoice) issued at checkout or at approval, and the invoice
    # that paid it.
    document = models.ForeignKey(
        "billing.Document", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    invoice = models.ForeignKey(
        "billing.Document", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    review_reason = models.CharField(_("why it waits for approval"), max_length=200, blank=True)
    decision_note = models.CharField(_("reason for the decision"), max_length=500, blank=True)
    notes = models.CharField(_("notes"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    placed_by_staff = models.BooleanField(_("placed by staff"), default=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    placed_at = models.DateTimeField(_("placed"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ("-placed_at", "-id")
        permissions = [
            ("approve_order", _("Can approve or refuse orders")),
            ("place_order", _("Can place orders for customers")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["number"], condition=~Q(number=""), name="orders_unique_number"),
            # One cart per user and customer.
            models.UniqueConstraint(
                fields=["customer", "created_by"], condition=Q(status="draft"), name="orders_one_cart"
            ),
        ]
        indexes = [
            # Lists never show carts: the staff list's order (and its count) read this index alone.
            models.Index(fields=["-placed_at", "-id"], condition=~Q(status="draft"), name="orders_list"),
            models.Index(fields=["customer", "-placed_at", "-id"], name="orders_customer"),
            models.Index(fields=["status", "-placed_at", "-id"], name="orders_status"),
            models.Index(fields=["document"], name="orders_document"),
            models.Index(fields=["invoice"], name="orders_invoice"),
        ]

    def __str__(self) -> str:
        return self.number or str(_("Cart"))


class LineRole(models.TextChoices):
    ITEM = "item", _("Item")
    ADDON = "addon", _("Add-on")
    INCLUDED = "included", _("Included")
    REQUIRED = "required", _("Required with the item")


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(_("position"))
    # The line an add-on, included or required plan was ordered with.
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    role = models.CharField(_("role"), max_length=10, choices=LineRole.choices, default=LineRole.ITEM)
    plan = models.ForeignKey(
        "catalog.Plan", on_delete=models.PROTECT, related_name="+", verbose_name=_("plan")
    )
    # Snapshot: what the customer saw when ordering, whatever the catalog says later.
    plan_code = models.CharField(_("plan code"), max_length=40)
    description = models.CharField(_("description"), max_length=300)
    cycle = models.CharField(_("billing cycle"), max_length=12, choices=Cycle.choices)
    quantity = models.PositiveSmallIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    domain = models.CharField(_("domain"), max_length=253, blank=True)
    unit_price = _money(_("price per cycle"))
    setup_fee = _money(_("setup fee"), default=0)
    relation_discount = _money(_("package discount"), default=0)
    coupon_discount = _money(_("coupon discount"), default=0)
    net_amount = _money(_("net amount"))
    # The recurring price after a recurring coupon, and for how many periods it lasts (None: always).
    recurring_price = _money(_("recurring price"))
    discounted_periods = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ("order", "position")
        constraints = [models.UniqueConstraint(fields=["order", "position"], name="orders_line_position")]

    def __str__(self) -> str:
        return self.description

    @property
    def base(self) -> Decimal:
        return round_money(self.unit_price * self.quantity)

    @property
    def setup_total(self) -> Decimal:
        return round_money(self.setup_fee * self.quantity)

    @property
    def discount(self) -> Decimal:
        return self.relation_discount + self.coupon_discount


class CouponRedemption(models.Model):
    """One use of a coupon by a placed order; it counts against the coupon's limits until the order
    is cancelled or refused, when it is deleted."""

    coupon = models.ForeignKey("catalog.Coupon", on_delete=models.PROTECT, related_name="redemptions")
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="+")
    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="redemption")
    discount = _money(_("discount"))
    created_at = models.DateTimeField(_("used"), auto_now_add=True)

    class Meta:
        verbose_name = _("coupon use")
        verbose_name_plural = _("coupon uses")
        indexes = [models.Index(fields=["coupon", "customer"], name="orders_redemption_customer")]

    def __str__(self) -> str:
        return f"{self.coupon_id} → {self.order_id}"


class OrderPolicy(models.Model):
    """Staff-set: orders whose total (with VAT) reaches the threshold in their currency wait for
    approval. One row per currency; no row, no threshold."""

    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, unique=True)
    approval_threshold = _money(_("approval needed from"), validators=[MinValueValidator(0)])
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("approval threshold")
        verbose_name_plural = _("approval thresholds")

    def __str__(self) -> str:
        return f"{self.approval_threshold} {self.currency}"


class ReviewFlag(models.Model):
    """A customer whose orders wait for staff approval whatever their amount (new, risky, disputed)."""

    customer = models.OneToOneField("customers.Customer", on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("flagged"), auto_now_add=True)

    class Meta:
        verbose_name = _("customer flagged for review")
        verbose_name_plural = _("customers flagged for review")

    def __str__(self) -> str:
        return self.reason
