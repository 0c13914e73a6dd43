"""The fake Stripe's /v1 endpoints: each reads its parameters as Stripe does (refusing unknown or
ill-typed ones with a 400 naming the parameter), calls one operation of the account, and answers
a copy of the object with `expand` applied. `serve` is the whole of it; the caller holds the
account's lock.

`expand[]` follows ids to the objects they name (`payment_intent`, `payment_intent.latest_charge`,
`latest_charge`, `customer`, ...), only for the fields Stripe declares expandable, and on lists
under `data.` as Stripe wants; anything else is Stripe's "This property cannot be expanded".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from fnmatch import fnmatchcase

from praho.testing.fakes import stripe_objects as objects
from praho.testing.fakes.stripe_account import Account, LineSpec
from praho.testing.fakes.stripe_payments import REFUND_REASONS
from praho.testing.fakes.stripe_wire import (
    Obj,
    Params,
    StripeError,
    array_of,
    choice,
    currency,
    flag,
    hash_of,
    integer,
    invalid,
    metadata,
    only,
    positive,
    text,
)

Handler = Callable[[Account, list[str], Params], Obj]

EXPANDABLE: dict[str, set[str]] = {
    "checkout.session": {"customer", "payment_intent", "line_items"},
    "payment_intent": {"customer", "latest_charge", "payment_method"},
    "charge": {"customer", "payment_intent"},
    "refund": {"charge", "payment_intent"},
    "dispute": {"charge", "payment_intent"},
    "payment_method": {"customer"},
    "customer": {"invoice_settings.default_payment_method"},
    "billing_portal.session": set(),
    "event": set(),
}
PAGING = ("limit", "starting_after", "ending_before")
ADDRESS = ("city", "country", "line1", "line2", "postal_code", "state")
CUSTOMER_PARAMS = ("email", "name", "phone", "description", "metadata", "address", "preferred_locales")
SESSION_PARAMS = (
    "mode",
    "line_items",
    "customer",
    "customer_email",
    "customer_creation",
    "client_reference_id",
    "metadata",
    "success_url",
    "cancel_url",
    "payment_method_types",
    "payment_intent_data",
    "expires_at",
    "locale",
    "submit_type",
    "billing_address_collection",
)
INTENT_DATA_PARAMS = (
    "setup_future_usage",
    "metadata",
    "description",
    "receipt_email",
    "statement_descriptor",
)
INTENT_PARAMS = (
    "amount",
    "currency",
    "customer",
    "payment_method",
    "payment_method_types",
    "off_session",
    "confirm",
    "metadata",
    "description",
    "receipt_email",
    "setup_future_usage",
    "statement_descriptor",
    "statement_descriptor_suffix",
    "error_on_requires_action",
)


def serve(account: Account, method: str, path: str, params: Params) -> Obj:
    """The answer to one API request, expanded as it asked."""
    expand = [str(item) for item in array_of(params, "expand")]
    params = {name: value for name, value in params.items() if name != "expand"}
    handler, ids = _route(method, path)
    answer = objects.deep_copy(handler(account, ids, params))
    for wanted in expand:
        _expand_path(account, answer, wanted)
    return answer


def _route(method: str, path: str) -> tuple[Handler, list[str]]:
    for verb, pattern, handler in ROUTES:
        match = pattern.fullmatch(path)
        if verb == method and match is not None:
            return handler, list(match.groups())
    raise StripeError(
        404,
        f"Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs or we can "
        "help at https://support.stripe.com/.",
        stored=False,
    )


# --- expansion ------------------------------------------------------------------------------


def _expand_path(account: Account, answer: Obj, path: str) -> None:
    segments = path.split(".")
    if answer.get("object") == "list":
        if segments[0] != "data" or len(segments) < 2:
            raise invalid(f"This property cannot be expanded ({path}).", "expand")
        for item in answer["data"]:
            _expand(account, item, segments[1:], path)
        return
    _expand(account, answer, segments, path)


def _expand(account: Account, obj: Obj, segments: list[str], path: str) -> None:
    allowed = EXPANDABLE.get(str(obj.get("object")), set())
    depth = next((n for n in range(len(segments), 0, -1) if ".".join(segments[:n]) in allowed), 0)
    if depth == 0:
        raise invalid(f"This property cannot be expanded ({path}).", "expand")
    holder = obj
    for name in segments[: depth - 1]:
        holder = holder[name]
    field = segments[depth - 1]
    value = holder.get(field)
    if field == "line_items" and obj["object"] == "checkout.session":
        value = account.line_items_of(obj["id"])
    elif isinstance(value, str):
        found = account.find(value)
        value = objects.deep_copy(found) if found is not None else value
    holder[field] = value
    if depth < len(segments) and isinstance(value, dict):
        _expand(account, value, segments[depth:], path)


# --- lists ----------------------------------------------------------------------------------


def _page(items: list[Obj], params: Params, url: str) -> Obj:
    """One page of a list, newest first, with Stripe's `limit`, `starting_after`, `ending_before`."""
    limit = integer(params, "limit")
    limit = 10 if limit is None else limit
    if not 1 <= limit <= 100:
        raise invalid("Invalid limit: must be between 1 and 100.", "limit")
    ids = [obj["id"] for obj in items]
    after, before = text(params, "starting_after"), text(params, "ending_before")
    for cursor, name in ((after, "starting_after"), (before, "ending_before")):
        if cursor is not None and cursor not in ids:
            raise invalid(f"No such object: '{cursor}'", name, "resource_missing")
    if before is not None:
        earlier = items[: ids.index(before)]
        return objects.listing(url, earlier[-limit:], has_more=len(earlier) > limit)
    later = items[ids.index(after) + 1 :] if after is not None else items
    return objects.listing(url, later[:limit], has_more=len(later) > limit)


