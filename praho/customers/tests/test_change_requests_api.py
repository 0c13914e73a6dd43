"""/api/v1/customers/{id}/change-requests/: a customer's users ask, staff decide."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import IntegrityError, transaction

from praho.audit.models import AuditEvent
from praho.customers.models import ChangeRequest, Customer, TaxProfile
from praho.customers.services.customers import current_profile
from praho.customers.tests.test_api import CUI_CHECKSUM_MESSAGE
from praho.testing.actors import member_of
from praho.testing.api import DENIED, NOT_FOUND, bearer, error_of, invalid
from praho.testing.fakes import HANG_UP

pytestmark = pytest.mark.django_db

FROZEN = dt.datetime(2025, 7, 1, 9, 0, tzinfo=dt.UTC)
FROZEN_LOCAL = "2025-07-01T12:00:00+03:00"
BERLIN = {"street": "Hauptstraße 5", "city": "Berlin", "postal_code": "10115", "county": "", "country": "DE"}
CLUJ = {
    "street": "Str. Lungă 10",
    "city": "Cluj-Napoca",
    "postal_code": "",
    "county": "RO-CJ",
    "country": "RO",
}
# Carol's company moves to Germany: a German VAT number is reverse-charged at 0%.
TO_GERMANY = {
    "country": "DE",
    "tax_id": "DE136695976",
    "currency": "EUR",
    "address": BERLIN,
    "reason": "We moved to Berlin on 1 June.\nThe German VAT number is attached.",
}


def url(customer: Customer) -> str:
    return f"/api/v1/customers/{customer.pk}/change-requests/"


def one_url(customer: Customer, request_id: int, action: str = "") -> str:
    return f"{url(customer)}{request_id}/" + (f"{action}/" if action else "")


@pytest.fixture
def asked(carol, carol_customer) -> ChangeRequest:
    with time_machine.travel(FROZEN, tick=False):
        response = bearer(carol).post(url(carol_customer), TO_GERMANY, format="json")
    assert response.status_code == 201
    return ChangeRequest.objects.get()


def still_romanian(customer: Customer) -> bool:
    customer.refresh_from_db()
    return (customer.country, customer.tax_id, TaxProfile.objects.filter(customer=customer).count()) == (
        "RO",
        "RO18547290",
        1,
    )


# --- asking -------------------------------------------------------------------------------------


def test_an_owner_asks_to_move_to_germany_and_nothing_changes_yet(carol, carol_customer, asked):
    response = bearer(carol).get(one_url(carol_customer, asked.pk))

    assert response.json() == {
        "id": asked.pk,
        "status": "pending",
        "changes": {"country": "DE", "tax_id": "DE136695976", "currency": "EUR", "address": BERLIN},
        "previous": {"country": "RO", "tax_id": "RO18547290", "currency": "RON", "address": CLUJ},
        "reason": "We moved to Berlin on 1 June.\nThe German VAT number is attached.",
        "requested_by": "carol@customer.test",
        "created_at": FROZEN_LOCAL,
        "decided_by": None,
        "decided_at": None,
        "decision_note": "",
    }
    assert still_romanian(carol_customer)
    event = AuditEvent.objects.get(action="customers.change_requested")
    assert (event.actor, event.data["request"], event.data["changes"]["tax_id"]) == (
        carol,
        asked.pk,
        ["RO18547290", "DE136695976"],
    )


def test_a_billing_user_may_ask_too(carol_customer):
    billing_user = member_of(carol_customer, role="billing", email="ben@customer.test", language="ro")

    response = bearer(billing_user).post(
        url(carol_customer), {"payment_terms_days": 30, "reason": "Agreed by phone."}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["changes"] == {"payment_terms_days": 30}


@pytest.mark.parametrize("role", ["viewer", "technical"])
def test_viewers_and_technical_users_may_neither_ask_nor_read(carol_customer, asked, role):
    client = bearer(member_of(carol_customer, role=role, email="tom@customer.test", language="ro"))

    answers = [
        client.get(url(carol_customer)),
        client.post(url(carol_customer), {"currency": "USD", "reason": "x"}, format="json"),
        client.get(one_url(carol_customer, asked.pk)),
        client.post(one_url(carol_customer, asked.pk, "cancel")),
    ]

    assert [error_of(answer) for answer in answers] == [DENIED] * 4
    assert list(ChangeRequest.objects.values_list("status", flat=True)) == ["pending"]


def test_an_outsider_gets_404_and_nothing_changes(dave, dave_customer, carol_customer, asked):
    client = bearer(dave)

    answers = [
        client.get(url(carol_customer)),
        client.post(url(carol_customer), TO_GERMANY, format="json"),
        client.get(one_url(carol_customer, asked.pk)),
        client.post(one_url(carol_customer, asked.pk, "cancel")),
        # Carol's request under dave's own customer is not there either.
        client.get(one_url(dave_customer, asked.pk)),
        client.post(one_url(dave_customer, asked.pk, "cancel")),
    ]

    assert [error_of(answer) for answer in answers] == [NOT_FOUND] * 6
    assert list(ChangeRequest.objects.values_list("status", flat=True)) == ["pending"]


def test_a_wrong_cui_is_refused_at_once(carol, carol_customer):
    response = bearer(carol).post(
        url(carol_customer), {"tax_id": "RO18547291", "reason": "New CUI."}, format="json"
    )

    assert error_of(response) == invalid({"tax_id": [CUI_CHECKSUM_MESSAGE]})
    assert ChangeRequest.objects.count() == 0


def test_an_owner_is_not_told_which_customer_has_a_cui_asked_for(carol, carol_customer, dave_customer):
    response = bearer(carol).post(
        url(carol_customer), {"tax_id": dave_customer.tax_id, "reason": "Merger."}, format="json"
    )

    message = "This tax identifier is already registered for another customer."
    assert error_of(response) == {
        "status": 400,
        "code": "duplicate",
        "message": message,
        "fields": {"tax_id": [message]},
    }


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({"currency": "EUR"}, {"reason": ["This field is required."]}),
        ({"currency": "EUR", "reason": "  "}, {"reason": ["This field may not be blank."]}),
        (
            {"currency": "EUR", "reason": "Because\x07"},
            {"reason": ["Remove the control character U+0007; only tabs and line breaks are allowed."]},
        ),
        (
            {"country": "XX", "reason": "Moved."},
            {"country": ["XX is not a country code: enter an ISO 3166-1 code such as RO."]},
        ),
        (
            {"payment_terms_days": 365, "reason": "Long."},
            {"payment_terms_days": ["Payment terms are 0 to 120 days."]},
        ),
        (
            {"address": {**CLUJ, "county": "Cluj"}, "reason": "Typo."},
            {
                "address": {
                    "county": [
                        "Choose a Romanian county (ISO 3166-2:RO code such as RO-CJ, or RO-B for Bucharest)."
                    ]
                }
            },
        ),
    ],
    ids=["no-reason", "blank-reason", "control-in-reason", "country", "payment-terms", "county"],
)
def test_bad_values_are_refused_naming_the_field(carol, carol_customer, payload, fields):
    response = bearer(carol).post(url(carol_customer), payload, format="json")

    assert error_of(response) == invalid(fields)
    assert ChangeRequest.objects.count() == 0


def test_asking_for_the_current_values_is_refused(carol, carol_customer):
    payload = {"country": "ro", "tax_id": "18547290", "vat_payer": True, "reason": "Check."}

    response = bearer(carol).post(url(carol_customer), payload, format="json")

    message = "Nothing to change: these are the current values."
    assert error_of(response) == {
        "status": 400,
        "code": "nothing_changed",
        "message": message,
        "fields": {"non_field_errors": [message]},
    }


def test_a_second_request_waits_for_the_first(carol, carol_customer, asked):
    response = bearer(carol).post(url(carol_customer), {"currency": "USD", "reason": "x"}, format="json")

    assert error_of(response)["code"] == "pending_request"
    assert ChangeRequest.objects.count() == 1


def test_an_owner_cancels_a_pending_request_and_may_ask_again(carol, carol_customer, asked):
    client = bearer(carol)

    cancelled = client.post(one_url(carol_customer, asked.pk, "cancel"))
    again = client.post(one_url(carol_customer, asked.pk, "cancel"))
    new = client.post(url(carol_customer), {"currency": "USD", "reason": "x"}, format="json")

    assert (cancelled.json()["status"], cancelled.json()["decided_by"]) == (
        "cancelled",
        "carol@customer.test",
    )
    assert error_of(again) == {
        "status": 400,
        "code": "decided",
        "message": "This request was cancelled already.",
        "fields": {"non_field_errors": ["This request was cancelled already."]},
    }
    assert new.status_code == 201
    assert AuditEvent.objects.filter(action="customers.change_request_cancelled").count() == 1


# --- deciding -------------------------------------------------------------------------------------


def test_staff_approve_and_the_change_is_applied_as_a_staff_edit(
    bill_billing, carol, carol_customer, asked, fake_vies, mailoutbox, django_capture_on_commit_callbacks
):
    fake_vies.register("DE136695976", "Carol GmbH", "Hauptstraße 5, Berlin")

    with django_capture_on_commit_callbacks(execute=True):
        response = bearer(bill_billing).post(
            one_url(carol_customer, asked.pk, "approve"), {"note": "Checked in VIES."}, format="json"
        )

    body = response.json()
    assert (body["status"], body["decided_by"], body["decision_note"], body["vies_problem"]) == (
        "approved",
        "bill@staff.test",
        "Checked in VIES.",
        "",
    )
    carol_customer.refresh_from_db()
    assert (carol_customer.country, carol_customer.tax_id, carol_customer.vies_status) == (
        "DE",
        "DE136695976",
        "valid",
    )
    profile = current_profile(carol_customer)
    assert (profile.version, profile.currency, profile.created_by) == (2, "EUR", bill_billing)
    assert carol_customer.addresses.get().city == "Berlin"
    assert list(
        AuditEvent.objects.filter(actor=bill_billing).order_by("id").values_list("action", flat=True)
    ) == [
        "customers.changed",
        "customers.profile_changed",
        "customers.address_changed",
        "customers.change_request_approved",
        "customers.vies_checked",
    ]
    assert [(message.to, message.subject) for message in mailoutbox] == [
        (["carol@customer.test"], "Your change request for Carol Hosting SRL was approved")
    ]
    assert "Tax identifier: RO18547290 -> DE136695976" in mailoutbox[0].body


def test_when_vies_does_not_answer_the_approval_stands_and_staff_are_told(
    alice_admin, carol_customer, asked, fake_vies
):
    fake_vies.go_down(HANG_UP)

    response = bearer(alice_admin).post(one_url(carol_customer, asked.pk, "approve"), {}, format="json")

    assert response.json()["vies_problem"] == (
        "VIES did not answer, so the VAT number could not be checked; try again later."
    )
    carol_customer.refresh_from_db()
    assert (carol_customer.tax_id, carol_customer.vies_status) == ("DE136695976", "unchecked")


def test_staff_reject_with_a_reason_and_the_requester_reads_it_in_their_language(
    mike_manager, carol_customer, mailoutbox, django_capture_on_commit_callbacks
):
    ben = member_of(carol_customer, role="billing", email="ben@customer.test", language="ro")
    request_id = (
        bearer(ben).post(url(carol_customer), {"currency": "USD", "reason": "x"}, format="json").json()["id"]
    )
    client = bearer(mike_manager)

    without_reason = client.post(one_url(carol_customer, request_id, "reject"), {}, format="json")
    with django_capture_on_commit_callbacks(execute=True):
        rejected = client.post(
            one_url(carol_customer, request_id, "reject"), {"note": "Invoices stay in RON."}, format="json"
        )

    assert error_of(without_reason) == invalid({"note": ["This field is required."]})
    assert (rejected.json()["status"], rejected.json()["decision_note"]) == (
        "rejected",
        "Invoices stay in RON.",
    )
    assert current_profile(carol_customer).currency == "RON"
    assert [message.to for message in mailoutbox] == [["ben@customer.test"]]
    # Ben reads Romanian; the catalog may not have the new sentence yet, the link is there either way.
    assert "/app/customer/changes/" in mailoutbox[0].body
    assert (
        AuditEvent.objects.get(action="customers.change_request_rejected").data["note"]
        == "Invoices stay in RON."
    )


def test_approving_values_that_became_invalid_keeps_the_request_pending(alice_admin, carol_customer, asked):
    Customer.objects.create(kind="company", name="Beispiel GmbH", country="DE", tax_id="DE136695976")

    response = bearer(alice_admin).post(one_url(carol_customer, asked.pk, "approve"), {}, format="json")

    assert error_of(response)["code"] == "duplicate"
    assert ChangeRequest.objects.get().status == "pending"
    assert still_romanian(carol_customer)


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_customers_and_support_staff_may_not_decide(
    request, carol, sue_support, carol_customer, asked, decision
):
    for user in (carol, sue_support):
        response = bearer(user).post(
            one_url(carol_customer, asked.pk, decision), {"note": "ok"}, format="json"
        )
        assert error_of(response) == DENIED
    assert ChangeRequest.objects.get().status == "pending"
    assert still_romanian(carol_customer)


def test_a_decided_request_is_not_decided_again(alice_admin, carol, carol_customer, asked):
    bearer(carol).post(one_url(carol_customer, asked.pk, "cancel"))

    response = bearer(alice_admin).post(one_url(carol_customer, asked.pk, "approve"), {}, format="json")

    assert error_of(response)["code"] == "decided"
    assert still_romanian(carol_customer)


# --- lists --------------------------------------------------------------------------------------


def test_the_list_runs_a_fixed_number_of_queries(
    alice_admin, carol, carol_customer, django_assert_num_queries
):
    for days in range(12):
        bearer(carol).post(
            url(carol_customer), {"payment_terms_days": days + 20, "reason": "x"}, format="json"
        )
        ChangeRequest.objects.filter(status="pending").update(status="rejected", decided_by=alice_admin)
    client = bearer(carol)

    # 1 carol (JWT), 2 the customer (scoped to carol), 3 carol's role in it, 4 the count,
    # 5 the page of requests with who asked and who decided
    with django_assert_num_queries(5):
        response = client.get(url(carol_customer))

    assert response.json()["count"] == 12
    assert [row["changes"]["payment_terms_days"] for row in response.json()["results"]][:3] == [31, 30, 29]


def test_the_schema_documents_the_change_request_endpoints(client):
    paths = client.get("/api/v1/schema/?format=json").json()["paths"]

    base = "/api/v1/customers/{customer_id}/change-requests/"
    assert {path: set(item) - {"parameters"} for path, item in paths.items() if path.startswith(base)} == {
        base: {"get", "post"},
        base + "{request_id}/": {"get"},
        base + "{request_id}/cancel/": {"post"},
        base + "{request_id}/approve/": {"post"},
        base + "{request_id}/reject/": {"post"},
    }
    assert set(paths[base]["post"]["responses"]) == {"201", "400", "401", "403", "404"}


def test_the_database_keeps_one_pending_request_per_customer(carol, carol_customer, asked):
    with pytest.raises(IntegrityError), transaction.atomic():
        ChangeRequest.objects.create(
            customer=carol_customer, requested_by=carol, changes={"currency": "USD"}, previous={}, reason="x"
        )

    assert ChangeRequest.objects.filter(customer=carol_customer).count() == 1
