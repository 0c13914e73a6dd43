"""A local Stripe (test mode) for the real `stripe` library, its hosted pages and its webhooks.

Point stripe-python 14.x at it and it answers as Stripe does:

    client = stripe.StripeClient("sk_test_...", base_addresses={"api": fake.url})
    # or, for code using the global configuration:
    stripe.api_key, stripe.api_base = "sk_test_...", fake.url

It speaks the v1 wire format (form bodies with bracket nesting, `Authorization: Bearer`, a 401
for any key but a test secret key, or but `api_key` when one is given), keeps an
`Idempotency-Key`'s answer (the same key with other parameters is a 400 `idempotency_error`, a
key still in use a 409), and serves Customers, Checkout Sessions, billing portal sessions,
PaymentIntents, Charges, Refunds, Disputes and Events (stripe_api). Its pages (`/pay/{session}`,
`/portal/{portal}`, stripe_pages) stand in for Stripe's hosted Checkout and portal.

Every change records an event with Stripe's envelope (`fake.events`, oldest first). When
`webhook_url` is set and `auto_deliver` is on, events go to it signed as Stripe signs them:
those caused by the pages and the test hooks at once (before the page or hook returns), those
caused by API calls from a worker thread after the answer (`wait_for_deliveries`). Stripe retries
failed deliveries; the fake does not: a test calls `deliver` again, as many times as it likes,
signed well or badly.

Test hooks do what a customer, a bank or someone in Stripe's dashboard would do:
`complete_session`, `async_payment_succeeded`/`_failed`, `expire_session`, `refund`, `dispute`,
`update_customer`, `add_card` (a test card number decides how off-session charges of it end, as
Stripe's test cards do), `decline_next_payment`. `fail_next` names an endpoint by the last
segment of its path ("refunds") or by the whole path ("/v1/checkout/sessions"); besides
FakeService's failures it has CONFLICT (Stripe's 409 `lock_timeout`), and SERVER_ERROR and
TOO_MANY_REQUESTS answer in Stripe's error shape.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import urlsplit

import httpx

from praho.testing.fakes import stripe_objects as objects
from praho.testing.fakes.service import (
    FAILURES,
    SERVER_ERROR,
    TOO_MANY_REQUESTS,
    Failure,
    FakeService,
    Received,
    Reply,
)
from praho.testing.fakes.stripe_account import Account
from praho.testing.fakes.stripe_api import serve
from praho.testing.fakes.stripe_ledger import CUSTOMER_FIELDS
from praho.testing.fakes.stripe_pages import answer_page, is_page
from praho.testing.fakes.stripe_webhooks import (
    Delivery,
    Outbox,
    body_of,
    post,
    signature_header,
    signed_request,
)
from praho.testing.fakes.stripe_wire import (
    API_ERROR,
    IDEMPOTENCY_ERROR,
    Obj,
    Params,
    StripeError,
    decode_form,
    new_id,
)

CONFLICT = "409"  # fail_next: Stripe's lock_timeout, which stripe-python retries
NO_KEY = (
    "You did not provide an API key. You need to provide your API key in the Authorization header, "
    "using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). "
    "See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/."
)
TEST_KEY_PREFIXES = ("sk_test_", "rk_test_")


class FakeStripe(FakeService):
    failures = (*FAILURES, CONFLICT)

    def __init__(
        self,
        *,
        port: int = 0,
        api_key: str | None = None,
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        auto_deliver: bool = True,
    ) -> None:
        """`api_key` None takes any test secret key (sk_test_/rk_test_), as a sandbox would take
        its own; `webhook_url` None leaves webhooks off; `webhook_secret` None makes one up."""
        super().__init__(port=port)
        self.api_key = api_key
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret or new_id("whsec", 32)
        self.auto_deliver = auto_deliver
        self.delivery_timeout = 10.0
        self.deliveries: list[Delivery] = []
        self.account = Account(self.url)
        self._keys = IdempotencyKeys()
        self._outbox = Outbox(self._deliver_batch)

    def stop(self) -> None:
        super().stop()
        self._outbox.close()

    # --- what tests read ------------------------------------------------------------------------

    @property
    def events(self) -> list[Obj]:
        """Every event so far, oldest first (the API lists them newest first)."""
        return self.account.events

    def events_of(self, type: str) -> list[Obj]:
        with self.account.lock:
            return [event for event in self.account.events if event["type"] == type]

    def lookup(self, object_id: str) -> Obj | None:
        """A copy of any object by id, as the API would answer it."""
        with self.account.lock:
            found = self.account.find(object_id)
            return objects.deep_copy(found) if found is not None else None

    # --- what customers, banks and the dashboard do (test hooks) -------------------------------

    def complete_session(
        self, session_id: str, *, paid: bool = True, asynchronous: bool = False, card: str | None = None
    ) -> Obj:
        """The customer pays on the Checkout page. `asynchronous`: with a method whose result comes
        later (payment_status stays unpaid until `async_payment_succeeded`/`_failed`);
        `paid=False`: the session completes with nothing to pay (`no_payment_required`); `card`:
        a Stripe test card number (stripe_objects.TEST_CARDS) rather than the default Visa, e.g.
        "4000002760003184", which pays here but asks for authentication off-session."""
        return self._hook(
            lambda: self.account.complete_session(session_id, paid=paid, asynchronous=asynchronous, card=card)
        )

    def async_payment_succeeded(self, session_id: str) -> Obj:
        return self._hook(lambda: self.account.settle_session(session_id, succeeded=True))

    def async_payment_failed(self, session_id: str) -> Obj:
        return self._hook(lambda: self.account.settle_session(session_id, succeeded=False))

    def expire_session(self, session_id: str) -> Obj:
        """The session's time runs out (Stripe expires it on its own)."""
        return self._hook(lambda: self.account.expire_session(session_id))

    def refund(self, charge_or_pi: str, amount: int | None = None) -> Obj:
        """A refund made in Stripe's dashboard (all that is left when `amount` is None)."""
        by_intent = charge_or_pi.startswith("pi_")
        return self._hook(
            lambda: self.account.create_refund(
                charge_id=None if by_intent else charge_or_pi,
                intent_id=charge_or_pi if by_intent else None,
                amount=amount,
            )
        )

    def dispute(self, charge_id: str, *, reason: str = "fraudulent") -> Obj:
        """The card holder disputes the charge (a PaymentIntent's id names its charge)."""
        return self._hook(lambda: self.account.open_dispute(charge_id, reason=reason))

    def update_customer(self, customer_id: str, **fields: object) -> Obj:
        """The customer is changed in the dashboard (email, name, phone, description, address,
        metadata): `customer.updated` with `previous_attributes`."""
        meta = fields.pop("metadata", None)
        unknown = sorted(set(fields) - set(CUSTOMER_FIELDS))
        if unknown:
            raise ValueError(f"Unknown customer fields {unknown}; choose from {CUSTOMER_FIELDS}")
        metadata = {str(key): str(value) for key, value in meta.items()} if isinstance(meta, dict) else None
        return self._hook(lambda: self.account.update_customer(customer_id, dict(fields), metadata))

    def add_card(
        self,
        customer_id: str,
        *,
        brand: str = "visa",
        last4: str = "4242",
        exp_month: int = 12,
        number: str | None = None,
    ) -> Obj:
        """A card saved on the customer (`payment_method.attached`), to charge off-session. With
        `number`, one of Stripe's test cards (stripe_objects.TEST_CARDS): "4000000000000341" is
        declined (`card_declined`) whenever it is charged, "4000002760003184" asks for
        authentication (`authentication_required`), "4000000000009995" has insufficient funds."""
        return self._hook(
            lambda: self.account.add_card(
                customer_id, brand=brand, last4=last4, exp_month=exp_month, number=number
            )
        )

    def decline_next_payment(self, customer_id: str, code: str = "card_declined") -> None:
        """The next off-session payment of this customer (or with this payment method id) is
        declined: "card_declined", "insufficient_funds", "expired_card", "authentication_required"."""
        objects.decline(code)  # refuses an unknown code now, not at the payment
        with self.account.lock:
            self.account.declines.setdefault(customer_id, []).append(code)

    def _hook(self, operation: Callable[[], Obj]) -> Obj:
        with self.account.lock:
            try:
                result: Obj = objects.deep_copy(operation())
            finally:
                fresh = self.account.take_fresh()
        self._deliver_now(fresh)
        return result

    # --- webhooks -------------------------------------------------------------------------------

    def signed(self, event: Obj, *, timestamp: int | None = None) -> tuple[bytes, str]:
        """The body and `Stripe-Signature` header Stripe would send for `event`."""
        body = body_of(event)
        return body, signature_header(
            body, self.webhook_secret, int(time.time()) if timestamp is None else timestamp
        )

    def deliver(self, event: Obj, *, times: int = 1, signature: str = "good") -> list[int]:
        """POST `event` to `webhook_url` `times` times; the statuses (0: no answer).
        `signature`: "good", "bad" (another secret), "none" (no header), "stale" (ten minutes old)."""
        url = self.webhook_url
        if url is None:
            raise ValueError("FakeStripe.webhook_url is None: set it to deliver events")
        statuses: list[int] = []
        with httpx.Client(timeout=self.delivery_timeout) as client:
            for _ in range(times):
                body, headers = signed_request(event, self.webhook_secret, signature)
                statuses.append(post(client, url, body, headers))
        with self._lock:
            self.deliveries.extend(
                Delivery(event["id"], event["type"], status, signature) for status in statuses
            )
        return statuses

    def wait_for_deliveries(self, timeout: float = 5.0) -> bool:
        """Wait until the events of API calls so far were delivered; False on timeout."""
        return self._outbox.wait(timeout)

    def _deliver_now(self, events: list[Obj]) -> None:
        if self.auto_deliver and self.webhook_url is not None:
            for event in events:
                self.deliver(event)

    def _deliver_later(self, events: list[Obj]) -> None:
        if events and self.auto_deliver and self.webhook_url is not None:
            self._outbox.put(events)

    def _deliver_batch(self, events: list[Obj]) -> None:
        for event in events:
            if self.webhook_url is not None:
                self.deliver(event)

    # --- the API --------------------------------------------------------------------------------

    def answer(self, received: Received) -> Reply:
        path = urlsplit(received.path).path
        if is_page(path):
            return answer_page(self.account, received, self._deliver_now)
        request_id = new_id("req", 14)
        key = received.headers.get("idempotency-key") if received.method == "POST" else None
        headers = {
            "Request-Id": request_id,
            "Stripe-Version": received.headers.get("stripe-version") or objects.API_VERSION,
        }
        if key:
            headers["Idempotency-Key"] = key
        try:
            self._authenticate(received.headers.get("authorization", ""))
            _check_version(headers["Stripe-Version"])
            reply = self._idempotent(received.method, path, _params(received), key, request_id)
        except StripeError as error:
            reply = _json(error.status, error.body())
        return Reply(reply.status, reply.body, reply.content_type, {**headers, **reply.headers})

    def _authenticate(self, header: str) -> None:
        scheme, _, credentials = header.partition(" ")
        key = credentials.strip() if scheme.lower() == "bearer" else ""
        if scheme.lower() == "basic":
            try:
                key = base64.b64decode(credentials, validate=True).decode().partition(":")[0]
            except (binascii.Error, UnicodeDecodeError):
                key = ""
        if not key:
            raise StripeError(401, NO_KEY, stored=False)
        accepted = key == self.api_key if self.api_key else key.startswith(TEST_KEY_PREFIXES) and len(key) > 8
        if not accepted:
            masked = key[:8] + "*" * (len(key) - 12) + key[-4:] if len(key) > 16 else key[:8] + "****"
            raise StripeError(401, f"Invalid API Key provided: {masked}", stored=False)

    def _idempotent(self, method: str, path: str, params: Params, key: str | None, request_id: str) -> Reply:
        request = {"id": request_id, "idempotency_key": key}
        if key is None:
            return self._run(method, path, params, request)[0]
        entry = self._keys.begin(key, json.dumps([method, path, params], sort_keys=True))
        if entry is not None:
            replayed = {"Idempotent-Replayed": "true", "Original-Request": entry.request_id}
            assert entry.reply is not None
            return Reply(entry.reply.status, entry.reply.body, entry.reply.content_type, replayed)
        try:
            reply, stored = self._run(method, path, params, request)
        except BaseException:
            self._keys.finish(key, None, request_id)
            raise
        self._keys.finish(key, reply if stored else None, request_id)
        return reply

    def _run(self, method: str, path: str, params: Params, request: Obj) -> tuple[Reply, bool]:
        """Serve one API call under the account's lock; its events go out afterwards."""
        with self.account.lock:
            self.account.request = request
            try:
                reply, stored = _json(HTTPStatus.OK, serve(self.account, method, path, params)), True
            except StripeError as error:
                reply, stored = _json(error.status, error.body()), error.stored
            except Exception as error:  # a bug of the fake: say so in Stripe's shape, not a hang-up
                failure = StripeError(500, f"The fake Stripe failed: {error!r}", type=API_ERROR)
                reply, stored = _json(500, failure.body()), False
            finally:
                self.account.request = objects.NO_REQUEST
                fresh = self.account.take_fresh()
        self._deliver_later(fresh)
        return reply, stored

    # --- failures in Stripe's shape -------------------------------------------------------------

    def error_reply(self, received: Received) -> Reply:
        return _json(500, _api_error().body())

    def failure_reply(self, failure: Failure) -> Reply | None:
        if failure.mode == SERVER_ERROR:
            return _json(500, _api_error().body())
        if failure.mode == TOO_MANY_REQUESTS:
            limited = StripeError(429, "Too many requests. Retry later.", code="rate_limit")
            headers = {"Retry-After": failure.retry_after} if failure.retry_after else {}
            return Reply(429, json.dumps(limited.body(), indent=2).encode(), headers=headers)
        if failure.mode == CONFLICT:
            busy = StripeError(
                409,
                "This object cannot be accessed right now because another API request or Stripe process is "
                "currently accessing it. If you see this error intermittently, retry the request.",
                code="lock_timeout",
            )
            return _json(409, busy.body())
        return super().failure_reply(failure)

    def _record(self, received: Received) -> Failure | None:
        """As FakeService's, but a failure may also name the whole path ("/v1/checkout/sessions"
        and "/v1/billing_portal/sessions" share their last segment)."""
        path = urlsplit(received.path).path
        with self._lock:
            self.received.append(received)
            failure = next((f for f in self._failures if f.endpoint in (received.endpoint, path)), None)
            if failure is not None:
                self._failures.remove(failure)
            return failure


