"""HestiaCP through PRAHO's own services: staff actions queue operations, Celery (eager) runs them
after commit against a local HestiaCP (praho.testing.fakes.hestiacp), and the service, its
operations and the panel's users end up where they should, on the good paths and the bad ones."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.utils import timezone

from praho.audit.models import AuditEvent
from praho.catalog.models import Plan
from praho.orders.models import Service, ServiceStatus
from praho.provisioning.models import Account, Operation, OperationState, SuspensionCause
from praho.provisioning.secrets import unseal_password
from praho.provisioning.services import actions, runner
from praho.testing.fakes import HANG_UP, HANG_UP_AFTER
from praho.testing.fakes.hestiacp import ACCESS_KEY, SECRET_KEY, FakeHestia
from praho.testing.provisioning import make_server, make_service

State = OperationState
Status = ServiceStatus


@pytest.fixture
def fake() -> Iterator[FakeHestia]:
    with FakeHestia() as fake:
        yield fake


def hestia_plan(shop, code: str, package: str, group: str = "hosting") -> Plan:
    """A plan provisioned on HestiaCP, like the test shop's plans (praho.testing.shop)."""
    return Plan.objects.create(
        code=code,
        group=shop.groups[group],
        name_en=code.replace("-", " ").title(),
        name_ro=f"{code} RO",
        position=50 + Plan.objects.count(),
        module="hestiacp",
        module_params={"package": package},
    )


@pytest.fixture
def basic(shop) -> Plan:
    return hestia_plan(shop, "hestia-basic", "default")


@pytest.fixture
def customer(carol_customer):
    """Carol's company, with the e-mail address Hestia keeps as its users' contact."""
    carol_customer.email = "office@carol-hosting.ro"
    carol_customer.save(update_fields=["email"])
    return carol_customer


@pytest.fixture
def server(fake, db):
    return make_server("hestiacp", fake.url, username=ACCESS_KEY, secret=SECRET_KEY)


@pytest.fixture
def act(django_capture_on_commit_callbacks):
    """Run an action the way a request does: its operations run (Celery, eager) once it commits."""

    def act(action, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(**kwargs)

    return act


@pytest.fixture
def active(act, basic, server, customer, alice_admin):
    """A Hestia service created on the fake panel."""

    def active(domain: str = "example.ro", plan: Plan | None = None, **fields) -> Service:
        service = make_service(plan or basic, customer, domain=domain, **fields)
        act(actions.create, service_id=service.pk, actor=alice_admin)
        service.refresh_from_db()
        assert service.status == Status.ACTIVE
        return service

    return active


def operations_of(service: Service) -> list[Operation]:
    return list(Operation.objects.filter(service=service).order_by("pk"))


def user_of(service: Service) -> str:
    return Account.objects.get(service=service).username


def run_due_again(act) -> None:
    """Time passes: the operations waiting for a retry are due, and the sweeper sends them."""
    Operation.objects.filter(state=State.QUEUED, next_attempt_at__isnull=False).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )
    act(runner.sweep)


# --- create -----------------------------------------------------------------------------------


def test_create_makes_the_user_and_its_domain_and_the_service_becomes_active(
    act, fake, basic, server, customer, alice_admin, mailoutbox
):
    service = make_service(basic, customer, domain="example.ro")

    operation = act(actions.create, service_id=service.pk, actor=alice_admin)

    service.refresh_from_db()
    operation.refresh_from_db()
    account = Account.objects.get(service=service)
    assert service.status == Status.ACTIVE
    assert (operation.state, operation.attempts, operation.server_id) == (State.SUCCEEDED, 1, server.pk)
    assert [step["name"] for step in operation.steps] == ["add_user", "add_web_domain"]
    assert account.external_id == account.username == f"example{service.pk}"
    assert fake.user_names() == [account.username]
    assert fake.users[account.username]["PACKAGE"] == "default"
    assert fake.users[account.username]["CONTACT"] == "office@carol-hosting.ro"
    assert fake.web_domains == {"example.ro": account.username}
    assert fake.passwords[account.username] == unseal_password(account.password_sealed)
    assert len(mailoutbox) == 1
    assert fake.passwords[account.username] in mailoutbox[0].body


