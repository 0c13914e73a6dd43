"""FakeStripe's money and messages, driven by the real stripe library: off-session PaymentIntents
and declines, refunds, the test hooks (dashboard refunds, disputes, customer changes, asynchronous
payments), events and their webhooks, signed as Stripe signs them and checked as
`stripe.Webhook.construct_event` checks them."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from http import HTTPStatus
from typing import Any

import httpx
import pytest
import stripe

from praho.testing.fakes import FakeService, Received, Reply
from praho.testing.fakes.stripe import FakeStripe
from praho.testing.fakes.stripe_objects import API_VERSION
from praho.testing.tests.test_fake_stripe import (  # noqa: F401 (fixtures and helpers of the tests split from it)
    KEY,
    client,
    client_for,
    customer,
    fake,
    new_session,
    pay,
)


class Endpoint(FakeService):
    """PRAHO's side of the webhook as stripe-python checks it: 200 for an event signed with the
    secret, 400 otherwise; `on_event` runs while the fake waits for the answer."""

    def __init__(self, secret: str, on_event: Callable[[stripe.Event], None] | None = None) -> None:
        super().__init__()
        self.secret = secret
        self.on_event = on_event
        self.accepted: list[stripe.Event] = []
        self.refused: list[str] = []

    def answer(self, received: Received) -> Reply:
        header = received.headers.get("stripe-signature", "")
        try:
            event = stripe.Webhook.construct_event(received.body, header, self.secret)
        except stripe.SignatureVerificationError as refusal:
            self.refused.append(str(refusal))
            return Reply(HTTPStatus.BAD_REQUEST, b"bad signature", "text/plain")
        if self.on_event is not None:
            self.on_event(event)
        self.accepted.append(event)
        return Reply(HTTPStatus.OK, b"{}")

    def types(self) -> list[str]:
        return [event.type for event in self.accepted]


@pytest.fixture
def endpoint(fake: FakeStripe) -> Iterator[Endpoint]:
    with Endpoint(fake.webhook_secret) as endpoint:
        fake.webhook_url = endpoint.url + "/webhooks/stripe/"
        yield endpoint


def saved_card(fake: FakeStripe, customer: stripe.Customer) -> str:
    return str(fake.add_card(customer.id)["id"])


def charge_off_session(
    client: stripe.StripeClient, customer: stripe.Customer, method: str, **extra: Any
) -> Any:
    params = {
        "amount": 5000,
        "currency": "ron",
        "customer": customer.id,
        "payment_method": method,
        "off_session": True,
        "confirm": True,
        "metadata": {"document_id": "9"},
        **extra,
    }
    return client.v1.payment_intents.create(params=params)


def paid_intent(client: stripe.StripeClient, customer: stripe.Customer) -> stripe.PaymentIntent:
    session = new_session(client, customer=customer.id)
    pay(session)
    intent_id = client.v1.checkout.sessions.retrieve(session.id).payment_intent
    return client.v1.payment_intents.retrieve(str(intent_id))


# --- off-session PaymentIntents -----------------------------------------------------------------


def test_an_off_session_payment_with_a_saved_card_succeeds(
    fake: FakeStripe, client: stripe.StripeClient, customer: stripe.Customer
) -> None:
    method = saved_card(fake, customer)

    intent = charge_off_session(client, customer, method)

    assert intent.id.startswith("pi_")
    assert (intent.status, intent.amount_received, intent.currency, intent.payment_method) == (
        "succeeded",
        5000,
        "ron",
        method,
    )
    charge = client.v1.charges.retrieve(intent.latest_charge)
    assert (charge.payment_intent, charge.amount, charge.status) == (intent.id, 5000, "succeeded")
    assert [e["type"] for e in fake.events[-3:]] == [
        "payment_intent.created",
        "charge.succeeded",
        "payment_intent.succeeded",
    ]


@pytest.mark.parametrize(
    ("code", "error_code", "decline_code", "charged"),
    [
        ("card_declined", "card_declined", "generic_decline", True),
        ("insufficient_funds", "card_declined", "insufficient_funds", True),
        ("authentication_required", "authentication_required", "authentication_required", False),
    ],
)
def test_a_payment_marked_to_fail_is_a_402_card_error_carrying_the_intent(
    fake: FakeStripe,
    client: stripe.StripeClient,
    customer: stripe.Customer,
    code: str,
    error_code: str,
    decline_code: str,
    charged: bool,
) -> None:
    method = saved_card(fake, customer)
    fake.decline_next_payment(customer.id, code)

    with pytest.raises(stripe.CardError) as declined:
        charge_off_session(client, customer, method)

    error = declined.value
    assert (error.http_status, error.code, error.error.decline_code) == (402, error_code, decline_code)
    assert error.error.type == "card_error"
    assert error.error.payment_intent.status == "requires_payment_method"
    assert error.error.payment_intent.last_payment_error.code == error_code
    assert bool(error.error.charge) is charged
    assert fake.events[-1]["type"] == "payment_intent.payment_failed"
    assert charge_off_session(client, customer, method).status == "succeeded"  # only the next one fails


def test_a_payment_intent_is_refused_for_a_card_of_another_customer(
    fake: FakeStripe, client: stripe.StripeClient, customer: stripe.Customer
) -> None:
    other = client.v1.customers.create(params={"email": "other@example.com"})
    with pytest.raises(stripe.InvalidRequestError) as refused:
        charge_off_session(client, customer, saved_card(fake, other))
    with pytest.raises(stripe.InvalidRequestError) as too_small:
        charge_off_session(client, customer, saved_card(fake, customer), amount=100)

    assert refused.value.param == "payment_method"
    assert (too_small.value.code, too_small.value.param) == ("amount_too_small", "amount")


def test_a_declined_answer_is_kept_for_its_idempotency_key(
    fake: FakeStripe, client: stripe.StripeClient, customer: stripe.Customer
) -> None:
    method = saved_card(fake, customer)
    fake.decline_next_payment(method)
    errors = []
    for _ in range(2):
        with pytest.raises(stripe.CardError) as declined:
            client.v1.payment_intents.create(
                params={
                    "amount": 5000,
                    "currency": "ron",
                    "customer": customer.id,
                    "payment_method": method,
                    "confirm": True,
                },
                options={"idempotency_key": "charge-doc-9"},
            )
        errors.append(declined.value)

    assert errors[0].error.payment_intent.id == errors[1].error.payment_intent.id
    assert len(fake.events_of("payment_intent.created")) == 1


@pytest.mark.parametrize(
    ("number", "error_code", "decline_code"),
    [
        ("4000000000000341", "card_declined", "generic_decline"),
        ("4000000000009995", "card_declined", "insufficient_funds"),
        ("4000002760003184", "authentication_required", "authentication_required"),
    ],
)
def test_a_saved_test_card_decides_every_off_session_payment(
    fake: FakeStripe,
    client: stripe.StripeClient,
    customer: stripe.Customer,
    number: str,
    error_code: str,
    decline_code: str,
) -> None:
    method = fake.add_card(customer.id, number=number)
    assert method["card"]["last4"] == number[-4:]
    for _ in range(2):  # not only the next one: the card always declines, as Stripe's test card does
        with pytest.raises(stripe.CardError) as declined:
            charge_off_session(client, customer, method["id"])
        assert (declined.value.code, declined.value.error.decline_code) == (error_code, decline_code)
    assert declined.value.error.payment_intent.metadata.document_id == "9"
    assert len(fake.events_of("payment_intent.payment_failed")) == 2
    assert charge_off_session(client, customer, fake.add_card(customer.id, number="4242424242424242")["id"])


def test_a_card_saved_at_checkout_that_asks_for_authentication_is_refused_off_session(
    fake: FakeStripe, client: stripe.StripeClient, customer: stripe.Customer
) -> None:
    session = new_session(
        client, customer=customer.id, payment_intent_data={"setup_future_usage": "off_session"}
    )
    fake.complete_session(session.id, card="4000002760003184")  # the customer authenticates on the page
    [method] = client.v1.customers.payment_methods.list(customer.id).data
    with pytest.raises(stripe.CardError) as declined:
        charge_off_session(client, customer, method.id)
    assert declined.value.code == "authentication_required"
    with pytest.raises(ValueError, match="add_card"):
        fake.complete_session(new_session(client).id, card="4000000000000341")


# --- refunds ------------------------------------------------------------------------------------


def test_partial_then_full_refunds_update_the_charge_and_say_so(
    fake: FakeStripe, client: stripe.StripeClient, customer: stripe.Customer
) -> None:
    intent = paid_intent(client, customer)

    partial = client.v1.refunds.create(
        params={
            "payment_intent": intent.id,
            "amount": 3345,
            "reason": "requested_by_customer",
            "metadata": {"credit_note": "CN-1"},
        }
    )
    rest = client.v1.refunds.create(params={"charge": str(intent.latest_charge)})

    assert partial.id.startswith("re_")
    assert (partial.amount, partial.status, partial.charge, partial.payment_intent) == (
        3345,
        "succeeded",
        intent.latest_charge,
        intent.id,
    )
    assert dict(partial.metadata) == {"credit_note": "CN-1"}
    assert rest.amount == 10000
    assert client.v1.refunds.retrieve(partial.id).amount == 3345
    charge = client.v1.charges.retrieve(str(intent.latest_charge))
    assert (charge.amount_refunded, charge.refunded) == (13345, True)
    refunded = fake.events_of("charge.refunded")
    assert [e["data"]["object"]["amount_refunded"] for e in refunded] == [3345, 13345]
    assert refunded[0]["data"]["previous_attributes"] == {"amount_refunded": 0}
    assert refunded[1]["data"]["previous_attributes"] == {"amount_refunded": 3345, "refunded": False}
    assert refunded[0]["request"]["id"].startswith("req_")


def test_refunding_more_than_is_left_is_refused(
    client: stripe.StripeClient, customer: stripe.Customer
) -> None:
    intent = paid_intent(client, customer)
    client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 13000})

    with pytest.raises(stripe.InvalidRequestError) as too_much:
        client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 500})
    client.v1.refunds.create(params={"payment_intent": intent.id})
    with pytest.raises(stripe.InvalidRequestError) as again:
        client.v1.refunds.create(params={"payment_intent": intent.id})

    assert (too_much.value.http_status, too_much.value.code, too_much.value.param) == (
        400,
        "amount_too_large",
        "amount",
    )
    assert "(5.00 RON) is greater than unrefunded amount on charge (3.45 RON)" in str(
        too_much.value.user_message
    )
    assert again.value.code == "charge_already_refunded"


def test_a_refund_made_in_the_dashboard_has_no_request(
    fake: FakeStripe, client: stripe.StripeClient, customer: stripe.Customer
) -> None:
    intent = paid_intent(client, customer)

    refund = fake.refund(intent.id, 1000)
    fake.refund(str(intent.latest_charge))

    assert refund["amount"] == 1000
    assert client.v1.charges.retrieve(str(intent.latest_charge)).amount_refunded == 13345
    assert fake.events_of("charge.refunded")[0]["request"] == {"id": None, "idempotency_key": None}


def test_a_disputed_charge_is_marked_and_can_no_longer_be_refunded(
    fake: FakeStripe, client: stripe.StripeClient, customer: stripe.Customer
) -> None:
    intent = paid_intent(client, customer)

    dispute = fake.dispute(str(intent.latest_charge))

    assert dispute["id"].startswith("dp_")
    assert (dispute["amount"], dispute["status"], dispute["payment_intent"]) == (
        13345,
        "needs_response",
        intent.id,
    )
    assert client.v1.charges.retrieve(str(intent.latest_charge)).disputed is True
    assert fake.events[-1]["type"] == "charge.dispute.created"
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.refunds.create(params={"payment_intent": intent.id})
    assert refused.value.code == "charge_disputed"


# --- other hooks --------------------------------------------------------------------------------


def test_a_customer_changed_in_the_dashboard_says_what_changed(
    fake: FakeStripe, client: stripe.StripeClient, customer: stripe.Customer
) -> None:
    fake.update_customer(customer.id, email="ana.pop@example.com", metadata={"vat": "RO123"})

    assert client.v1.customers.retrieve(customer.id).email == "ana.pop@example.com"
    event = fake.events[-1]
    assert event["type"] == "customer.updated"
    assert event["data"]["previous_attributes"] == {"email": "ana@example.com", "metadata": {}}
    with pytest.raises(ValueError, match="Unknown customer fields"):
        fake.update_customer(customer.id, balance=5)


def test_an_asynchronous_payment_completes_unpaid_then_succeeds_or_fails(
    fake: FakeStripe, client: stripe.StripeClient, customer: stripe.Customer
) -> None:
    good, bad = new_session(client, customer=customer.id), new_session(client, customer=customer.id)

    pending = fake.complete_session(good.id, asynchronous=True)
    fake.complete_session(bad.id, asynchronous=True)
    fake.async_payment_succeeded(good.id)
    fake.async_payment_failed(bad.id)

    assert (pending["status"], pending["payment_status"]) == ("complete", "unpaid")
    paid = client.v1.checkout.sessions.retrieve(good.id, params={"expand": ["payment_intent"]})
    assert paid.payment_status == "paid"
    assert paid.payment_intent.status == "succeeded"
    failed = client.v1.checkout.sessions.retrieve(bad.id, params={"expand": ["payment_intent"]})
    assert failed.payment_status == "unpaid"
    assert failed.payment_intent.status == "requires_payment_method"
    types = [e["type"] for e in fake.events]
    assert types.count("checkout.session.completed") == 2
    assert "checkout.session.async_payment_succeeded" in types
    assert "checkout.session.async_payment_failed" in types
    with pytest.raises(ValueError, match="not waiting"):
        fake.async_payment_succeeded(good.id)


def test_a_session_completed_with_nothing_to_pay(fake: FakeStripe, client: stripe.StripeClient) -> None:
    session = fake.complete_session(new_session(client).id, paid=False)

    assert (session["status"], session["payment_status"], session["payment_intent"]) == (
        "complete",
        "no_payment_required",
        None,
    )


# --- events -------------------------------------------------------------------------------------


def test_events_have_stripes_envelope_and_are_listed_newest_first(
    fake: FakeStripe, client: stripe.StripeClient, customer: stripe.Customer
) -> None:
    paid_intent(client, customer)

    event = fake.events_of("checkout.session.completed")[0]
    listed = client.v1.events.list(params={"limit": 3})
    charges = client.v1.events.list(params={"type": "charge.*"})

    assert event["id"].startswith("evt_")
    assert {key: event[key] for key in ("object", "api_version", "livemode", "pending_webhooks")} == {
        "object": "event",
        "api_version": API_VERSION,
        "livemode": False,
        "pending_webhooks": 1,
    }
    assert event["data"]["object"]["object"] == "checkout.session"
    assert [e.id for e in listed.data] == [e["id"] for e in reversed(fake.events[-3:])]
    assert listed.has_more
    assert [e.type for e in charges.data] == ["charge.succeeded"]
    assert client.v1.events.retrieve(event["id"]).type == "checkout.session.completed"


# --- webhooks -----------------------------------------------------------------------------------


def test_signed_events_pass_construct_event_and_wrong_ones_do_not(
    fake: FakeStripe, customer: stripe.Customer
) -> None:
    event = fake.events[-1]

    body, header = fake.signed(event)
    stale_body, stale_header = fake.signed(event, timestamp=int(time.time()) - 600)

    assert header.startswith("t=")
    assert ",v1=" in header
    parsed = stripe.Webhook.construct_event(body, header, fake.webhook_secret)
    assert (parsed.id, parsed.type, parsed.data.object.id) == (event["id"], "customer.created", customer.id)
    with pytest.raises(stripe.SignatureVerificationError, match="tolerance"):
        stripe.Webhook.construct_event(stale_body, stale_header, fake.webhook_secret)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(body, header, "whsec_someone_else")
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(body.replace(b"ana@", b"eve@"), header, fake.webhook_secret)


def test_deliver_posts_as_often_and_as_signed_as_asked(
    fake: FakeStripe, endpoint: Endpoint, customer: stripe.Customer
) -> None:
    event = fake.events[-1]
    assert fake.wait_for_deliveries()  # the customer's own creation, delivered on its own
    endpoint.accepted.clear()

    statuses = {
        signature: fake.deliver(event, times=2, signature=signature)
        for signature in ("good", "bad", "none", "stale")
    }

    assert statuses == {"good": [200, 200], "bad": [400, 400], "none": [400, 400], "stale": [400, 400]}
    assert [e.id for e in endpoint.accepted] == [event["id"], event["id"]]
    sent = endpoint.requests_to("stripe")[-8:]
    assert sent[0].headers["content-type"].startswith("application/json")
    assert "stripe-signature" not in sent[4].headers
    assert [d.status for d in fake.deliveries if d.signature == "good"][-2:] == [200, 200]


def test_a_paid_page_delivers_its_events_before_redirecting(
    fake: FakeStripe, endpoint: Endpoint, client: stripe.StripeClient
) -> None:
    session = new_session(client)

    pay(session)

    assert endpoint.types()[-1] == "checkout.session.completed"
    assert endpoint.accepted[-1].data.object.payment_status == "paid"


def test_events_of_api_calls_are_delivered_after_the_answer(
    fake: FakeStripe, endpoint: Endpoint, client: stripe.StripeClient, customer: stripe.Customer
) -> None:
    intent = paid_intent(client, customer)

    client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 100})

    assert fake.wait_for_deliveries()
    assert endpoint.types()[-2:] == ["refund.created", "charge.refunded"]
    assert "customer.created" in endpoint.types()  # in no set order with the page's: as with Stripe


def test_the_endpoint_may_call_the_fake_back_while_it_delivers(
    fake: FakeStripe, client: stripe.StripeClient
) -> None:
    looked_up: list[str] = []
    lookup = client_for(fake)

    def fetch_session(event: stripe.Event) -> None:
        if event.type == "checkout.session.completed":
            session = lookup.v1.checkout.sessions.retrieve(
                event.data.object.id, params={"expand": ["payment_intent"]}
            )
            looked_up.append(session.payment_intent.status)

    fake.delivery_timeout = 3.0
    with Endpoint(fake.webhook_secret, fetch_session) as endpoint:
        fake.webhook_url = endpoint.url
        pay(new_session(client))

    assert looked_up == ["succeeded"]
    assert {delivery.status for delivery in fake.deliveries} == {200}  # none waited out its timeout


def test_no_webhook_url_or_no_auto_delivery_sends_nothing(
    fake: FakeStripe, client: stripe.StripeClient
) -> None:
    with pytest.raises(ValueError, match="webhook_url"):
        fake.deliver({"id": "evt_x", "type": "x"})
    with Endpoint(fake.webhook_secret) as endpoint:
        fake.webhook_url, fake.auto_deliver = endpoint.url, False
        pay(new_session(client))
        assert fake.events_of("checkout.session.completed")
        assert endpoint.accepted == []


def test_an_unreachable_endpoint_is_status_0(fake: FakeStripe, customer: stripe.Customer) -> None:
    with Endpoint(fake.webhook_secret) as gone:
        url = gone.url
    fake.webhook_url = url

    assert fake.deliver(fake.events[-1]) == [0]


def test_the_pages_need_no_key_and_unknown_pages_are_404(fake: FakeStripe) -> None:
    assert httpx.get(f"{fake.url}/pay/cs_test_nothing").status_code == 404
    assert httpx.get(f"{fake.url}/portal/bps_nothing").status_code == 404
    assert httpx.get(f"{fake.url}/elsewhere").status_code == 401  # the API's side: a key first
    assert (
        httpx.get(f"{fake.url}/v1/elsewhere", headers={"Authorization": f"Bearer {KEY}"}).status_code == 404
    )
