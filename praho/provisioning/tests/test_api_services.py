"""The services API with provisioning: a service's server, panel id and operations; the staff
actions (202 with the queued operation, 200 when no panel is involved, 409 for an illegal move);
isolation (404 for another customer's service, 403 for customers on actions)."""

from __future__ import annotations

import pytest

from praho.audit.models import AuditEvent
from praho.orders.models import Service, ServiceStatus
from praho.provisioning.models import Account, Operation, OperationState, SuspensionCause
from praho.provisioning.services import actions
from praho.testing.api import DENIED, NOT_FOUND, bearer, error_of
from praho.testing.provisioning import make_service

Status = ServiceStatus
URL = "/api/v1/services/{}/"


@pytest.fixture
def domain(shop, carol_customer):
    """A service set up by hand (no provisioning module), active."""
    return make_service(shop.plans["domain-ro"], carol_customer, domain="carol.ro", status=Status.ACTIVE)


def test_the_detail_shows_the_account_and_its_operations(shop, carol, carol_customer, alice_admin):
    hosting = make_service(shop.plans["web-start"], carol_customer, domain="carol.ro")
    actions.create(service_id=hosting.pk, actor=alice_admin)  # no server: it waits for staff
    body = bearer(carol).get(URL.format(hosting.pk)).json()
    assert body["status"] == "pending"
    assert (body["server"], body["server_name"], body["external_id"]) == (None, None, "")
    assert body["username"] == f"carol{hosting.pk}"
    [operation] = body["operations"]
    assert (operation["kind"], operation["state"]) == ("create", "needs_attention")
    assert operation["last_error"] == ""  # the customer does not see the staff's error text
    staff_view = bearer(alice_admin).get(URL.format(hosting.pk)).json()
    assert "No active server takes the plan web-start" in staff_view["operations"][0]["last_error"]


def test_other_customers_services_are_not_found(shop, dave, domain):
    response = bearer(dave).get(URL.format(domain.pk))
    assert (response.status_code, error_of(response)) == (404, NOT_FOUND)
    response = bearer(dave).post(URL.format(domain.pk) + "suspend/", {"reason": "x"}, format="json")
    assert (response.status_code, error_of(response)) == (404, NOT_FOUND)


@pytest.mark.parametrize("action", ["suspend", "unsuspend", "terminate", "change-plan"])
def test_customers_may_not_act(shop, carol, domain, action):
    response = bearer(carol).post(URL.format(domain.pk) + f"{action}/", {}, format="json")
    assert (response.status_code, error_of(response)) == (403, DENIED)
    assert Service.objects.get(pk=domain.pk).status == Status.ACTIVE


def test_staff_without_the_permission_may_not_act(shop, sam_sales, domain):
    response = bearer(sam_sales).post(URL.format(domain.pk) + "suspend/", {"reason": "abuse"}, format="json")
    assert response.status_code in (403, 404)  # sales may view services, not act on them
    assert Service.objects.get(pk=domain.pk).status == Status.ACTIVE


