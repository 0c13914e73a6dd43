"""The customer's cart: an order in draft, one per (customer, user), kept on the server.

Its `items` are what checkout will price ({"plan", "cycle", "quantity", "domain", "addons"},
plans and add-ons by id) and its `coupon_code` the coupon typed. Every change is checked by
pricing the cart as it would be with quotes.quote(), the function checkout uses: a refused change
raises the quote's ValidationError (keyed by field: `items.3.domain`, `coupon`) and leaves the cart
as it was. Edits are not audited (nothing is sold yet); checkout is, by place_order.

The caller (the customer area) decides who may order: members whose role has the BILLING
capability.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from praho.core.transactions import service_transaction
from praho.customers.models import Customer
from praho.customers.selectors import current_profile
from praho.orders import locks
from praho.orders.models import Order, OrderStatus
from praho.orders.quotes import Quote, quote
from praho.orders.services.checkout import place_order


def cart_currency(*, customer: Customer) -> str:
    """The cart is priced in the customer's currency (its tax and billing profile)."""
    return current_profile(customer).currency


def find_cart(*, customer: Customer, user: Any) -> Order | None:
    """The user's cart for this customer, if there is one (one query)."""
    return Order.objects.filter(customer=customer, created_by=user, status=OrderStatus.DRAFT).first()


def cart_of(*, customer: Customer, user: Any) -> Order:
    """The user's cart for this customer, made empty on first use, in the customer's currency."""
    currency = cart_currency(customer=customer)
    cart, _created = Order.objects.get_or_create(
        customer=customer, created_by=user, status=OrderStatus.DRAFT, defaults={"currency": currency}
    )
    if cart.currency != currency:  # the customer's currency changed: the cart follows
        cart.currency = currency
        cart.save(update_fields=["currency"])
    return cart


def price(*, cart: Order, user: Any, items: Any = None, coupon: str | None = None) -> Quote:
    """The cart priced as checkout would price it (or with other items or coupon); ValidationError
    keyed by field when it cannot be."""
    return quote(
        customer=cart.customer,
        currency=cart.currency,
        items=cart.items if items is None else items,
        coupon=cart.coupon_code if coupon is None else coupon,
        user=user,
    )


def clean_item(item: dict[str, Any]) -> dict[str, Any]:
    """An item as the cart keeps it: the five keys, a whole quantity, no empty domain noise."""
    quantity = item.get("quantity")
    text = str(quantity).strip() if quantity is not None else "1"
    return {
        "plan": item.get("plan"),
        "cycle": item.get("cycle"),
        "quantity": int(text) if text.isascii() and text.isdigit() else quantity,
        "domain": str(item.get("domain") or "").strip().lower().rstrip("."),
        "addons": list(item.get("addons") or []),
    }


def _locked_cart(customer: Customer, user: Any) -> Order:
    cart = locks.locked_order(cart_of(customer=customer, user=user).pk)
    if cart.status != OrderStatus.DRAFT:  # checked out meanwhile (another tab)
        raise ValidationError(_("This cart was already checked out."), code="not_draft")
    return cart


def _too_many() -> ValidationError:
    return ValidationError(
        {
            "items": ValidationError(
                _("A cart holds at most %(max)d items.") % {"max": settings.ORDERS_MAX_ITEMS},
                code="too_many",
            )
        }
    )


def _save_items(cart: Order, items: list[dict[str, Any]], *, user: Any) -> Order:
    """Keep `items` if they price (without the coupon, which the cart page checks on its own)."""
    price(cart=cart, user=user, items=items, coupon="")
    cart.items = items
    cart.save(update_fields=["items"])
    return cart


@service_transaction
def add_item(*, customer: Customer, user: Any, item: dict[str, Any]) -> Order:
    """Add one item (a plan with its cycle, quantity, domain and add-ons). Refused with the
    quote's errors (the new item's are keyed `items.<its index>.…`), the cart unchanged."""
    cart = _locked_cart(customer, user)
    if len(cart.items) >= settings.ORDERS_MAX_ITEMS:
        raise _too_many()
    return _save_items(cart, [*cart.items, clean_item(item)], user=user)


def _index(cart: Order, index: int) -> int:
    if not 0 <= index < len(cart.items):
        raise ValidationError(_("This item is no longer in the cart."), code="no_item")
    return index


@service_transaction
def remove_item(*, customer: Customer, user: Any, index: int) -> Order:
    """Take one item out (with its add-ons). Not priced: removing never makes a cart worse, and a
    cart broken by a catalog change is mended this way."""
    cart = _locked_cart(customer, user)
    items = list(cart.items)
    items.pop(_index(cart, index))
    cart.items = items
    cart.save(update_fields=["items"])
    return cart


@service_transaction
def change_item(
    *, customer: Customer, user: Any, index: int, cycle: str | None = None, quantity: Any = None
) -> Order:
    """Change an item's cycle or quantity, if the cart still prices."""
    cart = _locked_cart(customer, user)
    items = [dict(item) for item in cart.items]
    item = items[_index(cart, index)]
    if cycle is not None:
        item["cycle"] = cycle
    if quantity is not None:
        item["quantity"] = quantity
    items[index] = clean_item(item)
    return _save_items(cart, items, user=user)


@service_transaction
def set_coupon(*, customer: Customer, user: Any, code: str) -> Order:
    """Apply a coupon if the cart as it is may use it; the refusal names the reason (keyed
    `coupon`); an empty cart cannot take one yet."""
    cart = _locked_cart(customer, user)
    code = code.strip()
    if not code:
        raise ValidationError({"coupon": ValidationError(_("Enter a coupon code."), code="required")})
    try:
        priced = price(cart=cart, user=user, coupon=code)
    except ValidationError as refused:
        errors = refused.message_dict
        if "coupon" in errors:
            raise ValidationError({"coupon": errors["coupon"]}) from None
        raise ValidationError(
            {"coupon": _("Put in the cart what the coupon is for first, then apply it.")}
        ) from None
    assert priced.coupon is not None
    cart.coupon_code = priced.coupon.code
    cart.save(update_fields=["coupon_code"])
    return cart


@service_transaction
def clear_coupon(*, customer: Customer, user: Any) -> Order:
    cart = _locked_cart(customer, user)
    cart.coupon_code = ""
    cart.save(update_fields=["coupon_code"])
    return cart


@service_transaction
def checkout(*, customer: Customer, user: Any, expected_total: Decimal | None = None) -> Order:
    """Place the cart as an order (place_order: numbered, coupon used, proforma issued or waiting
    for approval). `expected_total`: the total the customer confirmed; if the cart's price moved
    since (a price change, a coupon used up), nothing is placed and the refusal says so."""
    cart = _locked_cart(customer, user)
    priced = price(cart=cart, user=user)  # errors in the user's language, before place_order's
    if expected_total is not None and priced.total != expected_total:
        raise ValidationError(
            _("The total changed to %(total)s %(currency)s since you confirmed it: check the cart again.")
            % {"total": priced.total, "currency": cart.currency},
            code="total_changed",
        )
    return place_order(
        actor=user,
        customer=customer,
        currency=cart.currency,
        items=cart.items,
        coupon=cart.coupon_code,
        cart=cart,
    )
