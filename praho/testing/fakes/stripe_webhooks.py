"""Webhooks as Stripe sends them: the event's JSON, POSTed with a `Stripe-Signature` header
`t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed by the endpoint's secret>`.

The fake computes the signature itself (it is Stripe's side of the protocol; PRAHO's side checks
it with `stripe.Webhook.construct_event`). A delivery can be signed wrongly on purpose: "bad"
(signed with another secret), "none" (no header), "stale" (a correct signature ten minutes old,
past the library's five-minute tolerance). Events caused by an API call are delivered from a
worker thread, after the answer, as Stripe delivers them: never inside the request that caused
them, so PRAHO's webhook view may run while the code that called Stripe still holds its locks.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from praho.testing.fakes.stripe_wire import Obj

SIGNATURES = ("good", "bad", "none", "stale")
STALE_SECONDS = 600  # twice stripe-python's default tolerance (300 s)
NO_ANSWER = 0  # the status recorded when the endpoint could not be reached or did not answer


@dataclass(frozen=True)
class Delivery:
    """One POST of an event to the webhook endpoint, and what it answered."""

    event_id: str
    type: str
    status: int
    signature: str


def body_of(event: Obj) -> bytes:
    """Stripe sends events pretty-printed."""
    return json.dumps(event, indent=2, ensure_ascii=False).encode()


def signature_header(body: bytes, secret: str, timestamp: int) -> str:
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def signed_request(event: Obj, secret: str, signature: str) -> tuple[bytes, dict[str, str]]:
    """The body and headers of one delivery, signed as `signature` asks."""
    if signature not in SIGNATURES:
        raise ValueError(f"Unknown signature {signature!r}; choose one of {SIGNATURES}")
    body = body_of(event)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        "Cache-Control": "no-cache",
    }
    now = int(time.time())
    if signature == "good":
        headers["Stripe-Signature"] = signature_header(body, secret, now)
    elif signature == "bad":
        headers["Stripe-Signature"] = signature_header(body, secret + "-not-this-one", now)
    elif signature == "stale":
        headers["Stripe-Signature"] = signature_header(body, secret, now - STALE_SECONDS)
    return body, headers


def post(client: httpx.Client, url: str, body: bytes, headers: dict[str, str]) -> int:
    """The endpoint's status; NO_ANSWER when it could not be reached or timed out (Stripe counts
    those as failed deliveries, like any status outside 2xx)."""
    try:
        return client.post(url, content=body, headers=headers).status_code
    except httpx.HTTPError:
        return NO_ANSWER


class Outbox:
    """A worker thread delivering batches of events in order, for deliveries that must not run
    in the request that caused them."""

    def __init__(self, deliver: Callable[[list[Obj]], None]) -> None:
        self._deliver = deliver
        self._queue: queue.Queue[list[Obj] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._guard = threading.Lock()

    def put(self, events: list[Obj]) -> None:
        with self._guard:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="FakeStripe webhooks", daemon=True)
                self._thread.start()
        self._queue.put(events)

    def wait(self, timeout: float) -> bool:
        """True once every batch put so far was delivered; False if `timeout` ran out first."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)
        return True

    def close(self) -> None:
        with self._guard:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout=5)

    def _run(self) -> None:
        while True:
            events = self._queue.get()
            try:
                if events is None:
                    return
                self._deliver(events)
            finally:
                self._queue.task_done()