def test_suspending_a_service_set_up_by_hand_needs_no_panel(shop, alice_admin, domain):
    client = bearer(alice_admin)
    response = client.post(URL.format(domain.pk) + "suspend/", {"reason": "abuse report 17"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "suspended"
    assert response.json()["suspension_cause"] == SuspensionCause.STAFF
    event = AuditEvent.objects.get(action="provisioning.service_suspended")
    assert (event.actor_id, event.data["cause"]) == (alice_admin.pk, "abuse report 17")

    response = client.post(URL.format(domain.pk) + "unsuspend/", {}, format="json")
    assert (response.status_code, response.json()["status"]) == (200, "active")


def test_an_illegal_move_is_409_and_changes_nothing(shop, alice_admin, domain):
    client = bearer(alice_admin)
    response = client.post(URL.format(domain.pk) + "unsuspend/", {}, format="json")
    error = error_of(response)
    assert (response.status_code, error["code"]) == (409, "illegal_transition")
    assert error["message"].startswith("The service is active and cannot become active")
    Service.objects.filter(pk=domain.pk).update(status=Status.TERMINATED)
    response = client.post(URL.format(domain.pk) + "suspend/", {"reason": "late"}, format="json")
    assert (response.status_code, error_of(response)["code"]) == (409, "illegal_transition")
    assert not AuditEvent.objects.filter(action__startswith="provisioning.service_").exists()


def test_bad_bodies_are_refused_naming_the_field(shop, alice_admin, domain):
    client = bearer(alice_admin)
    cases = [
        ("suspend/", {}, "reason", "required"),
        ("suspend/", {"reason": "a\u0007b"}, "reason", "control_characters"),
        ("suspend/", {"reason": "x" * 501}, "reason", "max_length"),
        ("suspend/", {"reason": "ok", "extra": 1}, "extra", "unknown_field"),
        ("terminate/", {"children": "maybe"}, "children", "invalid_choice"),
        ("change-plan/", {"plan": "no-such-plan"}, "plan", "does_not_exist"),
    ]
    for path, body, field, code in cases:
        response = client.post(URL.format(domain.pk) + path, body, format="json")
        assert response.status_code == 400, (path, body)
        error = error_of(response)
        assert field in error["fields"], (path, body, error)
        if code == "unknown_field":
            assert error["code"] == code
    assert Service.objects.get(pk=domain.pk).status == Status.ACTIVE


def test_terminating_a_parent_asks_about_its_add_ons(shop, alice_admin, carol_customer, domain):
    addon = make_service(shop.plans["backup"], carol_customer, status=Status.ACTIVE, parent=domain)
    client = bearer(alice_admin)
    response = client.post(URL.format(domain.pk) + "terminate/", {}, format="json")
    error = error_of(response)
    assert (response.status_code, error["code"]) == (400, "children_decision_required")
    assert f"#{addon.pk}" in error["fields"]["children"][0] == error["message"]

    response = client.post(URL.format(domain.pk) + "terminate/", {"children": "keep"}, format="json")
    assert (response.status_code, response.json()["status"]) == (200, "terminated")
    addon.refresh_from_db()
    assert (addon.status, addon.parent_id) == (Status.ACTIVE, None)


def test_terminating_with_its_add_ons_ends_them_too(shop, alice_admin, carol_customer, domain):
    addon = make_service(shop.plans["backup"], carol_customer, status=Status.SUSPENDED, parent=domain)
    response = bearer(alice_admin).post(
        URL.format(domain.pk) + "terminate/", {"children": "terminate"}, format="json"
    )
    assert response.status_code == 200
    assert Service.objects.get(pk=addon.pk).status == Status.TERMINATED


def test_a_package_is_suspended_members_first_and_resumed_in_reverse(
    shop, alice_admin, carol_customer, domain
):
    first = make_service(shop.plans["backup"], carol_customer, status=Status.ACTIVE, parent=domain)
    second = make_service(shop.plans["ssl-basic"], carol_customer, status=Status.ACTIVE, parent=domain)
    on_its_own = make_service(shop.plans["extra-ip"], carol_customer, status=Status.ACTIVE, parent=domain)
    actions.suspend(service_id=on_its_own.pk, actor=alice_admin, reason="abuse")
    actions.suspend(service_id=domain.pk, actor=alice_admin, reason="unpaid", cause=SuspensionCause.UNPAID)
    moves = [
        event.object_id
        for event in AuditEvent.objects.filter(action="provisioning.service_suspended").order_by("pk")
    ]
    assert moves == [str(on_its_own.pk), str(first.pk), str(second.pk), str(domain.pk)]
    causes = dict(Account.objects.values_list("service_id", "suspension_cause"))
    assert (causes[domain.pk], causes[first.pk]) == (SuspensionCause.UNPAID, SuspensionCause.PACKAGE)

    actions.unsuspend(service_id=domain.pk, actor=alice_admin)
    resumed = [
        event.object_id
        for event in AuditEvent.objects.filter(action="provisioning.service_active").order_by("pk")
    ]
    assert resumed == [str(domain.pk), str(second.pk), str(first.pk)]
    assert Service.objects.get(pk=on_its_own.pk).status == Status.SUSPENDED  # staff suspended it on its own


def test_unsuspending_for_a_cause_leaves_other_suspensions(shop, alice_admin, domain):
    actions.suspend(service_id=domain.pk, actor=alice_admin, reason="abuse")
    assert actions.unsuspend(service_id=domain.pk, actor=alice_admin, only_cause=SuspensionCause.UNPAID) == []
    assert Service.objects.get(pk=domain.pk).status == Status.SUSPENDED


def test_a_bound_domain_stays_live_while_its_hosting_is_active(shop, alice_admin, carol_customer, domain):
    from praho.provisioning.models import DomainBinding

    hosting = make_service(shop.plans["web-start"], carol_customer, domain="carol.ro", status=Status.ACTIVE)
    DomainBinding.objects.create(domain_service=domain, hosting=hosting)
    response = bearer(alice_admin).post(URL.format(domain.pk) + "suspend/", {"reason": "x"}, format="json")
    assert (response.status_code, error_of(response)["code"]) == (400, "domain_bound")
    Service.objects.filter(pk=hosting.pk).update(status=Status.SUSPENDED)
    response = bearer(alice_admin).post(URL.format(domain.pk) + "suspend/", {"reason": "x"}, format="json")
    assert response.status_code == 200


def test_the_same_idempotency_key_queues_one_operation(shop, alice_admin, carol_customer):
    hosting = make_service(shop.plans["web-start"], carol_customer, domain="carol.ro", status=Status.ACTIVE)
    Account.objects.create(service=hosting, username="carol1")
    client = bearer(alice_admin)
    url = URL.format(hosting.pk) + "suspend/"
    first = client.post(url, {"reason": "abuse"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post(url, {"reason": "abuse"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert (first.status_code, again.status_code) == (202, 202)
    assert first.json()["id"] == again.json()["id"]
    assert Operation.objects.filter(service=hosting, kind="suspend").count() == 1
    assert first.json()["state"] in (
        OperationState.QUEUED,
        OperationState.NEEDS_ATTENTION,
        OperationState.FAILED,
    )
