"""Card payments at scale against the fake Stripe, for the webhook storm test and bench: customers,
issued proformas and invoices in RON and EUR, a Checkout Session opened for each through PRAHO's
own service, and then what customers, banks and Stripe's dashboard do on the fake — pay by card,
pay by bank debit (settled later, or failing), leave a session open or let it expire, refund part
of a payment once or twice, dispute a charge, change a customer's e-mail in the portal.

Every one of those leaves events in the fake (handled types and many PRAHO ignores), which the
caller delivers to PRAHO's intake however it likes. `money_from_events` reads back from those
events alone what each document was paid and refunded, so a test can compare billing's ledger
with what Stripe said, not with what the scenario meant to do.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from praho.billing.models import Document
from praho.billing.services import fx
from praho.billing.services.drafts import create_document
from praho.billing.services.issuing import issue_document
from praho.core.validation import fiscal_today
from praho.customers.models import Customer
from praho.customers.services.customers import create_customer
from praho.payments.models import StripeCustomer
from praho.payments.money import from_minor
from praho.payments.services.checkout import start_checkout
from praho.testing.fakes.stripe import FakeStripe

EUR_RATE = "4.9750"
RETURN_URL = "http://127.0.0.1/app/"
PAID_TYPES = ("checkout.session.completed", "checkout.session.async_payment_succeeded")
HANDLED_TYPES = frozenset(
    {
        *PAID_TYPES,
        "checkout.session.async_payment_failed",
        "checkout.session.expired",
        "payment_intent.payment_failed",
        "charge.refunded",
        "charge.dispute.created",
        "customer.updated",
    }
)
# Handled for off-session charges of a saved card only: a checkout's are stored, then ignored by the
# worker (its session's events pay it).
OFF_SESSION_TYPES = frozenset({"payment_intent.succeeded"})


@dataclass(frozen=True)
class Money:
    """What Stripe's events say of one document: paid and refunded, in its currency."""

    currency: str
    paid: Decimal = Decimal("0.00")
    refunded: Decimal = Decimal("0.00")


@dataclass
class Outcomes:
    """What the scenario did on the fake, by document id (and Stripe customer for the e-mails)."""

    sessions: dict[int, str] = field(default_factory=dict)
    paid: set[int] = field(default_factory=set)
    open: set[int] = field(default_factory=set)
    expired: set[int] = field(default_factory=set)
    failed: set[int] = field(default_factory=set)
    emails: dict[str, str] = field(default_factory=dict)


def make_customers(*, actor: Any, count: int, prefix: str = "Storm") -> list[Customer]:
    """`count` Romanian individuals with an e-mail (Stripe customers are made with it)."""
    return [
        create_customer(
            actor=actor,
            kind="individual",
            name=f"{prefix} Customer {n}",
            country="RO",
            email=f"{prefix.lower()}{n}@customers.test",
            address={
                "street": f"Str. Furtunii {n}",
                "city": "Cluj-Napoca",
                "county": "RO-CJ",
                "country": "RO",
            },
        )
        for n in range(count)
    ]


def issue_documents(*, actor: Any, customers: Sequence[Customer], count: int) -> list[Document]:
    """`count` issued documents over the customers: proformas and invoices alternate, every third
    is in EUR (at a rate entered for today), amounts differ."""
    fx.set_manual_rate(actor=actor, currency="EUR", on=fiscal_today(), rate=EUR_RATE)
    documents = []
    for n in range(count):
        line = {
            "description": f"Hosting plan {n}",
            "quantity": "1",
            "unit_code": "MON",
            "unit_price": f"{10 + (n * 37) % 190}.{(n * 13) % 100:02d}",
        }
        draft = create_document(
            actor=actor,
            document_type="proforma" if n % 2 == 0 else "invoice",
            customer=customers[n % len(customers)],
            currency="EUR" if n % 3 == 2 else "RON",
            lines=[line],
        )
        documents.append(issue_document(actor=actor, document=draft))
    return documents


def play(fake: FakeStripe, *, actor: Any, documents: Sequence[Document]) -> Outcomes:
    """Open a Checkout Session for each document through PRAHO (start_checkout), then, by the
    document's place in the list: pay by card (most), by bank debit settled later (every fifth),
    a bank debit that fails, a session left open, one that expires (one in twenty each); refund a
    third of every fourth payment in the dashboard, a quarter more of every eighth; dispute every
    tenth; change each Stripe customer's e-mail, twice for half of them."""
    done = Outcomes()
    for n, document in enumerate(documents):
        session = start_checkout(actor=actor, document=document, save_card=False, return_url=RETURN_URL)
        done.sessions[document.pk] = session.session_id
        if n % 20 == 9:
            done.open.add(document.pk)
            continue
        if n % 20 == 19:
            fake.expire_session(session.session_id)
            done.expired.add(document.pk)
            continue
        if n % 20 == 13:
            fake.complete_session(session.session_id, asynchronous=True)
            fake.async_payment_failed(session.session_id)
            done.failed.add(document.pk)
            continue
        if n % 5 == 1:
            fake.complete_session(session.session_id, asynchronous=True)
            fake.async_payment_succeeded(session.session_id)
        else:
            fake.complete_session(session.session_id)
        done.paid.add(document.pk)
        paid = fake.lookup(session.session_id)
        assert paid is not None
        intent, total = str(paid["payment_intent"]), int(paid["amount_total"])
        if n % 4 == 3:
            fake.refund(intent, total // 3)
            if n % 8 == 7:
                fake.refund(intent, total // 4)
        if n % 10 == 4:
            fake.dispute(intent)
    for n, account in enumerate(StripeCustomer.objects.order_by("pk")):
        for change in range(2 if n % 2 == 0 else 1):
            email = f"portal-{n}-{change}@customers.test"
            fake.update_customer(account.stripe_id, email=email)
            done.emails[account.stripe_id] = email
    return done


def money_from_events(events: Iterable[dict[str, Any]]) -> dict[int, Money]:
    """Paid and refunded per document id, from Stripe's events alone: a paid session's
    `amount_total`, a charge's highest `amount_refunded` (each charge.refunded carries the total so
    far), keyed by `metadata.document_id`."""
    paid: dict[int, tuple[str, int]] = {}
    refunded: dict[int, tuple[str, int]] = {}
    for event in events:
        obj = event["data"]["object"]
        document = (obj.get("metadata") or {}).get("document_id")
        if document is None:
            continue
        key = int(document)
        if event["type"] in PAID_TYPES and obj.get("payment_status") == "paid":
            paid[key] = (obj["currency"], int(obj["amount_total"]))
        elif event["type"] == "charge.refunded":
            before = refunded.get(key, (obj["currency"], 0))[1]
            refunded[key] = (obj["currency"], max(before, int(obj["amount_refunded"])))
    return {
        key: Money(
            currency=currency.upper(),
            paid=from_minor(amount, currency),
            refunded=from_minor(refunded[key][1], currency) if key in refunded else Decimal("0.00"),
        )
        for key, (currency, amount) in paid.items()
    }


def refunds_from_events(events: Iterable[dict[str, Any]]) -> dict[str, Decimal]:
    """Every refund Stripe made (refund.created), by its id: its amount."""
    return {
        event["data"]["object"]["id"]: from_minor(
            int(event["data"]["object"]["amount"]), event["data"]["object"]["currency"]
        )
        for event in events
        if event["type"] == "refund.created"
    }
