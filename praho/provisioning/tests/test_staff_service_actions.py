"""The provisioning panel's buttons: each action's happy path (the service moves, the operation is
queued, a message says so on the service page) and its refusals (an illegal move, a missing or bad
reason, a wrong plan: the message is shown, nothing changes, never an error page)."""

from __future__ import annotations

import pytest
from django.core import mail

from praho.audit.models import AuditEvent
from praho.customers.models import Customer, TaxProfile
from praho.orders.models import Service, ServiceStatus
from praho.provisioning.models import Account, Operation, OperationKind, OperationState, SuspensionCause
from praho.testing.provisioning import make_server, make_service

pytestmark = pytest.mark.django_db

Status = ServiceStatus


@pytest.fixture
def support(staff_client, sue_support):
    return staff_client(sue_support)


@pytest.fixture
def server(db):
    return make_server(
        "virtualmin", "http://127.0.0.1:10000", username="root", secret="login-secret-1", name="vm-1"
    )


def service_of(shop, customer, *, plan="web-start", status=Status.ACTIVE, server=None, domain="carol.ro"):
    service = make_service(shop.plans[plan], customer, domain=domain, status=status)
    if server is not None:
        Account.objects.create(service=service, server=server, username=f"carol{service.pk}")
    return service


def act(client, service, action, data=None):
    """POST the action and follow to the service page; (its HTML, the service as stored now)."""
    response = client.post(f"/staff/provisioning/services/{service.pk}/{action}/", data or {}, follow=True)
    assert response.redirect_chain == [(f"/staff/orders/services/{service.pk}/", 302)]
    assert response.status_code == 200
    return response.content.decode(), Service.objects.get(pk=service.pk)


def unchanged(service, status):
    service.refresh_from_db()
    return service.status == status and not Operation.objects.filter(service=service).exists()


# --- create, activate, cancel -----------------------------------------------------------------------


def test_create_queues_the_panels_create(support, shop, carol_customer, server):
    service = service_of(shop, carol_customer, status=Status.PENDING)
    page, now = act(support, service, "create")
    assert now.status == Status.PROVISIONING
    assert Operation.objects.get(service=service).kind == OperationKind.CREATE
    assert Account.objects.get(service=service).server == server
    assert "Creating it on the panel." in page


def test_create_without_a_server_says_so_and_stays_pending(support, shop, carol_customer):
    service = service_of(shop, carol_customer, status=Status.PENDING)
    page, now = act(support, service, "create")
    assert now.status == Status.PENDING
    assert "No active server takes the plan web-start" in page
    assert Operation.objects.get(service=service).state == OperationState.NEEDS_ATTENTION


def test_create_of_an_active_service_is_refused(support, shop, carol_customer, server):
    service = service_of(shop, carol_customer, server=server)
    page, _now = act(support, service, "create")
    assert (
        "The service is active and cannot become provisioning; "
        "from here it can only become: suspended, terminated." in page
    )
    assert unchanged(service, Status.ACTIVE)


def test_a_service_set_up_by_hand_is_started_then_marked_active(support, shop, carol_customer):
    service = service_of(shop, carol_customer, plan="domain-ro", status=Status.PENDING, domain="d.ro")
    page, now = act(support, service, "create")
    assert now.status == Status.PROVISIONING
    assert "mark it active once it is ready" in page
    page, now = act(support, service, "activate")
    assert now.status == Status.ACTIVE
    assert "The service is active." in page
    assert not Operation.objects.exists()


def test_a_panel_service_is_not_marked_active_by_hand(support, shop, carol_customer, server):
    service = service_of(shop, carol_customer, status=Status.PROVISIONING, server=server)
    page, _now = act(support, service, "activate")
    assert "A service on a panel becomes active when the panel has created it." in page
    assert unchanged(service, Status.PROVISIONING)


