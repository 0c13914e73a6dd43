"""Services on Proxmox VE through PRAHO's own services, the runner (Celery eager) and the driver,
against the fake cluster: the create, a transient failure and its resumed retry, a permanent one
compensated, placement on two hypervisors, and the rest of a VPS's life."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from praho.orders.models import ServiceStatus
from praho.provisioning.models import Account, Operation, OperationState
from praho.provisioning.secrets import unseal_password
from praho.provisioning.services import actions, runner
from praho.provisioning.tests.proxmox_support import fake_proxmox  # noqa: F401 (a fixture)
from praho.testing.fakes import HANG_UP_AFTER
from praho.testing.fakes.proxmox import LOCKED, FakeProxmox
from praho.testing.provisioning import make_server, make_service

Status = ServiceStatus
State = OperationState
ALL_STEPS = ["clone", "config", "resize", "password", "start"]


def hypervisor(fake, name="", **capacity):
    """A server on `fake`'s node pve1, with room for many VMs unless `capacity` says otherwise."""
    values = {"cpu_cores": 16, "memory_mb": 65536, "disk_gb": 1000, "node": "pve1", **capacity}
    login = {"username": fake.token_id, "secret": fake.token_secret}
    return make_server("proxmox", fake.url, name=name, **login, **values)


@pytest.fixture
def vps(shop, carol_customer):
    carol_customer.email = "carol@example.ro"  # the welcome e-mail's address
    carol_customer.save(update_fields=["email"])
    return make_service(shop.plans["vps-s"], carol_customer, domain="vps.example.ro")


def create(service, actor, capture):
    with capture(execute=True):
        actions.create(service_id=service.pk, actor=actor)
    service.refresh_from_db()
    return Operation.objects.filter(service=service).latest("pk")


