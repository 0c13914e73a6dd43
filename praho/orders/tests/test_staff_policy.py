"""The approval policy's staff pages: customers flagged for review (add and remove with a
reason, audited) and the approval threshold per currency (all or nothing, audited)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from praho.audit.models import AuditEvent
from praho.orders.models import OrderPolicy, ReviewFlag

pytestmark = pytest.mark.django_db

REVIEW, THRESHOLDS = "/staff/orders/review/", "/staff/orders/thresholds/"


def remove_url(customer):
    return f"{REVIEW}{customer.pk}/remove/"


def test_who_may_see_and_change_the_policy(
    staff_client, client, carol, bill_billing, mike_manager, carol_customer
):
    billing = staff_client(bill_billing)
    assert billing.get(REVIEW).status_code == 403
    assert billing.get(THRESHOLDS).status_code == 403
    assert billing.post(remove_url(carol_customer), {"text": "x"}).status_code == 403
    manager = staff_client(mike_manager)
    assert manager.get(REVIEW).status_code == 200
    assert manager.get(THRESHOLDS).status_code == 200
    client.force_login(carol)
    assert client.get(REVIEW).status_code == 404


def test_flagging_a_customer_for_review_is_audited(staff_client, mike_manager, carol_customer):
    manager = staff_client(mike_manager)

    response = manager.post(REVIEW, {"customer": carol_customer.pk, "reason": "Chargeback last year"})

    assert response.status_code == 302
    flag = ReviewFlag.objects.get(customer=carol_customer)
    assert flag.reason == "Chargeback last year"
    assert flag.created_by == mike_manager
    event = AuditEvent.objects.get(action="orders.review_flag_added")
    assert event.data == {"reason": "Chargeback last year"}
    assert event.object_id == str(carol_customer.pk)
    assert "Chargeback last year" in manager.get(REVIEW).content.decode()


def test_flagging_needs_a_customer_and_a_reason(staff_client, mike_manager, carol_customer):
    manager = staff_client(mike_manager)

    no_reason = manager.post(REVIEW, {"customer": carol_customer.pk, "reason": "  "})
    no_customer = manager.post(REVIEW, {"reason": "Risky"})

    assert no_reason.status_code == 400
    assert no_customer.status_code == 400
    assert "Choose the customer." in no_customer.content.decode()
    assert not ReviewFlag.objects.exists()


def test_removing_a_flag_needs_a_reason_and_is_audited(staff_client, mike_manager, carol_customer):
    ReviewFlag.objects.create(customer=carol_customer, reason="New")
    manager = staff_client(mike_manager)

    refused = manager.post(remove_url(carol_customer), {"text": ""}, follow=True)
    assert ReviewFlag.objects.exists()
    assert "Say why." in [str(m) for m in refused.context["messages"]]

    manager.post(remove_url(carol_customer), {"text": "Paid on time for a year"})

    assert not ReviewFlag.objects.exists()
    event = AuditEvent.objects.get(action="orders.review_flag_removed")
    assert event.data == {"reason": "Paid on time for a year", "flagged_for": "New"}


def test_the_review_list_runs_a_fixed_number_of_queries(
    staff_client, mike_manager, carol_customer, dave_customer, django_assert_num_queries
):
    manager = staff_client(mike_manager)
    ReviewFlag.objects.create(customer=carol_customer, reason="New", created_by=mike_manager)
    # 1 session, 2 user, 3 authenticators, 4 user permissions, 5 group permissions, 6 the flags
    with django_assert_num_queries(6):
        manager.get(REVIEW)
    ReviewFlag.objects.create(customer=dave_customer, reason="New", created_by=mike_manager)
    with django_assert_num_queries(6):
        response = manager.get(REVIEW)
    assert len(response.context["flags"]) == 2


def test_thresholds_are_saved_all_or_nothing(staff_client, alice_admin):
    admin = staff_client(alice_admin)
    OrderPolicy.objects.create(currency="USD", approval_threshold=Decimal("100"))

    bad = admin.post(THRESHOLDS, {"RON": "5000", "EUR": "a lot", "USD": "100"})
    assert bad.status_code == 400
    assert "at most two decimals" in bad.content.decode()
    assert not OrderPolicy.objects.filter(currency="RON").exists()

    admin.post(THRESHOLDS, {"RON": "5000,50", "EUR": "1000", "USD": ""})

    assert dict(OrderPolicy.objects.values_list("currency", "approval_threshold")) == {
        "RON": Decimal("5000.50"),
        "EUR": Decimal("1000.00"),
    }
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions.count("orders.approval_threshold_set") == 2
    assert actions.count("orders.approval_threshold_removed") == 1
    page = admin.get(THRESHOLDS).content.decode()
    assert 'value="5000.5"' in page or 'value="5000,5"' in page


def test_a_negative_threshold_is_refused(staff_client, alice_admin):
    response = staff_client(alice_admin).post(THRESHOLDS, {"RON": "-1", "EUR": "", "USD": ""})
    assert response.status_code == 400
    assert not OrderPolicy.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="orders.approval").exists()