# --- customers ------------------------------------------------------------------------------


def _customer_fields(params: Params) -> Obj:
    fields: Obj = {name: text(params, name) for name in ("email", "name", "phone", "description")}
    email = fields["email"]
    if email is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise invalid(f"Invalid email address: {email}", "email", "email_invalid")
    address = hash_of(params, "address")
    if address is not None:
        only(address, ADDRESS, "address")
        fields["address"] = {name: address.get(name) for name in ADDRESS}
    if "preferred_locales" in params:
        fields["preferred_locales"] = [str(locale) for locale in array_of(params, "preferred_locales")]
    return {name: value for name, value in fields.items() if value is not None}


def create_customer(account: Account, ids: list[str], params: Params) -> Obj:
    only(params, CUSTOMER_PARAMS)
    return account.create_customer(_customer_fields(params), metadata(params))


def update_customer(account: Account, ids: list[str], params: Params) -> Obj:
    only(params, (*CUSTOMER_PARAMS, "invoice_settings"))
    fields = _customer_fields(params)
    settings = hash_of(params, "invoice_settings") or {}
    only(settings, ("default_payment_method",), "invoice_settings")
    if settings.get("default_payment_method"):
        fields["default_payment_method"] = str(settings["default_payment_method"])
    return account.update_customer(ids[0], fields, metadata(params))


def list_customers(account: Account, ids: list[str], params: Params) -> Obj:
    only(params, (*PAGING, "email", "created", "test_clock"))
    return _page(account.customers(text(params, "email")), params, "/v1/customers")


def customer_methods(account: Account, ids: list[str], params: Params) -> Obj:
    only(params, (*PAGING, "type", "allow_redisplay"))
    methods = account.methods_of(ids[0], text(params, "type"))
    return _page(methods, params, f"/v1/customers/{ids[0]}/payment_methods")


# --- Checkout and the portal ----------------------------------------------------------------


def create_session(account: Account, ids: list[str], params: Params) -> Obj:
    only(params, SESSION_PARAMS)
    mode = choice(params, "mode", ("payment", "setup", "subscription"))
    if mode is None:
        raise invalid("Missing required param: mode.", "mode", "parameter_missing")
    if mode != "payment":
        raise invalid("The fake Stripe has Checkout Sessions in mode=payment only.", "mode")
    items = [_line(item, f"line_items[{index}]") for index, item in enumerate(array_of(params, "line_items"))]
    if not items:
        raise invalid("You must provide at least one line item in `payment` mode.", "line_items")
    if params.get("customer") and params.get("customer_email"):
        raise invalid(
            "You may only specify one of these parameters: customer, customer_email.", "customer_email"
        )
    fields: Obj = {
        "customer": text(params, "customer"),
        "customer_email": text(params, "customer_email"),
        "customer_creation": choice(params, "customer_creation", ("if_required", "always")) or "if_required",
        "client_reference_id": text(params, "client_reference_id"),
        "metadata": metadata(params) or {},
        "success_url": _url(params, "success_url"),
        "cancel_url": _url(params, "cancel_url"),
        "payment_method_types": [str(kind) for kind in array_of(params, "payment_method_types")] or ["card"],
        "expires_at": integer(params, "expires_at"),
        "locale": text(params, "locale"),
        "submit_type": choice(params, "submit_type", ("auto", "pay", "book", "donate")),
        "billing_address_collection": choice(params, "billing_address_collection", ("auto", "required")),
    }
    return account.create_session(items=items, fields=fields, intent_data=_intent_data(params))


