"""Checkouts and payments at once, on PostgreSQL, in real processes through the API.

- Clients racing for a coupon's last uses: exactly max_uses orders get it, every other checkout
  with it is refused (400 on "coupon", nothing written), and the proformas' numbers stay gap-free.
- A payment racing a cancel of the same order: the order ends paid with its services, or
  cancelled without any, never both; no client sees a 500.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.db import connection

from praho.audit.integrity import verify_chain
from praho.billing.models import Document, DocumentStatus, DocumentType, Payment
from praho.catalog.models import Coupon
from praho.core.tests.processes import run_together
from praho.orders.models import CouponRedemption, Order, OrderStatus, Service
from praho.orders.services.checkout import place_order

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Needs PostgreSQL: SQLite has no row locks and lets one writer at a time; "
    "set DATABASE_URL=postgres://... to run it.",
)

# Django on the test database and a JWT of the user, as in billing's test_concurrent_issuing.
SETUP = """
import json, sys

import django
from django.conf import settings

database, user_id, *arguments = sys.argv[1:]
settings.DATABASES["default"]["NAME"] = database
settings.ALLOWED_HOSTS = ["testserver"]
django.setup()

from django.test import Client
from rest_framework_simplejwt.tokens import RefreshToken

from praho.accounts.models import User

token = RefreshToken.for_user(User.objects.get(pk=int(user_id))).access_token
client = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {token}")
print("ready", flush=True)
sys.stdin.readline()
"""

# Each round: an order with the coupon, then one without; prints the statuses, the error codes
# and fields of the refusals, and the proformas' numbers.
CHECKOUT = (
    SETUP
    + """
customer_id, rounds = int(arguments[0]), int(arguments[1])
item = {"plan": "web-start", "cycle": "annual", "domain": "carol.ro"}
outcomes = []
for _ in range(rounds):
    for coupon in ("SCARCE", ""):
        body = {"customer": customer_id, "currency": "RON", "items": [item]}
        if coupon:
            body["coupon"] = coupon
        response = client.post("/api/v1/orders/", body, content_type="application/json")
        answer = response.json()
        outcome = {"coupon": bool(coupon), "status": response.status_code}
        if response.status_code == 201:
            outcome["number"] = Document.objects.get(pk=answer["proforma"]).number
        else:
            outcome["code"] = answer["error"]["code"]
            outcome["fields"] = sorted(answer["error"].get("fields", {}))
        outcomes.append(outcome)
print(json.dumps(outcomes), flush=True)
"""
).replace(
    "from praho.accounts.models import User",
    "from praho.accounts.models import User\nfrom praho.billing.models import Document",
)

WORKERS, ROUNDS, MAX_USES = 6, 2, 4

committed = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@committed
def test_clients_racing_for_a_coupon_get_exactly_its_uses_and_gap_free_proformas(shop, carol, carol_customer):
    coupon = Coupon.objects.create(code="SCARCE", kind="percent", percent=Decimal("10"), max_uses=MAX_USES)
    arguments = [[carol.pk, carol_customer.pk, ROUNDS]] * WORKERS
    outcomes = [o for out in run_together(CHECKOUT, arguments, timeout=300) for o in json.loads(out)]
    with_coupon = [o for o in outcomes if o["coupon"]]
    without = [o for o in outcomes if not o["coupon"]]
    assert len(with_coupon) == len(without) == WORKERS * ROUNDS
    assert [o["status"] for o in without] == [201] * WORKERS * ROUNDS
    placed = [o for o in with_coupon if o["status"] == 201]
    refused = [o for o in with_coupon if o["status"] != 201]
    assert len(placed) == MAX_USES
    assert {(o["status"], o["code"], tuple(o["fields"])) for o in refused} == {
        (400, "coupon_used_up", ("coupon",))
    }
    coupon.refresh_from_db()
    assert coupon.uses == MAX_USES
    assert CouponRedemption.objects.filter(coupon=coupon).count() == MAX_USES
    assert Order.objects.filter(coupon=coupon).count() == MAX_USES
    assert Order.objects.count() == MAX_USES + WORKERS * ROUNDS
    # Gap-free: a refused checkout took no number.
    proformas = Document.objects.filter(document_type=DocumentType.PROFORMA, status=DocumentStatus.ISSUED)
    numbers = sorted(
        proformas.values_list("number", flat=True), key=lambda number: int(number.rsplit("-", 1)[1])
    )
    assert sorted(o["number"] for o in outcomes if o["status"] == 201) == sorted(numbers)
    sequence = [int(number.rsplit("-", 1)[1]) for number in numbers]
    assert sequence == list(range(sequence[0], sequence[0] + len(numbers)))
    assert sequence[0] == 1
    assert verify_chain().intact


# One worker pays each order's proforma in full, the other cancels each order, in the same order.
RACE = (
    SETUP
    + """