def run_again(operation):
    """The retry the backoff scheduled, now that its time has come."""
    Operation.objects.filter(pk=operation.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    runner.run(operation.pk)
    operation.refresh_from_db()
    return operation


def the_vm(fake, service):
    account = Account.objects.get(service=service)
    guests = fake.guests_named(account.username)
    assert len(guests) == 1, guests
    return account, guests[0]


def test_create_clones_a_running_vm_and_activates_the_service(
    fake_proxmox, vps, alice_admin, django_capture_on_commit_callbacks
):
    hypervisor(fake_proxmox)

    operation = create(vps, alice_admin, django_capture_on_commit_callbacks)

    assert vps.status == Status.ACTIVE
    assert operation.state == State.SUCCEEDED
    assert [step["name"] for step in operation.steps] == ALL_STEPS
    account, guest = the_vm(fake_proxmox, vps)
    assert account.username == "vps" + str(vps.pk)
    assert account.external_id == str(guest.vmid)
    assert (guest.type, guest.status, guest.cores) == ("qemu", "running", 1)
    password = unseal_password(account.password_sealed)
    assert guest.cipassword == password
    assert password not in json.dumps(operation.steps)
    assert [message.to for message in mail.outbox] == [["carol@example.ro"]]  # the welcome e-mail


def test_a_permanent_failure_mid_create_is_compensated_and_the_service_waits_as_pending(
    fake_proxmox, shop, vps, alice_admin, django_capture_on_commit_callbacks
):
    shop.plans["vps-s"].module_params = {"template": 9000, "cores": 1, "disk_gb": 400}
    shop.plans["vps-s"].save()
    hypervisor(fake_proxmox)
    fake_proxmox.storage_free_gb["local-lvm"] = 100.0  # the clone fits, growing it to 400 GB does not

    operation = create(vps, alice_admin, django_capture_on_commit_callbacks)

    assert operation.state == State.FAILED
    assert "Insufficient free space" in operation.last_error
    assert "(undone: clone, config)" in operation.last_error
    assert [step["name"] for step in operation.steps] == ["clone", "config"]
    assert vps.status == Status.PENDING
    assert fake_proxmox.guests_named(Account.objects.get(service=vps).username) == []
    assert fake_proxmox.token_secret not in operation.last_error


def test_a_lock_is_tried_again_later_and_the_retry_carries_on_from_the_clone(
    fake_proxmox, vps, alice_admin, django_capture_on_commit_callbacks
):
    hypervisor(fake_proxmox)
    fake_proxmox.fail_next("config", LOCKED)

    operation = create(vps, alice_admin, django_capture_on_commit_callbacks)

    assert operation.state == State.QUEUED
    assert "can't lock file" in operation.last_error
    assert operation.next_attempt_at is not None
    assert [step["name"] for step in operation.steps] == ["clone"]
    assert vps.status == Status.PROVISIONING

    operation = run_again(operation)

    assert operation.state == State.SUCCEEDED
    assert operation.attempts == 2
    assert len(fake_proxmox.requests_to("clone")) == 1
    vps.refresh_from_db()
    assert vps.status == Status.ACTIVE
    assert the_vm(fake_proxmox, vps)[1].status == "running"


def test_a_lost_answer_to_the_clone_makes_exactly_one_vm(
    fake_proxmox, vps, alice_admin, django_capture_on_commit_callbacks
):
    hypervisor(fake_proxmox)
    fake_proxmox.fail_next("clone", HANG_UP_AFTER)

    operation = create(vps, alice_admin, django_capture_on_commit_callbacks)
    assert operation.state == State.QUEUED
    assert operation.steps == []
    operation = run_again(operation)

    assert operation.state == State.SUCCEEDED
    assert len(fake_proxmox.requests_to("clone")) == 1
    account, guest = the_vm(fake_proxmox, vps)
    assert account.external_id == str(guest.vmid)


def test_the_vm_goes_to_the_less_loaded_hypervisor_with_room(
    shop, vps, carol_customer, alice_admin, django_capture_on_commit_callbacks
):
    with FakeProxmox() as busy, FakeProxmox() as quiet, FakeProxmox() as full:
        busy_server = hypervisor(busy, "busy", cpu_cores=8)
        quiet_server = hypervisor(quiet, "quiet", cpu_cores=8)
        full_server = hypervisor(full, "full", cpu_cores=2)  # the least loaded, but full
        for server, plan in ((busy_server, "vps-m"), (busy_server, "vps-m"), (quiet_server, "vps-m")):
            held = make_service(shop.plans[plan], carol_customer, status=Status.ACTIVE)
            Account.objects.create(service=held, server=server, username=f"held{held.pk}")
        Account.objects.create(
            service=make_service(shop.plans["vps-m"], carol_customer, status=Status.ACTIVE),
            server=full_server,
            username="heldfull",
        )

        operation = create(vps, alice_admin, django_capture_on_commit_callbacks)

        assert operation.state == State.SUCCEEDED
        assert Account.objects.get(service=vps).server == quiet_server  # 2 of 8 cores, not 4 of 8
        assert len(quiet.guests_named(Account.objects.get(service=vps).username)) == 1
        assert busy.requests_to("clone") == []
        assert full.requests_to("clone") == []


def test_a_vps_is_suspended_resumed_resized_given_a_new_password_and_terminated(
    fake_proxmox, shop, vps, alice_admin, django_capture_on_commit_callbacks
):
    hypervisor(fake_proxmox)
    create(vps, alice_admin, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        actions.suspend(service_id=vps.pk, actor=alice_admin, reason="unpaid invoice")
    assert the_vm(fake_proxmox, vps)[1].status == "stopped"

    with django_capture_on_commit_callbacks(execute=True):
        actions.unsuspend(service_id=vps.pk, actor=alice_admin)
        actions.change_plan(service_id=vps.pk, actor=alice_admin, plan=shop.plans["vps-m"])
    account, guest = the_vm(fake_proxmox, vps)
    assert (guest.status, guest.cores) == ("running", 2)
    vps.refresh_from_db()
    assert vps.plan == shop.plans["vps-m"]

    with django_capture_on_commit_callbacks(execute=True):
        actions.reset_password(service_id=vps.pk, actor=alice_admin)
    account.refresh_from_db()
    assert guest.cipassword == unseal_password(account.password_sealed)

    with django_capture_on_commit_callbacks(execute=True):
        actions.terminate(service_id=vps.pk, actor=alice_admin, reason="cancelled by the customer")
    vps.refresh_from_db()
    assert vps.status == Status.TERMINATED
    assert fake_proxmox.guests_named(account.username) == []
    assert set(Operation.objects.filter(service=vps).values_list("state", flat=True)) == {State.SUCCEEDED}