def _url(params: Params, name: str) -> str | None:
    value = text(params, name)
    if value is not None and not re.match(r"https?://[^/\s]+", value):
        raise invalid("Not a valid URL", name, "url_invalid")
    return value


def _line(item: object, prefix: str) -> LineSpec:
    if not isinstance(item, dict):
        raise invalid(f"Invalid hash: {prefix} must be a hash", prefix)
    only(item, ("price_data", "quantity", "price", "tax_rates"), prefix)
    if item.get("price"):
        raise StripeError(
            404, f"No such price: '{item['price']}'", code="resource_missing", param=f"{prefix}[price]"
        )
    quantity = positive(item, "quantity", required=True, param=f"{prefix}[quantity]") or 0
    price = hash_of(item, "price_data", param=f"{prefix}[price_data]")
    if price is None:
        raise invalid(
            f"Missing required param: {prefix}[price_data].", f"{prefix}[price_data]", "parameter_missing"
        )
    where = f"{prefix}[price_data]"
    only(price, ("currency", "unit_amount", "unit_amount_decimal", "product_data", "tax_behavior"), where)
    code = currency(price, param=f"{where}[currency]")
    unit = integer(price, "unit_amount", param=f"{where}[unit_amount]")
    if unit is None or unit < 0:
        raise invalid(
            f"Missing required param: {where}[unit_amount].", f"{where}[unit_amount]", "parameter_missing"
        )
    product = hash_of(price, "product_data", param=f"{where}[product_data]") or {}
    only(
        product,
        ("name", "description", "metadata", "images", "tax_code", "unit_label"),
        f"{where}[product_data]",
    )
    name = text(product, "name", required=True, param=f"{where}[product_data][name]") or ""
    return LineSpec(currency=code, unit_amount=unit, quantity=quantity, name=name)


def _intent_data(params: Params) -> Obj:
    data = hash_of(params, "payment_intent_data") or {}
    only(data, INTENT_DATA_PARAMS, "payment_intent_data")
    where = "payment_intent_data"
    return {
        "setup_future_usage": choice(
            data, "setup_future_usage", ("on_session", "off_session"), param=f"{where}[setup_future_usage]"
        ),
        "metadata": metadata(data, param=f"{where}[metadata]") or {},
        "description": text(data, "description"),
        "receipt_email": text(data, "receipt_email"),
    }


def retrieve_session(account: Account, ids: list[str], params: Params) -> Obj:
    only(params, ())
    return account.session(ids[0])


def list_sessions(account: Account, ids: list[str], params: Params) -> Obj:
    only(params, (*PAGING, "payment_intent", "customer", "status", "created"))
    wanted = {
        field: text(params, field) for field in ("payment_intent", "customer", "status") if params.get(field)
    }
    found = [
        obj for obj in account.of_kind("checkout.session") if all(obj.get(k) == v for k, v in wanted.items())
    ]
    return _page(found, params, "/v1/checkout/sessions")


def list_refunds(account: Account, ids: list[str], params: Params) -> Obj:
    only(params, (*PAGING, "charge", "payment_intent", "created"))
    wanted = {field: text(params, field) for field in ("charge", "payment_intent") if params.get(field)}
    found = [obj for obj in account.of_kind("refund") if all(obj.get(k) == v for k, v in wanted.items())]
    return _page(found, params, "/v1/refunds")


def expire_session(account: Account, ids: list[str], params: Params) -> Obj:
    only(params, ())
    return account.expire_session(ids[0])


