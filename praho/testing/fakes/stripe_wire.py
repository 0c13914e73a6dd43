"""What the fake Stripe reads and writes on the wire: form bodies with bracket nesting, Stripe's
error shape, its ids, and the typed reading of parameters that Stripe does before any work.

The stripe library sends every v1 request as `application/x-www-form-urlencoded` (or a query
string for GET): nested hashes as `metadata[key]=v`, arrays as `items[0][price]=...` (the library
always numbers them; `expand[]=x` from hand-written clients is read the same way), booleans as
`true`/`false`, numbers as text. Stripe refuses what it does not know, with a 400 naming the
parameter; the fake does the same so that a typo in PRAHO fails in tests, not in production.
"""

from __future__ import annotations

import re
import secrets
import string
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

Obj = dict[str, Any]
Params = dict[str, Any]

INVALID_REQUEST = "invalid_request_error"
CARD_ERROR = "card_error"
API_ERROR = "api_error"
IDEMPOTENCY_ERROR = "idempotency_error"

_ALPHABET = string.ascii_letters + string.digits
_SEGMENT = re.compile(r"\[([^\[\]]*)\]")
# Currencies whose amounts have no minor unit (Stripe's zero-decimal list).
ZERO_DECIMAL = frozenset(
    {
        *("bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga"),
        *("pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"),
    }
)
# Stripe's smallest charge, in minor units, for the currencies PRAHO invoices in.
MINIMUM_CHARGE = {"eur": 50, "usd": 50, "gbp": 30, "chf": 50, "ron": 200, "bgn": 100, "huf": 17500}
# The names Stripe's "No such ..." messages use for each kind of object.
KIND_NAMES = {
    "customer": "customer",
    "checkout.session": "checkout.session",
    "payment_intent": "payment_intent",
    "charge": "charge",
    "refund": "refund",
    "dispute": "dispute",
    "payment_method": "PaymentMethod",
    "billing_portal.session": "billing_portal.session",
    "event": "event",
}


class StripeError(Exception):
    """An answer in Stripe's error shape. `stored` is False for the refusals Stripe gives before
    an endpoint starts its work (bad parameters, conflicts): those are not kept for an
    Idempotency-Key, so a corrected retry with the same key runs."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = INVALID_REQUEST,
        code: str | None = None,
        param: str | None = None,
        decline_code: str | None = None,
        extra: Obj | None = None,
        stored: bool = True,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.code = code
        self.param = param
        self.decline_code = decline_code
        self.extra = extra or {}
        self.stored = stored

    def body(self) -> Obj:
        error: Obj = {"type": self.type, "message": self.message}
        if self.code:
            error["code"] = self.code
            error["doc_url"] = f"https://stripe.com/docs/error-codes/{self.code.replace('_', '-')}"
        if self.param:
            error["param"] = self.param
        if self.decline_code:
            error["decline_code"] = self.decline_code
        return {"error": {**error, **self.extra}}


def invalid(message: str, param: str | None = None, code: str | None = None) -> StripeError:
    """A refusal of the request's parameters, before any work (never kept for its key)."""
    return StripeError(400, message, param=param, code=code, stored=False)


def missing(kind: str, object_id: str, param: str = "id") -> StripeError:
    name = KIND_NAMES.get(kind, kind)
    return StripeError(404, f"No such {name}: '{object_id}'", code="resource_missing", param=param)


def new_id(prefix: str, length: int = 24) -> str:
    return prefix + "_" + "".join(secrets.choice(_ALPHABET) for _ in range(length))


# --- form bodies ------------------------------------------------------------------------------


def decode_form(text: str) -> Params:
    """`a[b][0][c]=v&expand[]=x` into `{"a": {"b": {"0": {"c": "v"}}}, "expand": {"0": "x"}}`:
    hashes all the way down; `array_of` reads a numbered hash as the array it stands for (only
    the parameter knows: `metadata[0]` is a key named "0")."""
    root: Params = {}
    for key, value in parse_qsl(text, keep_blank_values=True):
        _put(root, _segments(key), value, key)
    return root


def _segments(key: str) -> list[str]:
    head, bracket, rest = key.partition("[")
    if not bracket:
        return [key]
    parts = _SEGMENT.findall("[" + rest)
    if "".join(f"[{part}]" for part in parts) != "[" + rest or not head:
        raise invalid(f"Invalid parameter name: {key}", key)
    return [head, *parts]


def _put(node: Params, segments: list[str], value: str, key: str) -> None:
    for depth, segment in enumerate(segments):
        name = segment or str(len(node))  # `expand[]` appends
        if depth == len(segments) - 1:
            if isinstance(node.get(name), dict):
                raise invalid(f"Invalid hash: {key} is given both as a hash and as a value", key)
            node[name] = value
            return
        child = node.setdefault(name, {})
        if not isinstance(child, dict):
            raise invalid(f"Invalid hash: {key} is given both as a hash and as a value", key)
        node = child


