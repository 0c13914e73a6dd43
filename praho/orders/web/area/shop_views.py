"""The customer area's shop: the catalog, a plan's configuration, the cart and checkout.

Who: every member of the current customer may browse the catalog (prices are public, and shown
with this customer's VAT); configuring, the cart and checkout are for members whose role has the
BILLING capability (owner, billing), since ordering commits the customer to pay; others get the
403 page naming those roles. The cart is the user's own for the current customer
(services.cart): there is no cart id in any URL, so nobody reaches another's.

Every form works without JavaScript; with it, the configuration's price preview follows the
choices as they change (HTMX).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from praho.catalog.selectors import plans_by_reference
from praho.core.http import AuthenticatedHttpRequest
from praho.customers.models import Membership
from praho.customers.roles import Capability, can
from praho.customers.web.area.views import area_page
from praho.orders.models import LineRole, Order
from praho.orders.quotes import Quote, QuoteLine, quote
from praho.orders.services import cart as carts
from praho.orders.web.area import offer
from praho.orders.web.area.forms import (
    ChangeItemForm,
    CheckoutForm,
    ConfigureForm,
    CouponForm,
    add_quote_errors,
)

TEMPLATES = "orders/area/"
CART = "orders:area-cart"


@area_page()
def catalog(request: AuthenticatedHttpRequest, membership: Membership) -> HttpResponse:
    customer = membership.customer
    currency = carts.cart_currency(customer=customer)
    shelf = offer.catalog(customer, request.user, currency, str(request.GET.get("group", ""))[:40])
    context = {
        "customer": customer,
        "tabs": shelf.tabs,
        "chosen": shelf.chosen,
        "currency": currency,
        "vat": shelf.treatment,
        "may_order": can(membership.role, Capability.BILLING),
    }
    return render(request, TEMPLATES + "catalog.html", context)


def _configure_context(
    membership: Membership, configurable: offer.Configurable, form: ConfigureForm, currency: str
) -> dict[str, Any]:
    chosen = set(form["addons"].value() or []) if "addons" in form.fields else set()
    return {
        "customer": membership.customer,
        "addon_choices": [(addon, str(addon.plan.pk) in chosen) for addon in configurable.addons],
        "offer": configurable,
        "plan": configurable.plan,
        "form": form,
        "currency": currency,
        "vat": configurable.treatment,
    }


@area_page(Capability.BILLING)
def plan(request: AuthenticatedHttpRequest, membership: Membership, plan_id: int) -> HttpResponse:
    """Configure a plan (cycle, quantity, domain, add-ons) and put it in the cart."""
    customer = membership.customer
    currency = carts.cart_currency(customer=customer)
    configurable = offer.configurable(plan_id, customer, request.user, currency)
    data = request.POST if request.method == "POST" else None
    initial = {"cycle": configurable.cycles[0][0]} if configurable.cycles else None
    form = ConfigureForm(data, offer=configurable, initial=initial)
    if request.method == "POST" and configurable.plan.orderable and form.is_valid():
        try:
            carts.add_item(customer=customer, user=request.user, item=form.item())
        except ValidationError as refused:
            before = carts.find_cart(customer=customer, user=request.user)
            add_quote_errors(form, refused, index=len(before.items) if before else 0)
        else:
            messages.success(request, _("%(plan)s is in your cart.") % {"plan": configurable.plan.name})
            return redirect(CART)
    context = _configure_context(membership, configurable, form, currency)
    status = 400 if form.errors else 200
    return render(request, TEMPLATES + "plan.html", context, status=status)


@require_POST
@area_page(Capability.BILLING)
def plan_preview(request: AuthenticatedHttpRequest, membership: Membership, plan_id: int) -> HttpResponse:
    """What the configuration costs as chosen so far (the HTMX preview on the plan's page)."""
    customer = membership.customer
    currency = carts.cart_currency(customer=customer)
    configurable = offer.configurable(plan_id, customer, request.user, currency)
    form = ConfigureForm(request.POST, offer=configurable)
    priced: Quote | None = None
    problems: list[str] = []
    if form.is_valid():
        item = carts.clean_item(form.item())
        try:
            priced = quote(customer=customer, currency=currency, items=[item], user=request.user)
        except ValidationError as refused:
            problems = [message for messages_ in refused.message_dict.values() for message in messages_]
    else:
        problems = [str(error) for errors in form.errors.values() for error in errors]
    context = {"quote": priced, "problems": problems, "currency": currency}
    return render(request, TEMPLATES + "_preview.html", context)


# --- the cart ---------------------------------------------------------------------------------


@dataclass
class CartRow:
    index: int
    item: dict[str, Any]
    name: str
    line: QuoteLine | None = None
    children: list[QuoteLine] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def lines(self) -> list[QuoteLine]:
        return ([self.line] if self.line else []) + self.children

    @property
    def net(self) -> Decimal:
        return sum((line.net_amount for line in self.lines), Decimal("0.00"))


def _priced_rows(priced: Quote, items: list[dict[str, Any]]) -> list[CartRow]:
    item_lines = [
        (position, line) for position, line in enumerate(priced.lines) if line.role == LineRole.ITEM
    ]
    return [
        CartRow(
            index=index,
            item=items[index],
            name=line.plan.name,
            line=line,
            children=[child for child in priced.lines if child.parent == position],
        )
        for index, (position, line) in enumerate(item_lines)
    ]


def _broken_rows(items: list[dict[str, Any]], errors: dict[str, list[str]]) -> list[CartRow]:
    plans = plans_by_reference(item.get("plan") for item in items)
    rows = []
    for index, item in enumerate(items):
        found = plans.get(str(item.get("plan")))
        prefix = f"items.{index}"
        problems = [
            m for key, ms in errors.items() if key == prefix or key.startswith(prefix + ".") for m in ms
        ]
        rows.append(CartRow(index=index, item=item, name=found.name if found else "?", errors=problems))
    return rows


@dataclass
class PricedCart:
    cart: Order | None
    rows: list[CartRow]
    quote: Quote | None = None
    coupon_error: str = ""
    errors: list[str] = field(default_factory=list)


def price_cart(request: AuthenticatedHttpRequest, cart: Order | None) -> PricedCart:
    """The cart priced by quote(); when its coupon is refused, priced without it and the refusal
    kept; when an item no longer prices (retired plan, price withdrawn), the errors per item."""
    if cart is None or not cart.items:
        return PricedCart(cart, [])
    coupon_error = ""
    try:
        priced = carts.price(cart=cart, user=request.user)
    except ValidationError as refused:
        errors = refused.message_dict
        if set(errors) != {"coupon"}:
            rows = _broken_rows(cart.items, errors)
            general = [m for key, ms in errors.items() if not key.startswith("items.") for m in ms]
            return PricedCart(cart, rows, errors=general)
        coupon_error = " ".join(errors["coupon"])
        priced = carts.price(cart=cart, user=request.user, coupon="")
    return PricedCart(cart, _priced_rows(priced, cart.items), priced, coupon_error)


def _cart_page(
    request: AuthenticatedHttpRequest,
    membership: Membership,
    *,
    coupon_form: CouponForm | None = None,
    status: int = 200,
) -> HttpResponse:
    cart = carts.find_cart(customer=membership.customer, user=request.user)
    priced = price_cart(request, cart)
    coupon_form = coupon_form or CouponForm(initial={"coupon": cart.coupon_code if cart else ""})
    context = {
        "customer": membership.customer,
        "priced": priced,
        "quote": priced.quote,
        "currency": cart.currency if cart else carts.cart_currency(customer=membership.customer),
        "coupon_form": coupon_form,
        "cycles": ChangeItemForm.base_fields["cycle"].choices,  # type: ignore[attr-defined]
    }
    return render(request, TEMPLATES + "cart.html", context, status=status)


@area_page(Capability.BILLING)
def cart(request: AuthenticatedHttpRequest, membership: Membership) -> HttpResponse:
    return _cart_page(request, membership)


def _refused(request: AuthenticatedHttpRequest, refused: ValidationError) -> None:
    for message in refused.messages:
        messages.error(request, message)


@require_POST
@area_page(Capability.BILLING)
def cart_remove(request: AuthenticatedHttpRequest, membership: Membership, index: int) -> HttpResponse:
    try:
        carts.remove_item(customer=membership.customer, user=request.user, index=index)
    except ValidationError as refused:
        _refused(request, refused)
    else:
        messages.success(request, _("The item was removed from your cart."))
    return redirect(CART)


@require_POST
@area_page(Capability.BILLING)
def cart_change(request: AuthenticatedHttpRequest, membership: Membership, index: int) -> HttpResponse:
    form = ChangeItemForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(CART)
    try:
        carts.change_item(
            customer=membership.customer,
            user=request.user,
            index=index,
            cycle=form.cleaned_data["cycle"],
            quantity=form.cleaned_data["quantity"],
        )
    except ValidationError as refused:
        _refused(request, refused)
    else:
        messages.success(request, _("Your cart was updated."))
    return redirect(CART)


@require_POST
@area_page(Capability.BILLING)
def cart_coupon(request: AuthenticatedHttpRequest, membership: Membership) -> HttpResponse:
    form = CouponForm(request.POST)
    if form.is_valid():
        try:
            carts.set_coupon(
                customer=membership.customer, user=request.user, code=form.cleaned_data["coupon"]
            )
        except ValidationError as refused:
            add_quote_errors(form, refused)
        else:
            messages.success(request, _("The coupon was applied."))
            return redirect(CART)
    return _cart_page(request, membership, coupon_form=form, status=400)


@require_POST
@area_page(Capability.BILLING)
def cart_coupon_remove(request: AuthenticatedHttpRequest, membership: Membership) -> HttpResponse:
    carts.clear_coupon(customer=membership.customer, user=request.user)
    messages.success(request, _("The coupon was removed."))
    return redirect(CART)


@area_page(Capability.BILLING)
def checkout(request: AuthenticatedHttpRequest, membership: Membership) -> HttpResponse:
    """GET: the confirmation (what will be ordered and its total); POST: the order is placed for
    the total confirmed, or refused with the reason and the cart left as it was."""
    customer = membership.customer
    cart = carts.find_cart(customer=customer, user=request.user)
    if request.method == "POST":
        form = CheckoutForm(request.POST)
        if form.is_valid() and cart is not None:
            try:
                order = carts.checkout(
                    customer=customer, user=request.user, expected_total=form.cleaned_data["total"]
                )
            except ValidationError as refused:
                _refused(request, refused)
                return redirect(CART)
            messages.success(
                request, _("Thank you: your order %(number)s is placed.") % {"number": order.number}
            )
            return redirect("orders:area-order", order.pk)
        messages.error(request, _("Your cart is empty."))
        return redirect(CART)
    priced = price_cart(request, cart)
    if priced.quote is None or priced.coupon_error:
        if priced.coupon_error:
            messages.error(request, priced.coupon_error)
        return redirect(CART)
    context = {
        "customer": customer,
        "priced": priced,
        "quote": priced.quote,
        "currency": priced.quote.currency,
        "form": CheckoutForm(initial={"total": priced.quote.total}),
    }
    return render(request, TEMPLATES + "checkout.html", context)