mode, order_ids = arguments[0], [int(pk) for pk in arguments[1].split(",")]
import logging

class Retries(logging.Handler):  # service_transaction's retries of a deadlocked transaction
    count = 0

    def emit(self, record):
        Retries.count += 1

logging.getLogger("praho.core.transactions").addHandler(Retries())
from praho.core.validation import fiscal_today
from praho.orders.models import Order

statuses = []
for pk in order_ids:
    if mode == "pay":
        order = Order.objects.select_related("document").get(pk=pk)
        body = {
            "invoice": order.document_id,
            "amount": str(order.document.total),
            "currency": "RON",
            "method": "bank_transfer",
            "reference": f"OP {pk}",
            "date": fiscal_today().isoformat(),
        }
        response = client.post("/api/v1/payments/", body, content_type="application/json")
    else:
        response = client.post(f"/api/v1/orders/{pk}/cancel/", {}, content_type="application/json")
    code = None if response.status_code < 300 else response.json()["error"]["code"]
    statuses.append([pk, response.status_code, code])
print(json.dumps({"statuses": statuses, "retries": Retries.count}), flush=True)
"""
)

ORDERS = 8


@committed
def test_a_payment_racing_a_cancel_ends_paid_or_cancelled_never_both(
    shop, carol, bill_billing, carol_customer
):
    item = {"plan": "web-start", "cycle": "annual", "domain": "carol.ro", "addons": ["backup"]}
    orders = [
        place_order(actor=carol, customer=carol_customer, currency="RON", items=[item]) for _ in range(ORDERS)
    ]
    ids = ",".join(str(order.pk) for order in orders)
    pay_out, cancel_out = run_together(
        RACE, [[bill_billing.pk, "pay", ids], [carol.pk, "cancel", ids]], timeout=300
    )
    paying, cancelling = json.loads(pay_out), json.loads(cancel_out)
    # Both take the proforma's lock before the order's (orders.locks): they never deadlock.
    assert paying["retries"] == cancelling["retries"] == 0
    paid = {pk: (status, code) for pk, status, code in paying["statuses"]}
    cancelled = {pk: (status, code) for pk, status, code in cancelling["statuses"]}
    outcomes = set()
    for order in Order.objects.filter(pk__in=[o.pk for o in orders]).select_related("document"):
        services = Service.objects.filter(order_line__order=order).count()
        payments = Payment.objects.filter(reference=f"OP {order.pk}").count()
        # Paid, its services are created and handed to provisioning at once.
        if order.status in (OrderStatus.PAID, OrderStatus.PROVISIONING):
            assert paid[order.pk][0] == 201
            assert cancelled[order.pk] == (400, "not_cancellable")
            assert services == order.lines.count() == 3
            assert payments == 1
            assert order.document.status == DocumentStatus.CONVERTED
            assert order.invoice is not None
        else:
            assert order.status == OrderStatus.CANCELLED
            assert cancelled[order.pk][0] == 200
            assert paid[order.pk] == (400, "proforma_cancelled")
            assert services == 0
            assert payments == 0
            assert order.document.status == DocumentStatus.CANCELLED
        outcomes.add(order.status)
    assert outcomes <= {OrderStatus.PAID, OrderStatus.PROVISIONING, OrderStatus.CANCELLED}
    assert verify_chain().intact
