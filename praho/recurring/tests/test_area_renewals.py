"""The customer area's renewals page (/app/renewals/) and the auto-pay toggle: what each member
sees, another customer's data never shown, a fixed number of queries, who may toggle, no card
no auto-pay, audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from praho.audit.models import AuditEvent
from praho.core.validation import fiscal_today
from praho.customers.models import MembershipRole
from praho.recurring.models import AutoCharge, BillingPreference
from praho.recurring.services.auto_pay import set_auto_pay
from praho.recurring.tests.renewal_steps import auto_pay, renewal_document, save_card, service
from praho.testing.actors import member_of

pytestmark = pytest.mark.django_db

PAGE = reverse("recurring:area-renewals")
TOGGLE = reverse("recurring:area-auto-pay")


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def _on(customer) -> bool:
    return BillingPreference.objects.filter(customer=customer, auto_pay=True).exists()


def test_the_page_shows_the_customers_renewals_and_documents_to_pay(
    as_user, shop, bill_billing, carol, carol_customer, dave_customer
):
    today = fiscal_today()
    hosting = service(shop, carol_customer, due=today + timedelta(days=10), price="100.00", domain="carol.ro")
    ending = service(shop, carol_customer, plan="backup", due=today + timedelta(days=3), price="10.00")
    ending.cancel_at = ending.next_due_date - timedelta(days=1)
    ending.save(update_fields=["cancel_at"])
    document = renewal_document(bill_billing, [service(shop, carol_customer, plan="vps-s")])
    theirs = service(shop, dave_customer, domain="dave.ro", price="777.00")
    their_document = renewal_document(bill_billing, [theirs])

    response = as_user(carol).get(PAGE)

    assert response.status_code == 200
    rows = {row.service.pk: row for row in response.context["upcoming"]}
    assert theirs.pk not in rows
    assert rows[hosting.pk].renews
    assert (rows[hosting.pk].period.start, str(rows[hosting.pk].net)) == (hosting.next_due_date, "100.00")
    assert not rows[ending.pk].renews
    assert rows[ending.pk].ends_on == ending.cancel_at
    assert [doc.pk for doc in response.context["unpaid"]] == [document.pk]
    text = response.content.decode()
    assert "carol.ro" in text
    assert "+ VAT" in text
    assert "Ends after" in text
    assert document.number in text
    assert reverse("payments:pay", args=[document.pk]) in text
    assert "dave.ro" not in text
    assert their_document.number not in text
    assert "777" not in text
    assert TOGGLE in text


@pytest.mark.parametrize("count", [1, 5])
def test_the_page_runs_a_fixed_number_of_queries(
    as_user, shop, bill_billing, carol, carol_customer, django_assert_num_queries, count
):
    for _index in range(count):
        item = service(shop, carol_customer, follow_list_price=True)
        renewal_document(bill_billing, [item, service(shop, carol_customer, plan="backup")])
    AutoCharge.objects.create(
        document=renewal_document(bill_billing, [service(shop, carol_customer)]),
        customer=carol_customer,
        amount="121.00",
        currency="RON",
        status="failed",
    )
    client = as_user(carol)
    # 1 session, 2 user, 3 membership (current customer), 4 auto-pay, 5 saved card, 6 services,
    # 7 list prices (services following them), 8 unpaid documents with their charges' status
    with django_assert_num_queries(8):
        response = client.get(PAGE)
    assert len(response.context["upcoming"]) == 2 * count + 1
    assert len(response.context["unpaid"]) == count + 1
    assert "Declined" in response.content.decode()


def test_a_viewer_sees_renewals_but_no_documents_and_may_not_toggle(
    as_user, shop, bill_billing, carol_customer, erin_viewer, fake_stripe
):
    service(shop, carol_customer, domain="carol.ro")
    document = renewal_document(bill_billing, [service(shop, carol_customer)])
    save_card(fake_stripe, carol_customer)
    client = as_user(erin_viewer)

    response = client.get(PAGE)

    assert response.status_code == 200
    text = response.content.decode()
    assert "carol.ro" in text
    assert document.number not in text
    assert TOGGLE not in text
    assert client.post(TOGGLE, {"auto_pay": "1"}).status_code == 403
    assert not _on(carol_customer)


def test_a_billing_member_turns_auto_pay_on_and_off_audited(as_user, carol_customer, fake_stripe):
    billing = member_of(carol_customer, role=MembershipRole.BILLING, email="bea@carol.test")
    save_card(fake_stripe, carol_customer)
    client = as_user(billing)

    response = client.post(TOGGLE, {"auto_pay": "1"})

    assert response.status_code == 302
    assert response["Location"] == PAGE
    assert _on(carol_customer)
    event = AuditEvent.objects.get(action="recurring.auto_pay_changed")
    assert (event.actor_id, event.data["auto_pay"]) == (billing.pk, True)

    partial = client.post(TOGGLE, {"auto_pay": "0"}, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    assert "Auto-pay is off." in partial.content.decode()
    assert "<html" not in partial.content.decode()
    assert not _on(carol_customer)
    assert AuditEvent.objects.filter(action="recurring.auto_pay_changed").count() == 2
    client.post(TOGGLE, {"auto_pay": "0"})  # unchanged: no event
    assert AuditEvent.objects.filter(action="recurring.auto_pay_changed").count() == 2


def test_auto_pay_without_a_saved_card_is_refused_with_the_way_to_save_one(as_user, carol, carol_customer):
    client = as_user(carol)

    partial = client.post(TOGGLE, {"auto_pay": "1"}, HTTP_HX_REQUEST="true")
    text = partial.content.decode()
    assert "Save a card first" in text
    assert reverse("payments:portal") in text
    followed = client.post(TOGGLE, {"auto_pay": "1"}, follow=True)
    assert "Save a card first" in followed.content.decode()
    assert not _on(carol_customer)
    assert not AuditEvent.objects.filter(action="recurring.auto_pay_changed").exists()

    with pytest.raises(ValidationError) as refused:  # the service itself names the field and the rule
        set_auto_pay(actor=carol, customer=carol_customer, on=True)
    assert refused.value.error_dict["auto_pay"][0].code == "no_saved_card"


def test_a_user_of_no_customer_sees_no_renewals(as_user, erin, shop, carol_customer):
    service(shop, carol_customer, domain="carol.ro")
    auto_pay(carol_customer)
    response = as_user(erin).get(PAGE)
    assert "carol.ro" not in response.content.decode()
    assert "upcoming" not in (response.context or {})
    assert as_user(erin).post(TOGGLE, {"auto_pay": "0"}).status_code == 200  # "no customer yet"
    assert _on(carol_customer)