@pytest.mark.parametrize("sender", ["PRAHO <noreply@praho.example.ro>", "noreply@praho.example.ro"])
def test_a_customer_without_an_email_address_gets_the_senders_address_as_the_panel_contact(
    act, fake, basic, server, carol_customer, alice_admin, settings, sender
):
    settings.DEFAULT_FROM_EMAIL = sender
    service = make_service(basic, carol_customer, domain="example.ro")

    operation = act(actions.create, service_id=service.pk, actor=alice_admin)

    operation.refresh_from_db()
    assert operation.state == State.SUCCEEDED
    assert fake.users[user_of(service)]["CONTACT"] == "noreply@praho.example.ro"


def test_a_create_whose_answer_was_lost_is_retried_and_finds_the_one_user_it_made(
    act, fake, basic, server, customer, alice_admin
):
    service = make_service(basic, customer, domain="example.ro")
    fake.fail_next("v-add-user", HANG_UP_AFTER)

    operation = act(actions.create, service_id=service.pk, actor=alice_admin)

    operation.refresh_from_db()
    service.refresh_from_db()
    assert (operation.state, operation.attempts, service.status) == (State.QUEUED, 1, Status.PROVISIONING)
    assert "connection failed" in operation.last_error
    assert operation.steps == []
    assert fake.user_names() == [user_of(service)]  # Hestia made it; PRAHO did not hear

    run_due_again(act)

    operation.refresh_from_db()
    service.refresh_from_db()
    assert (operation.state, operation.attempts, operation.last_error) == (State.SUCCEEDED, 2, "")
    assert service.status == Status.ACTIVE
    assert fake.user_names() == [user_of(service)]
    assert [code for _args, code in fake.runs_of("v-add-user")] == [0]


def test_a_create_whose_worker_died_after_adding_the_user_is_resumed_from_the_next_step(
    act, fake, basic, server, customer, alice_admin
):
    service = make_service(basic, customer, domain="example.ro")
    fake.fail_next("v-add-web-domain", HANG_UP)
    operation = act(actions.create, service_id=service.pk, actor=alice_admin)
    operation.refresh_from_db()
    assert [step["name"] for step in operation.steps] == ["add_user"]
    # A worker took it again and died (kill -9) before it got further: its lease runs out.
    Operation.objects.filter(pk=operation.pk).update(
        state=State.RUNNING, next_attempt_at=None, lease_until=timezone.now() - timedelta(seconds=1)
    )
    before = len(fake.executed)

    act(runner.sweep)

    operation.refresh_from_db()
    service.refresh_from_db()
    assert (operation.state, operation.attempts, service.status) == (State.SUCCEEDED, 2, Status.ACTIVE)
    assert [cmd for cmd, _args, _code in fake.executed[before:]] == ["v-add-web-domain"]
    assert fake.user_names() == [user_of(service)]
    assert fake.web_domains == {"example.ro": user_of(service)}


def test_a_create_refused_for_an_unknown_package_fails_and_the_service_waits_for_staff(
    act, fake, shop, server, customer, alice_admin
):
    plan = hestia_plan(shop, "hestia-platinum", "platinum")
    service = make_service(plan, customer, domain="example.ro")

    operation = act(actions.create, service_id=service.pk, actor=alice_admin)

    operation.refresh_from_db()
    service.refresh_from_db()
    assert (operation.state, service.status) == (State.FAILED, Status.PENDING)
    assert operation.last_error == "HestiaCP v-add-user: E_NOTEXIST (unknown package platinum)"
    assert fake.user_names() == []
    assert AuditEvent.objects.filter(action="provisioning.operation_failed").count() == 1


def test_a_create_that_fails_after_adding_the_user_deletes_it_again(
    act, fake, basic, server, customer, alice_admin
):
    fake.run("v-add-user", ["someoneelse", "x-Pass.1", "s@else.test", "default"])
    fake.run("v-add-web-domain", ["someoneelse", "example.ro"])
    service = make_service(basic, customer, domain="example.ro")

    operation = act(actions.create, service_id=service.pk, actor=alice_admin)

    operation.refresh_from_db()
    service.refresh_from_db()
    assert (operation.state, service.status) == (State.FAILED, Status.PENDING)
    assert operation.last_error == (
        "HestiaCP v-add-web-domain: E_EXISTS (example.ro belongs to another user) (undone: add_user)"
    )
    assert fake.user_names() == ["someoneelse"]
    assert fake.runs_of("v-delete-user") == [((user_of(service),), 0)]