@dataclass
class _Entry:
    fingerprint: str
    reply: Reply | None = None
    request_id: str = ""


class IdempotencyKeys:
    """Stripe's idempotency: a key's first complete answer is given again to every retry with the
    same parameters; other parameters are refused, and so is a retry while the first still runs."""

    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    def begin(self, key: str, fingerprint: str) -> _Entry | None:
        """The answer to replay, or None: this request runs, holding the key."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self._entries[key] = _Entry(fingerprint)
                return None
            if entry.reply is None:
                raise StripeError(
                    409,
                    "There is currently another in-progress request using this Idempotent Key "
                    "(that probably means you submitted twice, and the other request is still going "
                    f"through): {key}. Please try again later.",
                    code="idempotency_key_in_use",
                    stored=False,
                )
            if entry.fingerprint != fingerprint:
                raise StripeError(
                    400,
                    "Keys for idempotent requests can only be used with the same parameters they were "
                    f"first used with. Try using a key other than '{key}' if you meant to execute a "
                    "different request.",
                    type=IDEMPOTENCY_ERROR,
                    stored=False,
                )
            return entry

    def finish(self, key: str, reply: Reply | None, request_id: str) -> None:
        """Keep the answer for the key; None lets the key go (an answer Stripe does not keep)."""
        with self._lock:
            if reply is None:
                self._entries.pop(key, None)
            else:
                self._entries[key] = _Entry(self._entries[key].fingerprint, reply, request_id)


def _check_version(version: str) -> None:
    """Stripe refuses a Stripe-Version that is not a dated version (`2026-02-25.clover`)."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}(\.[a-z]+)?", version):
        raise StripeError(400, f"Invalid Stripe API version: {version}", stored=False)


def _params(received: Received) -> Params:
    params = decode_form(urlsplit(received.path).query)
    if received.method == "POST" and received.body:
        params |= decode_form(received.body.decode(errors="replace"))
    return params


def _json(status: int, payload: Obj) -> Reply:
    return Reply(status, json.dumps(payload, indent=2, ensure_ascii=False).encode())


def _api_error() -> StripeError:
    return StripeError(500, "An unknown error occurred", type=API_ERROR)
