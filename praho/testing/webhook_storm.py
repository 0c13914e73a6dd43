"""A storm of Stripe webhook deliveries against a running PRAHO, as Stripe behaves at its worst:
every event delivered once or more (Stripe retries whatever it did not see answered, and sometimes
sends twice anyway), in no particular order, from several connections at once, among deliveries
that must be refused: a signature made with another secret, a stale one (older than the
five-minute tolerance), none at all, and a body changed after it was signed.

`plan` makes the deliveries (signed now, shuffled), `send` posts them from several client threads
and times each request, `Figures` sums up what came back.
"""

from __future__ import annotations

import json
import queue
import random
import statistics
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from praho.testing.fakes.stripe import FakeStripe
from praho.testing.fakes.stripe_webhooks import STALE_SECONDS, body_of, signature_header

GOOD = "good"
DUPLICATE = "duplicate"
# The ways a delivery is refused: signed with another secret, signed too long ago, not signed,
# signed and then changed.
BAD_KINDS = ("wrong_signature", "stale", "no_header", "tampered")
MAX_COPIES = 3
FORGED_PREFIX = "evt_forged_"


@dataclass(frozen=True)
class Delivery:
    event_id: str
    kind: str  # GOOD (an event's first copy in the plan), DUPLICATE, or one of BAD_KINDS
    body: bytes
    headers: dict[str, str]

    @property
    def bad(self) -> bool:
        return self.kind in BAD_KINDS


@dataclass(frozen=True)
class Outcome:
    delivery: Delivery
    status: int  # 0: no answer
    milliseconds: float
    answer: dict[str, Any] | None


def plan(
    fake: FakeStripe,
    events: Sequence[dict[str, Any]],
    *,
    total: int,
    bad: int,
    rng: random.Random,
) -> list[Delivery]:
    """`total` deliveries: every event once, `bad` refused ones, and copies of events picked at
    random (at most MAX_COPIES of one) for the rest; shuffled.

    Half of the bad deliveries carry events that exist nowhere else (ids starting FORGED_PREFIX,
    made to look like paid checkouts), so "nothing was stored" is checkable; the other half carry
    real events, so a refused delivery racing a good one of the same event is exercised too."""
    extra = total - len(events) - bad
    if extra < 0:
        raise ValueError(f"{len(events)} events and {bad} bad deliveries do not fit in {total}")
    if extra > (MAX_COPIES - 1) * len(events):
        raise ValueError(f"{total} deliveries would need more than {MAX_COPIES} copies of an event")
    copies = Counter({event["id"]: 1 for event in events})
    by_id = {event["id"]: event for event in events}
    spare = list(by_id)
    for _ in range(extra):
        event_id = rng.choice(spare)
        copies[event_id] += 1
        if copies[event_id] == MAX_COPIES:
            spare.remove(event_id)
    deliveries = []
    for event_id, count in copies.items():
        body, headers = signed(fake, by_id[event_id])
        deliveries.append(Delivery(event_id, GOOD, body, headers))
        deliveries.extend(
            Delivery(event_id, DUPLICATE, *signed(fake, by_id[event_id])) for _ in range(count - 1)
        )
    for n in range(bad):
        kind = BAD_KINDS[n % len(BAD_KINDS)]
        event = forged(events, n) if n % 2 == 0 else rng.choice(list(events))
        deliveries.append(refused(fake, event, kind))
    rng.shuffle(deliveries)
    return deliveries


def signed(
    fake: FakeStripe, event: dict[str, Any], *, timestamp: int | None = None
) -> tuple[bytes, dict[str, str]]:
    body, header = fake.signed(event, timestamp=timestamp)
    return body, {"Content-Type": "application/json; charset=utf-8", "Stripe-Signature": header}


def forged(events: Sequence[dict[str, Any]], n: int) -> dict[str, Any]:
    """A paid checkout nobody made, shaped like the real ones (a real document's metadata)."""
    model = next((e for e in events if e["type"] == "checkout.session.completed"), events[0])
    return {**model, "id": f"{FORGED_PREFIX}{n}"}