def test_a_panel_refusing_the_keys_fails_the_create_and_no_key_is_kept_or_logged(
    act, fake, basic, customer, alice_admin, caplog
):
    make_server("hestiacp", fake.url, username="W" * 20, secret="w" * 40)
    service = make_service(basic, customer, domain="example.ro")

    operation = act(actions.create, service_id=service.pk, actor=alice_admin)

    operation.refresh_from_db()
    assert operation.state == State.FAILED
    assert operation.last_error == "HestiaCP v-list-user: the panel refused the credentials (401)"
    recorded = " ".join(str(event.data) for event in AuditEvent.objects.all())
    for secret in ("W" * 20, "w" * 40, ACCESS_KEY, SECRET_KEY):
        assert secret not in caplog.text
        assert secret not in recorded
        assert secret not in operation.last_error


# --- suspend, unsuspend, terminate, change plan, reset password -------------------------------


def test_suspend_and_unsuspend_reach_the_panel(act, fake, active, alice_admin):
    service = active()
    name = user_of(service)

    act(actions.suspend, service_id=service.pk, actor=alice_admin, reason="abuse report")

    service.refresh_from_db()
    account = Account.objects.get(service=service)
    assert service.status == Status.SUSPENDED
    assert (account.suspension_cause, account.suspension_reason) == (SuspensionCause.STAFF, "abuse report")
    assert fake.users[name]["SUSPENDED"] == "yes"

    act(actions.unsuspend, service_id=service.pk, actor=alice_admin)

    service.refresh_from_db()
    assert service.status == Status.ACTIVE
    assert fake.users[name]["SUSPENDED"] == "no"
    assert [op.state for op in operations_of(service)] == [State.SUCCEEDED] * 3


def test_a_suspension_the_panel_cannot_finish_now_is_retried(act, fake, active, alice_admin):
    service = active()
    fake.fail_command("v-suspend-user", 14)  # E_LA: the load average is over the limit

    [operation] = act(actions.suspend, service_id=service.pk, actor=alice_admin, reason="unpaid")

    operation.refresh_from_db()
    assert (operation.state, operation.last_error) == (State.QUEUED, "HestiaCP v-suspend-user: E_LA")
    run_due_again(act)
    operation.refresh_from_db()
    assert operation.state == State.SUCCEEDED
    assert fake.users[user_of(service)]["SUSPENDED"] == "yes"


def test_a_suspension_of_a_user_gone_from_the_panel_needs_staffs_attention(act, fake, active, alice_admin):
    service = active()
    fake.run("v-delete-user", [user_of(service)])  # someone removed it by hand

    [operation] = act(actions.suspend, service_id=service.pk, actor=alice_admin, reason="unpaid")

    operation.refresh_from_db()
    assert operation.state == State.NEEDS_ATTENTION
    assert operation.last_error == "HestiaCP v-suspend-user: E_NOTEXIST"


def test_terminate_deletes_the_user(act, fake, active, alice_admin):
    service = active()

    [operation] = act(actions.terminate, service_id=service.pk, actor=alice_admin, reason="closed")

    service.refresh_from_db()
    operation.refresh_from_db()
    assert (service.status, operation.state) == (Status.TERMINATED, State.SUCCEEDED)
    assert fake.user_names() == []
    assert fake.web_domains == {}


def test_change_plan_moves_the_user_to_the_new_plans_package(act, fake, shop, active, alice_admin):
    service = active()
    gold = hestia_plan(shop, "hestia-gold", "gold")

    operation = act(actions.change_plan, service_id=service.pk, actor=alice_admin, plan=gold)

    service.refresh_from_db()
    operation.refresh_from_db()
    assert operation.state == State.SUCCEEDED
    assert service.plan == gold
    assert fake.users[user_of(service)]["PACKAGE"] == "gold"


def test_change_plan_to_a_package_hestia_lacks_keeps_the_plan_and_needs_attention(
    act, fake, shop, active, alice_admin
):
    service = active()
    plan = hestia_plan(shop, "hestia-platinum", "platinum")

    operation = act(actions.change_plan, service_id=service.pk, actor=alice_admin, plan=plan)

    service.refresh_from_db()
    operation.refresh_from_db()
    assert operation.state == State.NEEDS_ATTENTION
    assert operation.last_error == "HestiaCP v-change-user-package: E_NOTEXIST (unknown package platinum)"
    assert service.plan.code == "hestia-basic"
    assert fake.users[user_of(service)]["PACKAGE"] == "default"