def session_line_items(account: Account, ids: list[str], params: Params) -> Obj:
    only(params, PAGING)
    return account.line_items_of(ids[0])


def create_portal(account: Account, ids: list[str], params: Params) -> Obj:
    only(params, ("customer", "return_url", "locale", "configuration", "on_behalf_of"))
    customer = text(params, "customer", required=True) or ""
    return account.create_portal(
        customer_id=customer, return_url=_url(params, "return_url"), locale=text(params, "locale")
    )


# --- payments -------------------------------------------------------------------------------


def create_intent(account: Account, ids: list[str], params: Params) -> Obj:
    only(params, INTENT_PARAMS)
    confirm = flag(params, "confirm")
    off_session = choice(params, "off_session", ("true", "false", "one_off", "recurring"))
    if off_session not in (None, "false") and not confirm:
        raise invalid("off_session can only be used when confirm=true.", "off_session")
    fields: Obj = {
        "amount": positive(params, "amount", required=True),
        "currency": currency(params),
        "customer": text(params, "customer"),
        "payment_method": text(params, "payment_method"),
        "payment_method_types": [str(kind) for kind in array_of(params, "payment_method_types")] or ["card"],
        "metadata": metadata(params) or {},
        "description": text(params, "description"),
        "receipt_email": text(params, "receipt_email"),
        "setup_future_usage": choice(params, "setup_future_usage", ("on_session", "off_session")),
    }
    return account.create_intent(fields, confirm=confirm)


def create_refund(account: Account, ids: list[str], params: Params) -> Obj:
    only(params, ("payment_intent", "charge", "amount", "reason", "metadata"))
    return account.create_refund(
        charge_id=text(params, "charge"),
        intent_id=text(params, "payment_intent"),
        amount=positive(params, "amount"),
        reason=choice(params, "reason", REFUND_REASONS),
        metadata=metadata(params),
    )


def list_events(account: Account, ids: list[str], params: Params) -> Obj:
    only(params, (*PAGING, "type", "types", "created", "delivery_success"))
    wanted = (
        [text(params, "type")] if params.get("type") else [str(kind) for kind in array_of(params, "types")]
    )
    events = [
        event
        for event in reversed(account.events)
        if not wanted or any(fnmatchcase(event["type"], str(pattern)) for pattern in wanted)
    ]
    return _page(events, params, "/v1/events")


def _retrieve(kind: str) -> Handler:
    def handler(account: Account, ids: list[str], params: Params) -> Obj:
        only(params, ())
        return account.get(ids[0], kind)

    return handler


_ID = r"/([^/]+)"
ROUTES: list[tuple[str, re.Pattern[str], Handler]] = [
    (verb, re.compile(pattern), handler)
    for verb, pattern, handler in (
        ("POST", r"/v1/customers", create_customer),
        ("GET", r"/v1/customers", list_customers),
        ("GET", rf"/v1/customers{_ID}", _retrieve("customer")),
        ("POST", rf"/v1/customers{_ID}", update_customer),
        ("GET", rf"/v1/customers{_ID}/payment_methods", customer_methods),
        ("POST", r"/v1/checkout/sessions", create_session),
        ("GET", r"/v1/checkout/sessions", list_sessions),
        ("GET", rf"/v1/checkout/sessions{_ID}", retrieve_session),
        ("GET", rf"/v1/checkout/sessions{_ID}/line_items", session_line_items),
        ("POST", rf"/v1/checkout/sessions{_ID}/expire", expire_session),
        ("POST", r"/v1/billing_portal/sessions", create_portal),
        ("POST", r"/v1/payment_intents", create_intent),
        ("GET", rf"/v1/payment_intents{_ID}", _retrieve("payment_intent")),
        ("GET", rf"/v1/payment_methods{_ID}", _retrieve("payment_method")),
        ("GET", rf"/v1/charges{_ID}", _retrieve("charge")),
        ("POST", r"/v1/refunds", create_refund),
        ("GET", r"/v1/refunds", list_refunds),
        ("GET", rf"/v1/refunds{_ID}", _retrieve("refund")),
        ("GET", rf"/v1/disputes{_ID}", _retrieve("dispute")),
        ("GET", r"/v1/events", list_events),
        ("GET", rf"/v1/events{_ID}", _retrieve("event")),
    )
]