def test_a_pending_service_is_cancelled_and_an_active_one_is_not(support, shop, carol_customer, server):
    pending = service_of(shop, carol_customer, status=Status.PENDING)
    page, now = act(support, pending, "cancel", {"reason": "customer changed their mind"})
    assert now.status == Status.CANCELLED
    assert "Service cancelled." in page
    active = service_of(shop, carol_customer, server=server, domain="b.ro")
    page, _now = act(support, active, "cancel")
    assert "The service is active and cannot become cancelled" in page
    assert unchanged(active, Status.ACTIVE)


# --- suspend, unsuspend -----------------------------------------------------------------------------


def test_suspend_records_the_reason_and_queues_the_panels_suspend(support, shop, carol_customer, server):
    service = service_of(shop, carol_customer, server=server)
    page, now = act(support, service, "suspend", {"reason": "abuse report 17"})
    assert now.status == Status.SUSPENDED
    account = Account.objects.get(service=service)
    assert (account.suspension_cause, account.suspension_reason) == (SuspensionCause.STAFF, "abuse report 17")
    assert Operation.objects.get(service=service).kind == OperationKind.SUSPEND
    assert "Service suspended; the panel is being told." in page
    assert "abuse report 17" in page


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", "Say why."),
        ("   ", "Say why."),
        ("bell\x07", "Remove the control character U+0007."),
        ("x" * 501, "no more than 500 characters (it has 501)"),
    ],
)
def test_suspend_needs_a_clean_reason(support, shop, carol_customer, server, reason, message):
    service = service_of(shop, carol_customer, server=server)
    page, _now = act(support, service, "suspend", {"reason": reason})
    assert message in page
    assert unchanged(service, Status.ACTIVE)
    assert Account.objects.get(service=service).suspension_cause == ""


def test_a_pending_service_is_not_suspended(support, shop, carol_customer):
    service = service_of(shop, carol_customer, status=Status.PENDING)
    page, _now = act(support, service, "suspend", {"reason": "why not"})
    assert (
        "The service is pending provisioning and cannot become suspended; "
        "from here it can only become: cancelled, provisioning." in page
    )
    assert unchanged(service, Status.PENDING)


def test_unsuspend_resumes_a_suspended_service(support, shop, carol_customer, server):
    service = service_of(shop, carol_customer, status=Status.SUSPENDED, server=server)
    page, now = act(support, service, "unsuspend")
    assert now.status == Status.ACTIVE
    assert Operation.objects.get(service=service).kind == OperationKind.UNSUSPEND
    assert "Service resumed; the panel is being told." in page


def test_an_active_service_is_not_unsuspended(support, shop, carol_customer, server):
    service = service_of(shop, carol_customer, server=server)
    page, _now = act(support, service, "unsuspend")
    assert (
        "The service is active and cannot become active; "
        "from here it can only become: suspended, terminated." in page
    )
    assert unchanged(service, Status.ACTIVE)


# --- terminate ------------------------------------------------------------------------------------------


def test_terminate_queues_the_panels_terminate(support, shop, carol_customer, server):
    service = service_of(shop, carol_customer, server=server)
    page, now = act(support, service, "terminate", {"reason": "contract ended"})
    assert now.status == Status.TERMINATED
    assert Operation.objects.get(service=service).kind == OperationKind.TERMINATE
    assert "Service terminated." in page


def test_terminate_with_live_add_ons_asks_what_becomes_of_them(support, shop, carol_customer, server):
    service = service_of(shop, carol_customer, server=server)
    addon = make_service(shop.plans["backup"], carol_customer, status=Status.ACTIVE, parent=service)

    page, _now = act(support, service, "terminate")
    assert "It has add-ons" in page
    assert 'name="children" value="keep"' in page
    assert unchanged(service, Status.ACTIVE)

    page, now = act(support, service, "terminate", {"children": "keep"})
    addon.refresh_from_db()
    assert (now.status, addon.status, addon.parent_id) == (Status.TERMINATED, Status.ACTIVE, None)