# --- typed reading of parameters --------------------------------------------------------------


def only(params: Params, known: Iterable[str], prefix: str = "") -> None:
    """Refuse a parameter Stripe would not know (its "Received unknown parameter")."""
    allowed = set(known)
    unknown = next((name for name in params if name not in allowed), None)
    if unknown is not None:
        name = f"{prefix}[{unknown}]" if prefix else unknown
        raise invalid(f"Received unknown parameter: {name}", name, "parameter_unknown")


def text(params: Params, name: str, *, required: bool = False, param: str | None = None) -> str | None:
    value = params.get(name)
    label = param or name
    if value is None or value == "":
        if required:
            raise invalid(f"Missing required param: {label}.", label, "parameter_missing")
        return None
    if not isinstance(value, str):
        raise invalid(f"Invalid string: {label} must be a string", label)
    return value


def integer(params: Params, name: str, *, required: bool = False, param: str | None = None) -> int | None:
    value = text(params, name, required=required, param=param)
    if value is None:
        return None
    if not re.fullmatch(r"-?\d+", value):
        raise invalid(f"Invalid integer: {value}", param or name, "parameter_invalid_integer")
    return int(value)


def positive(params: Params, name: str, *, required: bool = False, param: str | None = None) -> int | None:
    value = integer(params, name, required=required, param=param)
    if value is not None and value <= 0:
        raise invalid(f"Invalid positive integer: {value}", param or name, "parameter_invalid_integer")
    return value


def flag(params: Params, name: str) -> bool:
    value = text(params, name)
    if value not in (None, "true", "false"):
        raise invalid(f"Invalid boolean: {value}", name)
    return value == "true"


def choice(params: Params, name: str, allowed: Iterable[str], *, param: str | None = None) -> str | None:
    value = text(params, name, param=param)
    options = list(allowed)
    if value is not None and value not in options:
        label = param or name
        raise invalid(f"Invalid {label}: must be one of {', '.join(options)}", label, "parameter_invalid")
    return value


def hash_of(params: Params, name: str, *, param: str | None = None) -> Params | None:
    """A nested hash; `name=""` (Stripe's way to empty one) gives {}."""
    value = params.get(name)
    if value is None or value == "":
        return None if value is None else {}
    if not isinstance(value, dict):
        label = param or name
        raise invalid(f"Invalid hash: {label} must be a hash", label)
    return value


def array_of(params: Params, name: str, *, param: str | None = None) -> list[Any]:
    value = params.get(name)
    if value is None or value == "":
        return []
    if not isinstance(value, dict) or not all(key.isdigit() for key in value):
        label = param or name
        raise invalid(f"Invalid array: {label} must be an array", label)
    return [value[key] for key in sorted(value, key=int)]


def metadata(params: Params, name: str = "metadata", *, param: str | None = None) -> dict[str, str] | None:
    """Stripe's metadata: at most 50 keys of 40 characters, values of 500; `""` unsets a key."""
    label = param or name
    value = hash_of(params, name, param=label)
    if value is None:
        return None
    if len(value) > 50:
        raise invalid("Metadata can have up to 50 keys.", label)
    for key, item in value.items():
        if not isinstance(item, str):
            raise invalid(f"Invalid metadata value for {key}", f"{label}[{key}]")
        if len(key) > 40 or len(item) > 500:
            raise invalid(
                "Metadata keys can have up to 40 characters and values up to 500.", f"{label}[{key}]"
            )
    return value


def currency(params: Params, name: str = "currency", *, param: str | None = None) -> str:
    value = text(params, name, required=True, param=param) or ""
    if not re.fullmatch(r"[A-Za-z]{3}", value):
        raise invalid(f"Invalid currency: {value.lower()}", param or name, "parameter_invalid")
    return value.lower()


# --- money ------------------------------------------------------------------------------------


def format_amount(amount: int, currency_code: str) -> str:
    """`12345, "ron"` as "123.45 RON": how the fake's pages and messages show money."""
    if currency_code.lower() in ZERO_DECIMAL:
        return f"{amount} {currency_code.upper()}"
    sign = "-" if amount < 0 else ""
    whole, cents = divmod(abs(amount), 100)
    return f"{sign}{whole}.{cents:02d} {currency_code.upper()}"


def check_minimum(amount: int, currency_code: str, param: str) -> None:
    """Stripe refuses charges below a per-currency minimum (its `amount_too_small`)."""
    minimum = MINIMUM_CHARGE.get(currency_code)
    if minimum is not None and amount < minimum:
        raise invalid(
            f"Amount must be at least {format_amount(minimum, currency_code)}", param, "amount_too_small"
        )
