"""FakeStripe driven by the real stripe library (14.x): customers, Checkout paid through its page,
the portal, expansion, idempotency keys, authentication and errors in Stripe's shape.
Payments, refunds, the test hooks and webhooks are in test_fake_stripe_payments.py."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import stripe

from praho.testing.fakes import HANG_UP_AFTER, SERVER_ERROR, UP, Reply
from praho.testing.fakes.stripe import CONFLICT, FakeStripe, IdempotencyKeys
from praho.testing.fakes.stripe_objects import API_VERSION
from praho.testing.fakes.stripe_wire import StripeError

KEY = "sk_test_praho_1234567890"
SUCCESS = "https://praho.test/pay/done?session={CHECKOUT_SESSION_ID}"
CANCEL = "https://praho.test/pay/cancelled"


@pytest.fixture
def fake() -> Iterator[FakeStripe]:
    with FakeStripe() as fake:
        yield fake


def client_for(fake: FakeStripe, *, key: str = KEY, retries: int = 0) -> stripe.StripeClient:
    return stripe.StripeClient(key, base_addresses={"api": fake.url}, max_network_retries=retries)


@pytest.fixture
def client(fake: FakeStripe) -> stripe.StripeClient:
    return client_for(fake)


@pytest.fixture
def customer(client: stripe.StripeClient) -> stripe.Customer:
    return client.v1.customers.create(params={"email": "ana@example.com", "name": "Ana Pop"})


def new_session(client: stripe.StripeClient, **extra: Any) -> stripe.checkout.Session:
    params: dict[str, Any] = {
        "mode": "payment",
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": "RON",
                    "unit_amount": 12345,
                    "product_data": {"name": "Factura PRA-7"},
                },
            },
            {
                "quantity": 2,
                "price_data": {
                    "currency": "ron",
                    "unit_amount": 500,
                    "product_data": {"name": "Domeniu .ro"},
                },
            },
        ],
        "client_reference_id": "document-7",
        "metadata": {"document_id": "7"},
        "success_url": SUCCESS,
        "cancel_url": CANCEL,
        "payment_method_types": ["card"],
        **extra,
    }
    return client.v1.checkout.sessions.create(params=params)


def pay(session: stripe.checkout.Session, action: str = "pay", **form: str) -> httpx.Response:
    """What a browser does on the Checkout page: POST its form."""
    assert session.url is not None
    return httpx.post(f"{session.url}/{action}", data=form)


# --- customers ----------------------------------------------------------------------------------


def test_a_customer_is_created_read_changed_and_listed_by_email(client: stripe.StripeClient) -> None:
    created = client.v1.customers.create(
        params={"email": "ana@example.com", "name": "Ana Pop", "metadata": {"customer_id": "42"}}
    )
    client.v1.customers.create(params={"email": "bob@example.com"})

    assert created.id.startswith("cus_")
    assert (created.object, created.livemode, dict(created.metadata)) == (
        "customer",
        False,
        {"customer_id": "42"},
    )
    assert abs(created.created - time.time()) < 5
    changed = client.v1.customers.update(
        created.id, params={"name": "Ana Popescu", "metadata": {"tier": "gold"}}
    )
    assert changed.name == "Ana Popescu"
    assert dict(changed.metadata) == {"customer_id": "42", "tier": "gold"}  # merged, as Stripe does
    assert client.v1.customers.retrieve(created.id).name == "Ana Popescu"
    found = client.v1.customers.list(params={"email": "ana@example.com"})
    assert [each.id for each in found.data] == [created.id]
    assert [each.email for each in client.v1.customers.list().data] == ["bob@example.com", "ana@example.com"]


def test_lists_page_with_limit_and_starting_after(client: stripe.StripeClient) -> None:
    for n in range(5):
        client.v1.customers.create(params={"email": f"c{n}@example.com"})

    first = client.v1.customers.list(params={"limit": 2})
    rest = client.v1.customers.list(params={"limit": 10, "starting_after": first.data[-1].id})

    assert first.has_more
    assert not rest.has_more
    assert [c.email for c in first.data + rest.data] == [f"c{n}@example.com" for n in range(4, -1, -1)]
    assert len(list(client.v1.customers.list(params={"limit": 2}).auto_paging_iter())) == 5


def test_unknown_and_ill_typed_parameters_are_refused_naming_them(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        client.v1.customers.create(params={"emial": "ana@example.com"})
    with pytest.raises(stripe.InvalidRequestError) as bad_email:
        client.v1.customers.create(params={"email": "not an email"})

    assert (unknown.value.http_status, unknown.value.code, unknown.value.param) == (
        400,
        "parameter_unknown",
        "emial",
    )
    assert unknown.value.user_message == "Received unknown parameter: emial"
    assert bad_email.value.param == "email"


def test_metadata_is_emptied_by_an_empty_value_and_limits_are_checked(client: stripe.StripeClient) -> None:
    created = client.v1.customers.create(
        params={"email": "ana@example.com", "metadata": {"a": "1", "b": "2"}}
    )

    one_gone = client.v1.customers.update(created.id, params={"metadata": {"a": ""}})
    all_gone = client.v1.customers.update(created.id, params={"metadata": ""})

    assert dict(one_gone.metadata) == {"b": "2"}
    assert dict(all_gone.metadata) == {}
    with pytest.raises(stripe.InvalidRequestError) as zero:
        client.v1.customers.list(params={"limit": 0})
    assert zero.value.param == "limit"


def test_a_stripe_version_that_is_not_a_dated_version_is_refused(fake: FakeStripe) -> None:
    with pytest.raises(stripe.InvalidRequestError, match="Invalid Stripe API version"):
        stripe.StripeClient(
            KEY, base_addresses={"api": fake.url}, stripe_version="latest"
        ).v1.customers.list()
    answer = client_for(fake).v1.customers.list()
    assert answer.last_response.headers["Stripe-Version"] == API_VERSION


def test_an_unknown_id_is_stripes_404_resource_missing(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.customers.retrieve("cus_nobody")

    assert (missing.value.http_status, missing.value.code, missing.value.param) == (
        404,
        "resource_missing",
        "id",
    )
    assert missing.value.user_message == "No such customer: 'cus_nobody'"
    with pytest.raises(stripe.InvalidRequestError, match="No such payment_intent"):
        client.v1.payment_intents.retrieve("pi_nothing")


def test_a_wrong_or_live_or_missing_key_is_a_401(fake: FakeStripe) -> None:
    for key in ("sk_live_4eC39HqLyjWDarjtT1zdp7dc", "pk_test_publishable", "sk_test_"):
        with pytest.raises(stripe.AuthenticationError, match="Invalid API Key provided"):
            client_for(fake, key=key).v1.customers.list()
    answer = httpx.get(f"{fake.url}/v1/customers")
    assert answer.status_code == 401
    assert answer.json()["error"]["type"] == "invalid_request_error"
    assert "did not provide an API key" in answer.json()["error"]["message"]


def test_a_fake_given_a_key_takes_only_that_one() -> None:
    with FakeStripe(api_key="sk_test_only_this_one") as fake:
        assert client_for(fake, key="sk_test_only_this_one").v1.customers.list().data == []
        with pytest.raises(stripe.AuthenticationError):
            client_for(fake, key=KEY).v1.customers.list()


def test_the_global_configuration_works_too(fake: FakeStripe, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stripe, "api_key", KEY)
    monkeypatch.setattr(stripe, "api_base", fake.url)

    created = stripe.Customer.create(email="ana@example.com")

    assert stripe.Customer.retrieve(created.id).email == "ana@example.com"
    sent = fake.requests_to("customers")[0]
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert sent.headers["stripe-version"] == API_VERSION == stripe.api_version
    assert sent.headers["content-type"] == "application/x-www-form-urlencoded"


# --- Checkout -----------------------------------------------------------------------------------


def test_a_checkout_session_is_open_with_its_page_and_totals(
    fake: FakeStripe, client: stripe.StripeClient
) -> None:
    session = new_session(client, customer_email="ana@example.com")

    assert session.id.startswith("cs_test_")
    assert (session.object, session.mode, session.status, session.payment_status) == (
        "checkout.session",
        "payment",
        "open",
        "unpaid",
    )
    assert (session.amount_total, session.currency, session.payment_intent) == (13345, "ron", None)
    assert session.url == f"{fake.url}/pay/{session.id}"
    assert session.success_url == SUCCESS
    assert dict(session.metadata) == {"document_id": "7"}
    assert session.expires_at - session.created == 24 * 3600
    page = httpx.get(session.url)
    assert page.status_code == 200
    assert "133.45 RON" in page.text
    assert ">Pay</button>" in page.text
    assert ">Decline</button>" in page.text
    assert 'value="ana@example.com"' in page.text


def test_paying_on_the_page_completes_the_session_and_goes_to_success_url(
    fake: FakeStripe, client: stripe.StripeClient, customer: stripe.Customer
) -> None:
    session = new_session(
        client,
        customer=customer.id,
        payment_intent_data={"setup_future_usage": "off_session", "metadata": {"document_id": "7"}},
    )

    answer = pay(session)

    assert answer.status_code == 303
    assert answer.headers["location"] == f"https://praho.test/pay/done?session={session.id}"
    paid = client.v1.checkout.sessions.retrieve(session.id)
    assert (paid.status, paid.payment_status, paid.url) == ("complete", "paid", None)
    assert isinstance(paid.payment_intent, str)
    assert paid.payment_intent.startswith("pi_")
    intent = client.v1.payment_intents.retrieve(paid.payment_intent)
    assert (intent.status, intent.amount, intent.amount_received, intent.customer) == (
        "succeeded",
        13345,
        13345,
        customer.id,
    )
    assert dict(intent.metadata) == {"document_id": "7"}
    charge = client.v1.charges.retrieve(str(intent.latest_charge))
    assert charge.id.startswith("ch_")
    assert (charge.amount, charge.paid, charge.refunded) == (
        13345,
        True,
        False,
    )
    cards = client.v1.customers.payment_methods.list(customer.id)
    assert [(card.id.startswith("pm_"), card.card.last4) for card in cards.data] == [(True, "4242")]
    completed = fake.events_of("checkout.session.completed")
    assert [event["data"]["object"]["id"] for event in completed] == [session.id]
    assert completed[0]["data"]["object"]["payment_status"] == "paid"


def test_without_a_customer_checkout_creates_one_to_save_the_card(client: stripe.StripeClient) -> None:
    saving = new_session(
        client, customer_email="new@example.com", payment_intent_data={"setup_future_usage": "off_session"}
    )
    once = new_session(client)

    pay(saving)
    pay(once, email="guest@example.com")

    saved = client.v1.checkout.sessions.retrieve(saving.id)
    assert isinstance(saved.customer, str)
    assert client.v1.customers.retrieve(saved.customer).email == "new@example.com"
    assert len(client.v1.customers.payment_methods.list(saved.customer).data) == 1
    guest = client.v1.checkout.sessions.retrieve(once.id)
    assert guest.customer is None
    assert guest.customer_details is not None
    assert guest.customer_details.email == "guest@example.com"


def test_declining_goes_to_cancel_url_and_leaves_the_session_open(
    fake: FakeStripe, client: stripe.StripeClient
) -> None:
    session = new_session(client)

    answer = pay(session, "decline")

    assert (answer.status_code, answer.headers["location"]) == (303, CANCEL)
    assert client.v1.checkout.sessions.retrieve(session.id).status == "open"
    assert not fake.events_of("checkout.session.completed")


def test_a_session_expires_by_the_api_or_when_its_time_runs_out(
    fake: FakeStripe, client: stripe.StripeClient
) -> None:
    expired = client.v1.checkout.sessions.expire(new_session(client).id)
    later = new_session(client, expires_at=int(time.time()) + 3600)

    assert (expired.status, expired.url) == ("expired", None)
    with pytest.raises(stripe.InvalidRequestError, match="can be expired"):
        client.v1.checkout.sessions.expire(expired.id)
    fake.account.clock = lambda: time.time() + 2 * 3600
    assert client.v1.checkout.sessions.retrieve(later.id).status == "expired"
    assert httpx.get(f"{fake.url}/pay/{later.id}").status_code == 410
    assert [e["data"]["object"]["id"] for e in fake.events_of("checkout.session.expired")] == [
        expired.id,
        later.id,
    ]


def test_checkout_refuses_what_stripe_refuses(client: stripe.StripeClient, customer: stripe.Customer) -> None:
    refusals = {
        "customer_email": {"customer": customer.id, "customer_email": "x@example.com"},
        "customer": {"customer": "cus_gone"},
        "expires_at": {"expires_at": int(time.time()) + 60},
        "success_url": {"success_url": "not a url"},
        "payment_intent_data[setup_future_usage]": {"payment_intent_data": {"setup_future_usage": "always"}},
    }
    for param, extra in refusals.items():
        with pytest.raises(stripe.InvalidRequestError) as refused:
            new_session(client, **extra)
        assert refused.value.param == param
    with pytest.raises(stripe.InvalidRequestError) as too_small:
        new_session(
            client,
            line_items=[
                {
                    "quantity": 1,
                    "price_data": {"currency": "ron", "unit_amount": 150, "product_data": {"name": "x"}},
                }
            ],
        )
    assert too_small.value.code == "amount_too_small"
    with pytest.raises(stripe.InvalidRequestError) as no_name:
        new_session(
            client, line_items=[{"quantity": 1, "price_data": {"currency": "ron", "unit_amount": 500}}]
        )
    assert no_name.value.param == "line_items[0][price_data][product_data][name]"


def test_line_items_are_read_back_and_expandable(client: stripe.StripeClient) -> None:
    session = new_session(client)

    items = client.v1.checkout.sessions.line_items.list(session.id)
    expanded = client.v1.checkout.sessions.retrieve(session.id, params={"expand": ["line_items"]})

    assert [(item.description, item.quantity, item.amount_total) for item in items.data] == [
        ("Factura PRA-7", 1, 12345),
        ("Domeniu .ro", 2, 1000),
    ]
    assert expanded.line_items is not None
    assert len(expanded.line_items.data) == 2


# --- expand -------------------------------------------------------------------------------------


def test_expand_follows_ids_to_their_objects(client: stripe.StripeClient, customer: stripe.Customer) -> None:
    session = new_session(client, customer=customer.id)
    pay(session)

    deep = client.v1.checkout.sessions.retrieve(
        session.id, params={"expand": ["payment_intent.latest_charge", "customer"]}
    )
    intent = client.v1.payment_intents.retrieve(
        str(deep.payment_intent.id), params={"expand": ["latest_charge"]}
    )

    assert isinstance(deep.payment_intent, stripe.PaymentIntent)
    assert isinstance(deep.payment_intent.latest_charge, stripe.Charge)
    assert deep.payment_intent.latest_charge.amount == 13345
    assert isinstance(deep.customer, stripe.Customer)
    assert deep.customer.email == "ana@example.com"
    assert isinstance(intent.latest_charge, stripe.Charge)
    with pytest.raises(stripe.InvalidRequestError, match=r"cannot be expanded \(metadata\)"):
        client.v1.checkout.sessions.retrieve(session.id, params={"expand": ["metadata"]})


def test_expand_on_a_list_goes_under_data(client: stripe.StripeClient, customer: stripe.Customer) -> None:
    pay(new_session(client, customer=customer.id, payment_intent_data={"setup_future_usage": "off_session"}))

    cards = client.v1.customers.payment_methods.list(customer.id, params={"expand": ["data.customer"]})

    assert isinstance(cards.data[0].customer, stripe.Customer)
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.customers.payment_methods.list(customer.id, params={"expand": ["customer"]})


# --- the portal ---------------------------------------------------------------------------------


def test_the_portal_lists_the_customers_cards_and_links_back(
    fake: FakeStripe, client: stripe.StripeClient, customer: stripe.Customer
) -> None:
    fake.add_card(customer.id, brand="mastercard", last4="4444")

    portal = client.v1.billing_portal.sessions.create(
        params={"customer": customer.id, "return_url": "https://praho.test/area/billing/"}
    )

    assert portal.id.startswith("bps_")
    assert portal.object == "billing_portal.session"
    assert portal.url == f"{fake.url}/portal/{portal.id}"
    page = httpx.get(portal.url)
    assert "Mastercard ending in 4444" in page.text
    assert 'href="https://praho.test/area/billing/"' in page.text
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.billing_portal.sessions.create(params={"customer": "cus_gone"})
    assert missing.value.param == "customer"


# --- idempotency and failures -------------------------------------------------------------------


def test_the_same_idempotency_key_gives_the_same_answer_once(
    fake: FakeStripe, client: stripe.StripeClient
) -> None:
    first = client.v1.customers.create(
        params={"email": "ana@example.com"}, options={"idempotency_key": "k-1"}
    )
    again = client.v1.customers.create(
        params={"email": "ana@example.com"}, options={"idempotency_key": "k-1"}
    )

    assert again.id == first.id
    assert again.last_response.headers["Idempotent-Replayed"] == "true"
    assert len(client.v1.customers.list().data) == 1
    assert len(fake.events_of("customer.created")) == 1
    with pytest.raises(stripe.IdempotencyError, match="same parameters"):
        client.v1.customers.create(params={"email": "bob@example.com"}, options={"idempotency_key": "k-1"})


def test_a_refusal_of_the_parameters_is_not_kept_for_the_key(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.customers.create(params={"email": "bad"}, options={"idempotency_key": "k-2"})

    fixed = client.v1.customers.create(
        params={"email": "good@example.com"}, options={"idempotency_key": "k-2"}
    )

    assert fixed.email == "good@example.com"


def test_a_retry_after_a_lost_answer_replays_it_instead_of_doing_it_twice(fake: FakeStripe) -> None:
    fake.fail_next("customers", HANG_UP_AFTER)

    created = client_for(fake, retries=2).v1.customers.create(params={"email": "ana@example.com"})

    assert len(fake.requests_to("customers")) == 2
    keys = {received.headers["idempotency-key"] for received in fake.requests_to("customers")}
    assert len(keys) == 1  # the library's own key, sent again
    assert [c.id for c in client_for(fake).v1.customers.list().data] == [created.id]


def test_failures_answer_in_stripes_shape(fake: FakeStripe, client: stripe.StripeClient) -> None:
    fake.fail_next("customers", SERVER_ERROR)
    with pytest.raises(stripe.APIError) as server:
        client.v1.customers.create(params={"email": "ana@example.com"})
    fake.fail_next("/v1/refunds", CONFLICT)
    with pytest.raises(stripe.StripeError) as busy:
        client.v1.refunds.create(params={"charge": "ch_x"})

    assert server.value.http_status == 500
    assert server.value.error.type == "api_error"
    assert busy.value.http_status == 409
    assert busy.value.json_body["error"]["code"] == "lock_timeout"
    fake.go_down("error")
    with pytest.raises(stripe.APIError):
        client.v1.customers.list()
    fake.go_down(UP)
    assert client.v1.customers.list().data == []


def test_concurrent_requests_with_one_key_make_one_customer(fake: FakeStripe) -> None:
    def create(_: int) -> str:
        client = client_for(fake, retries=3)  # a key still in use is a 409, which the library retries
        return client.v1.customers.create(
            params={"email": "ana@example.com"}, options={"idempotency_key": "k-9"}
        ).id

    with ThreadPoolExecutor(max_workers=6) as pool:
        ids = set(pool.map(create, range(6)))

    assert len(ids) == 1
    assert len(fake.events_of("customer.created")) == 1


def test_a_key_still_in_use_is_a_409_and_a_finished_one_replays() -> None:
    keys = IdempotencyKeys()
    assert keys.begin("k", "params") is None

    with pytest.raises(StripeError) as in_use:
        keys.begin("k", "params")
    keys.finish("k", Reply(200, b"{}"), "req_1")

    assert (in_use.value.status, in_use.value.code) == (409, "idempotency_key_in_use")
    replay = keys.begin("k", "params")
    assert replay is not None
    assert replay.request_id == "req_1"