def test_terminate_can_take_the_add_ons_along(support, shop, carol_customer, server):
    service = service_of(shop, carol_customer, server=server)
    addon = make_service(shop.plans["backup"], carol_customer, status=Status.ACTIVE, parent=service)
    _page, now = act(support, service, "terminate", {"children": "terminate"})
    addon.refresh_from_db()
    assert (now.status, addon.status) == (Status.TERMINATED, Status.TERMINATED)


def test_a_bad_children_choice_is_refused(support, shop, carol_customer, server):
    service = service_of(shop, carol_customer, server=server)
    page, _now = act(support, service, "terminate", {"children": "explode"})
    assert "Select a valid choice" in page
    assert unchanged(service, Status.ACTIVE)


# --- reset password, welcome (changing plan is recurring billing's: prorated) -----------------------


def test_reset_password_queues_a_new_password(support, shop, carol_customer, server):
    service = service_of(shop, carol_customer, server=server)
    page, _now = act(support, service, "reset-password")
    operation = Operation.objects.get(service=service)
    assert operation.kind == OperationKind.CHANGE_PASSWORD
    assert operation.params["password_sealed"] not in page
    assert "A new panel password is being set" in page


def test_a_pending_service_has_no_password_to_reset(support, shop, carol_customer):
    service = service_of(shop, carol_customer, status=Status.PENDING)
    page, _now = act(support, service, "reset-password")
    assert "Only an active or suspended service on a panel has a password to reset." in page
    assert unchanged(service, Status.PENDING)


def test_the_welcome_email_is_sent_again(support, shop, carol_customer, server):
    service = service_of(shop, carol_customer, server=server)
    Customer.objects.filter(pk=carol_customer.pk).update(email="office@carol.test")
    page, _now = act(support, service, "welcome")
    assert "Welcome e-mail sent." in page
    assert len(mail.outbox) == 1
    assert "office@carol.test" in mail.outbox[0].to
    assert "carol" in mail.outbox[0].body  # the account's user name

    assert AuditEvent.objects.filter(action="provisioning.welcome_sent").count() == 1


def test_no_welcome_email_without_an_address(support, shop, carol_customer, server):
    service = service_of(shop, carol_customer, server=server)
    Customer.objects.filter(pk=carol_customer.pk).update(email="")
    TaxProfile.objects.filter(customer=carol_customer).update(invoice_email="")
    page, _now = act(support, service, "welcome")
    assert "The customer has no e-mail address to send it to." in page
    assert mail.outbox == []


# --- retry -------------------------------------------------------------------------------------------------


def test_a_failed_operation_is_tried_again(support, shop, carol_customer, server):
    service = service_of(shop, carol_customer, status=Status.SUSPENDED, server=server)
    operation = Operation.objects.create(
        service=service, server=server, kind="suspend", state=OperationState.NEEDS_ATTENTION, attempts=8,
        idempotency_key="k1", last_error="Panel down",
    )  # fmt: skip
    response = support.post(
        f"/staff/provisioning/services/{service.pk}/operations/{operation.pk}/retry/", follow=True
    )
    operation.refresh_from_db()
    assert (operation.state, operation.attempts) == (OperationState.QUEUED, 0)
    assert f"Operation {operation.pk} tried again." in response.content.decode()


def test_a_succeeded_operation_is_not_tried_again(support, shop, carol_customer, server):
    service = service_of(shop, carol_customer, server=server)
    operation = Operation.objects.create(
        service=service, server=server, kind="create", state=OperationState.SUCCEEDED, attempts=1,
        idempotency_key="k1",
    )  # fmt: skip
    response = support.post(
        f"/staff/provisioning/services/{service.pk}/operations/{operation.pk}/retry/", follow=True
    )
    assert (
        "Only a failed operation, or one that needs attention, can be tried again."
        in response.content.decode()
    )
    operation.refresh_from_db()
    assert (operation.state, operation.attempts) == (OperationState.SUCCEEDED, 1)