def refused(fake: FakeStripe, event: dict[str, Any], kind: str) -> Delivery:
    body = body_of(event)
    headers = {"Content-Type": "application/json; charset=utf-8"}
    now = int(time.time())
    if kind == "wrong_signature":
        headers["Stripe-Signature"] = signature_header(body, fake.webhook_secret + "-rotated", now)
    elif kind == "stale":
        headers["Stripe-Signature"] = signature_header(body, fake.webhook_secret, now - STALE_SECONDS)
    elif kind == "tampered":
        headers["Stripe-Signature"] = signature_header(body, fake.webhook_secret, now)
        changed = json.loads(body)
        changed["data"]["object"]["amount_total"] = 1  # what a forger would change
        changed["data"]["object"]["metadata"] = {"document_id": "1"}
        body = body_of(changed)
    elif kind != "no_header":
        raise ValueError(f"Unknown bad delivery {kind!r}; choose one of {BAD_KINDS}")
    return Delivery(event["id"], kind, body, headers)


def send(url: str, deliveries: Sequence[Delivery], *, clients: int, timeout: float = 30.0) -> list[Outcome]:
    """POST every delivery to `url` from `clients` threads, each with its own connection, taking
    the next delivery as soon as it has its answer; the outcomes in the order they finished."""
    todo: queue.SimpleQueue[Delivery] = queue.SimpleQueue()
    for delivery in deliveries:
        todo.put(delivery)
    outcomes: list[Outcome] = []
    lock = threading.Lock()

    def client() -> None:
        with httpx.Client(timeout=timeout) as http:
            while True:
                try:
                    delivery = todo.get_nowait()
                except queue.Empty:
                    return
                outcome = _post(http, url, delivery)
                with lock:
                    outcomes.append(outcome)

    threads = [threading.Thread(target=client, name=f"storm-client-{n}") for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def _post(http: httpx.Client, url: str, delivery: Delivery) -> Outcome:
    began = time.perf_counter()
    try:
        response = http.post(url, content=delivery.body, headers=delivery.headers)
    except httpx.HTTPError:
        return Outcome(delivery, 0, (time.perf_counter() - began) * 1000, None)
    elapsed = (time.perf_counter() - began) * 1000
    try:
        answer = response.json()
    except ValueError:
        answer = None
    return Outcome(delivery, response.status_code, elapsed, answer)


def percentile(samples: Sequence[float], share: float) -> float:
    """As bench/_timing.py: statistics.quantiles, inclusive method."""
    if len(samples) == 1:
        return samples[0]
    return statistics.quantiles(samples, n=100, method="inclusive")[round(share * 100) - 1]


@dataclass(frozen=True)
class Figures:
    sent: int
    good: int
    duplicates: int
    bad: int
    distinct: int
    seconds: float
    p50: float
    p95: float
    slowest: float

    @classmethod
    def of(cls, outcomes: Sequence[Outcome], seconds: float) -> Figures:
        kinds = Counter(o.delivery.kind for o in outcomes)
        latencies = [o.milliseconds for o in outcomes]
        return cls(
            sent=len(outcomes),
            good=kinds[GOOD],
            duplicates=kinds[DUPLICATE],
            bad=sum(kinds[kind] for kind in BAD_KINDS),
            distinct=len({o.delivery.event_id for o in outcomes if not o.delivery.bad}),
            seconds=seconds,
            p50=statistics.median(latencies),
            p95=percentile(latencies, 0.95),
            slowest=max(latencies),
        )

    def lines(self) -> list[str]:
        return [
            f"deliveries sent: {self.sent} ({self.good} first copies, {self.duplicates} duplicates, "
            f"{self.bad} bad) of {self.distinct} distinct events, in {self.seconds:.2f} s "
            f"({self.sent / self.seconds:.0f} requests/s)",
            f"intake latency: p50 {self.p50:.1f} ms, p95 {self.p95:.1f} ms, max {self.slowest:.1f} ms",
        ]