def test_reset_password_sets_a_new_one_on_the_panel_and_keeps_it(act, fake, active, alice_admin):
    service = active()
    name = user_of(service)
    before = fake.passwords[name]

    operation = act(actions.reset_password, service_id=service.pk, actor=alice_admin)

    operation.refresh_from_db()
    account = Account.objects.get(service=service)
    assert operation.state == State.SUCCEEDED
    assert "password_sealed" not in operation.params
    assert fake.passwords[name] == unseal_password(account.password_sealed) != before


# --- packages -----------------------------------------------------------------------------------


@pytest.fixture
def package(shop, active):
    """A Hestia hosting service with a Hestia add-on under it: (parent, child)."""
    parent = active("parent.ro")
    child = active("child.ro", plan=hestia_plan(shop, "hestia-extra", "default", "addons"), parent=parent)
    return parent, child


def test_a_package_is_suspended_add_on_first_and_resumed_in_reverse(act, fake, package, alice_admin):
    parent, child = package
    names = [user_of(child), user_of(parent)]

    suspended = act(actions.suspend, service_id=parent.pk, actor=alice_admin, reason="unpaid")

    assert [op.service_id for op in suspended] == [child.pk, parent.pk]
    assert [args[0] for args, _code in fake.runs_of("v-suspend-user")] == names
    assert [fake.users[name]["SUSPENDED"] for name in names] == ["yes", "yes"]
    assert Account.objects.get(service=child).suspension_cause == SuspensionCause.PACKAGE
    assert Account.objects.get(service=parent).suspension_cause == SuspensionCause.STAFF

    resumed = act(actions.unsuspend, service_id=parent.pk, actor=alice_admin)

    assert [op.service_id for op in resumed] == [parent.pk, child.pk]
    assert [args[0] for args, _code in fake.runs_of("v-unsuspend-user")] == names[::-1]
    assert [fake.users[name]["SUSPENDED"] for name in names] == ["no", "no"]
    for service in (parent, child):
        service.refresh_from_db()
        assert service.status == Status.ACTIVE
        assert {op.state for op in operations_of(service)} == {State.SUCCEEDED}


def test_the_parent_waits_until_its_add_on_is_suspended(act, fake, package, alice_admin):
    parent, child = package
    fake.fail_command("v-suspend-user", 20)  # E_RESTART on the add-on's suspension

    first, second = act(actions.suspend, service_id=parent.pk, actor=alice_admin, reason="unpaid")

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state, second.after_id) == (State.QUEUED, State.QUEUED, first.pk)
    assert [code for _args, code in fake.runs_of("v-suspend-user")] == [20]
    assert fake.users[user_of(parent)]["SUSPENDED"] == "no"

    run_due_again(act)

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == (State.SUCCEEDED, State.SUCCEEDED)
    assert [args[0] for args, _code in fake.runs_of("v-suspend-user")] == [user_of(child)] * 2 + [
        user_of(parent)
    ]


def test_an_add_on_suspended_by_staff_stays_suspended_when_the_package_is_resumed(
    act, fake, package, alice_admin
):
    parent, child = package
    act(actions.suspend, service_id=child.pk, actor=alice_admin, reason="spam from this site")
    act(actions.suspend, service_id=parent.pk, actor=alice_admin, reason="unpaid")

    resumed = act(actions.unsuspend, service_id=parent.pk, actor=alice_admin)

    parent.refresh_from_db()
    child.refresh_from_db()
    assert [op.service_id for op in resumed] == [parent.pk]
    assert (parent.status, child.status) == (Status.ACTIVE, Status.SUSPENDED)
    assert fake.users[user_of(parent)]["SUSPENDED"] == "no"
    assert fake.users[user_of(child)]["SUSPENDED"] == "yes"
    assert Account.objects.get(service=child).suspension_cause == SuspensionCause.STAFF
    assert [args[0] for args, _code in fake.runs_of("v-suspend-user")] == [user_of(child), user_of(parent)]


def test_terminating_a_package_with_its_add_ons_deletes_the_add_on_first(act, fake, package, alice_admin):
    parent, child = package

    act(actions.terminate, service_id=parent.pk, actor=alice_admin, children="terminate")

    assert [args[0] for args, _code in fake.runs_of("v-delete-user")] == [user_of(child), user_of(parent)]
    assert fake.user_names() == []
    for service in (parent, child):
        service.refresh_from_db()
        assert service.status == Status.TERMINATED
