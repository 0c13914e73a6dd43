"""The Proxmox VE driver against the fake cluster: every method, good and bad paths."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from praho.provisioning.gateways.base import (
    AccountRef,
    MemorySteps,
    PermanentPanelError,
    TransientPanelError,
)
from praho.provisioning.tests.proxmox_support import (
    PASSWORD,
    assert_no_secret,
    driver_for_fake,
    fake_proxmox,  # noqa: F401 (a fixture)
    spec,
)
from praho.testing.fakes import ERROR, GARBAGE, HANG_UP, HANG_UP_AFTER, SERVER_ERROR, SLOW
from praho.testing.fakes.proxmox import LOCKED, NODE_TIMEOUT, NODE_UNREACHABLE, TEMPLATE_LXC
from praho.testing.fakes.proxmox_guests import GIB, MIB, PveError

ALL_STEPS = ["clone", "config", "resize", "password", "start"]


@pytest.fixture
def fake(fake_proxmox):
    return fake_proxmox


@pytest.fixture
def driver(fake):
    return driver_for_fake(fake)


def only_guest(fake, name="web42"):
    guests = fake.guests_named(name)
    assert len(guests) == 1, guests
    return guests[0]


def created(driver, fake, name="web42", **params):
    """A running guest made by the driver, and its external id."""
    result = driver.create(spec(name, **params), MemorySteps())
    return result.external_id


# --- test_connection ---------------------------------------------------------------------------


def test_connection_names_the_version_and_the_node(driver):
    answer = driver.test_connection()

    assert "Proxmox VE 8.2.4" in answer
    assert "node pve1 online" in answer


def test_connection_to_a_node_the_cluster_lacks_is_permanent(fake):
    with pytest.raises(PermanentPanelError, match="no node 'pve9'"):
        driver_for_fake(fake, node="pve9").test_connection()


def test_connection_to_an_offline_node_is_transient(fake, driver):
    fake.unreachable.add("pve1")

    with pytest.raises(TransientPanelError, match="pve1 is offline"):
        driver.test_connection()


def test_a_wrong_token_is_permanent_and_never_quoted(fake):
    driver = driver_for_fake(fake, secret="a-wrong-secret-0000")

    with pytest.raises(PermanentPanelError, match="refused the credentials") as caught:
        driver.test_connection()

    assert "a-wrong-secret-0000" not in str(caught.value)
    assert_no_secret(caught.value, fake)


@pytest.mark.parametrize(("mode", "message"), [(ERROR, "answered 595"), (SLOW, "no answer in time")])
def test_a_cluster_that_is_down_is_transient(fake, driver, mode, message):
    fake.go_down(mode)

    with pytest.raises(TransientPanelError, match=message):
        driver.test_connection()


# --- create --------------------------------------------------------------------------------------


def test_create_clones_configures_grows_sets_the_password_and_starts_a_vm(fake, driver):
    steps = MemorySteps()

    result = driver.create(spec(cores=2, memory_mb=2048, disk_gb=20), steps)

    guest = only_guest(fake)
    assert result.external_id == str(guest.vmid)
    assert result.username == "web42"
    assert (guest.type, guest.node, guest.status, guest.lock) == ("qemu", "pve1", "running", "")
    assert (guest.cores, guest.memory, guest.disk) == (2, 2048, 20 * GIB)
    assert guest.cipassword == PASSWORD
    assert steps.completed == ALL_STEPS
    assert PASSWORD not in json.dumps(steps.recorded)  # the steps are stored on the operation row
    clone = fake.requests_to("clone")[0]
    assert b"full=1" in clone.body
    assert b"name=web42" in clone.body


def test_create_makes_a_container_from_an_lxc_template(fake, driver):
    steps = MemorySteps()

    result = driver.create(spec(template=TEMPLATE_LXC, cores=2, disk_gb=8), steps)

    guest = only_guest(fake)
    assert (guest.type, guest.status, guest.cores, guest.disk) == ("lxc", "running", 2, 8 * GIB)
    assert result.external_id == str(guest.vmid)
    assert b"hostname=web42" in fake.requests_to("clone")[0].body
    # PVE cannot set an existing container's password: no such step, and no password sent anywhere.
    assert steps.completed == ["clone", "config", "resize", "start"]
    assert all(PASSWORD.encode() not in received.body for received in fake.received)


def test_absent_parameters_keep_the_templates_own(fake, driver):
    steps = MemorySteps()

    driver.create(spec(), steps)

    guest = only_guest(fake)
    assert (guest.cores, guest.memory, guest.disk) == (1, 1024, 10 * GIB)
    assert steps.result_of("config") == {}
    assert steps.result_of("resize") == {}
    assert fake.requests_to("resize") == []


def test_a_smaller_disk_than_the_templates_is_kept_not_shrunk(fake, driver):
    steps = MemorySteps()

    driver.create(spec(disk_gb=5), steps)

    assert only_guest(fake).disk == 10 * GIB
    assert steps.result_of("resize") == {"disk": "scsi0", "kept_gb": 10.0}
    assert fake.requests_to("resize") == []


def test_create_waits_for_tasks_that_take_a_while(fake, driver):
    fake.task_delay = 0.3

    driver.create(spec(disk_gb=20), MemorySteps())

    assert only_guest(fake).status == "running"
    assert len(fake.requests_to("status")) > 4  # each task was polled until it stopped


def test_the_server_storage_and_node_go_to_the_clone(fake):
    fake.storage_free_gb["ceph-vm"] = 100.0
    fake.add_node("pve2")
    driver = driver_for_fake(fake, node="pve2", storage="ceph-vm")

    driver.create(spec(), MemorySteps())

    assert only_guest(fake).node == "pve2"
    body = fake.requests_to("clone")[0].body
    assert b"storage=ceph-vm" in body
    assert b"target=pve2" in body


def test_a_lost_answer_to_the_clone_is_found_by_name_on_the_retry(fake, driver):
    fake.task_delay = 0.3  # the retry finds the clone still locked, and waits for it
    fake.fail_next("clone", HANG_UP_AFTER)
    steps = MemorySteps()

    with pytest.raises(TransientPanelError, match="connection failed"):
        driver.create(spec(), steps)
    assert steps.completed == []
    result = driver.create(spec(), steps)

    guest = only_guest(fake)
    assert len(fake.requests_to("clone")) == 1
    assert result.external_id == str(guest.vmid)
    assert guest.status == "running"
    assert steps.completed == ALL_STEPS


def test_a_slow_clone_is_transient_and_the_retry_adopts_it(fake, driver):
    fake.fail_next("clone", SLOW)

    with pytest.raises(TransientPanelError, match="no answer in time"):
        driver.create(spec(), MemorySteps())
    driver.create(spec(), MemorySteps())

    assert only_guest(fake).status == "running"
    assert len(fake.requests_to("clone")) == 1


def test_a_resumed_create_carries_on_after_its_last_completed_step(fake, driver):
    fake.fail_next("resize", SERVER_ERROR)
    steps = MemorySteps()
    with pytest.raises(TransientPanelError, match="answered 500"):
        driver.create(spec(cores=2, disk_gb=30), steps)
    assert steps.completed == ["clone", "config"]
    configs_before = len(fake.requests_to("config"))

    driver.create(spec(cores=2, disk_gb=30), steps)

    guest = only_guest(fake)
    assert steps.completed == ALL_STEPS
    assert (guest.disk, guest.status) == (30 * GIB, "running")
    assert len(fake.requests_to("clone")) == 1
    assert len(fake.requests_to("nextid")) == 1
    # After it: the resize's look at the disk (GET) and the password (PUT), not the cores again.
    later = fake.requests_to("config")[configs_before:]
    assert [(r.method, b"cores" in r.body) for r in later] == [("GET", False), ("PUT", False)]


def test_a_create_resumed_by_another_worker_skips_the_steps_recorded_before_the_crash(fake, driver):
    fake.add_guest(123, "web42", "qemu", cores=2, memory=2048)
    steps = MemorySteps(
        [
            {"name": "clone", "data": {"vmid": 123, "node": "pve1", "type": "qemu"}},
            {"name": "config", "data": {"cores": 2, "memory": 2048}},
        ]
    )

    result = driver.create(spec(cores=2, memory_mb=2048), steps)

    assert result.external_id == "123"
    assert fake.requests_to("clone") == []
    assert fake.requests_to("nextid") == []
    assert fake.guest(123).status == "running"
    assert fake.guest(123).cipassword == PASSWORD
    assert steps.completed == ALL_STEPS


def test_a_lock_held_by_another_task_is_transient(fake, driver):
    fake.fail_next("config", LOCKED)

    with pytest.raises(TransientPanelError, match="can't lock file") as caught:
        driver.create(spec(cores=2), MemorySteps())

    assert_no_secret(caught.value, fake)


def test_a_parameter_proxmox_refuses_is_permanent(fake, driver):
    with pytest.raises(PermanentPanelError, match="memory: value must have a minimum value of 16"):
        driver.create(spec(memory_mb=8), MemorySteps())


@pytest.mark.parametrize("params", [{"template": None}, {"cores": "two"}, {"disk_gb": 0}])
def test_a_plan_without_a_template_or_with_bad_numbers_is_permanent(fake, driver, params):
    with pytest.raises(PermanentPanelError, match="plan"):
        driver.create(spec(**params), MemorySteps())
    assert fake.requests_to("clone") == []


def test_a_template_the_cluster_lacks_is_permanent(fake, driver):
    with pytest.raises(PermanentPanelError, match="template 4242 is not a template"):
        driver.create(spec(template=4242), MemorySteps())


def test_a_clone_onto_a_full_storage_fails_for_good_and_leaves_nothing(fake, driver):
    fake.storage_free_gb["local-lvm"] = 5.0

    with pytest.raises(PermanentPanelError, match="Insufficient free space") as caught:
        driver.create(spec(), MemorySteps())

    assert fake.guests_named("web42") == []
    assert_no_secret(caught.value, fake)


def test_a_task_failing_on_a_lock_is_transient(fake, driver):
    fake.fail_task("qmclone", "can't lock file '/var/lock/qemu-server/lock-9000.conf' - got timeout")

    with pytest.raises(TransientPanelError, match="got timeout"):
        driver.create(spec(), MemorySteps())


def test_a_start_that_fails_is_permanent(fake, driver):
    fake.fail_task("qmstart", "start failed: QEMU exited with code 1")
    steps = MemorySteps()

    with pytest.raises(PermanentPanelError, match="QEMU exited with code 1"):
        driver.create(spec(), steps)

    assert steps.completed == ["clone", "config", "resize", "password"]


def test_a_task_that_runs_too_long_is_given_up_and_found_again(fake, driver):
    fake.task_delay = 1.0
    driver.api.timeout = 0.2
    steps = MemorySteps()

    with pytest.raises(TransientPanelError, match=r"still running after 0\.2 s"):
        driver.create(spec(), steps)
    fake.task_delay, driver.api.timeout = 0.05, 3.0  # the clone already running keeps its pace
    driver.create(spec(), steps)

    assert only_guest(fake).status == "running"
    assert len(fake.requests_to("clone")) == 1


def test_the_id_taken_by_another_guest_is_permanent(fake, driver):
    fake.add_guest(100, "someone-else", "qemu")

    # PVE's answer when the new id was taken between nextid and clone (another client's clone):
    with pytest.raises(PermanentPanelError, match="VM 100 already exists on node 'pve1'"):
        driver.api.call("POST", "/nodes/pve1/qemu/9000/clone", what="Proxmox VE clone", data={"newid": 100})


def test_two_guests_with_the_accounts_name_are_permanent(fake, driver):
    fake.add_guest(200, "web42", "qemu")
    fake.add_guest(201, "web42", "qemu")

    with pytest.raises(PermanentPanelError, match=r"several guests are named web42 \(200, 201\)"):
        driver.create(spec(), MemorySteps())


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        (NODE_UNREACHABLE, "answered 595"),
        (NODE_TIMEOUT, "answered 596"),
        (GARBAGE, "not Proxmox VE's JSON"),
        (HANG_UP, "connection failed"),
        (SERVER_ERROR, "answered 500"),
    ],
)
def test_failures_on_the_way_are_transient(fake, driver, mode, message):
    fake.fail_next("resources", mode)

    with pytest.raises(TransientPanelError, match=message) as caught:
        driver.create(spec(), MemorySteps())

    assert_no_secret(caught.value, fake)


# --- compensate ----------------------------------------------------------------------------------


def test_compensate_deletes_the_clone_and_reports_every_step_undone(fake, driver):
    fake.fail_task("qmstart", "start failed: QEMU exited with code 1")
    steps = MemorySteps()
    with pytest.raises(PermanentPanelError):
        driver.create(spec(disk_gb=20), steps)

    undone = driver.compensate(spec(disk_gb=20), steps)

    assert undone == ["clone", "config", "resize", "password"]
    assert fake.guests_named("web42") == []
    assert fake.requests_to("web42") == []  # nothing addressed by name: the VMID found on the cluster


def test_compensate_stops_a_running_guest_before_deleting_it(fake, driver):
    steps = MemorySteps()
    driver.create(spec(), steps)

    assert driver.compensate(spec(), steps) == ALL_STEPS

    assert fake.guests_named("web42") == []
    assert len(fake.requests_to("stop")) == 1


def test_compensate_with_nothing_made_deletes_nothing(fake, driver):
    assert driver.compensate(spec(), MemorySteps()) == []
    assert fake.guest(9000) is not None
    assert fake.requests_to("stop") == []


# --- suspend, unsuspend, terminate ---------------------------------------------------------------


def test_suspend_shuts_the_guest_down_forcing_it_after_a_while(fake, driver):
    external_id = created(driver, fake)

    driver.suspend(AccountRef("web42", external_id), "unpaid")

    assert only_guest(fake).status == "stopped"
    shutdown = fake.requests_to("shutdown")[0]
    assert b"forceStop=1" in shutdown.body
    assert b"timeout=120" in shutdown.body


def test_suspend_of_a_stopped_guest_and_unsuspend_of_a_running_one_do_nothing(fake, driver):
    fake.add_guest(150, "web42", "qemu")
    ref = AccountRef("web42", "150")

    driver.suspend(ref, "unpaid")
    assert fake.requests_to("shutdown") == []
    driver.unsuspend(ref)
    driver.unsuspend(ref)

    assert fake.guest(150).status == "running"
    assert len(fake.requests_to("start")) == 1


def test_a_paused_guest_is_stopped_to_suspend_and_resumed_to_unsuspend(fake, driver):
    fake.add_guest(150, "web42", "qemu", status="paused")
    ref = AccountRef("web42", "150")

    driver.unsuspend(ref)
    assert fake.guest(150).status == "running"
    assert len(fake.requests_to("resume")) == 1
    fake.guest(150).status = "paused"
    driver.suspend(ref, "unpaid")

    assert fake.guest(150).status == "stopped"
    assert len(fake.requests_to("stop")) == 1


def test_suspend_of_a_guest_the_cluster_lacks_is_permanent(fake, driver):
    with pytest.raises(PermanentPanelError, match="no guest named web42"):
        driver.suspend(AccountRef("web42", "150"), "unpaid")


def test_terminate_stops_and_deletes_the_guest_with_its_disks(fake, driver):
    external_id = created(driver, fake, template=TEMPLATE_LXC)

    driver.terminate(AccountRef("web42", external_id))

    assert fake.guests_named("web42") == []
    delete = next(r for r in fake.received if r.method == "DELETE")
    assert "purge=1" in delete.path
    assert "destroy-unreferenced-disks=1" in delete.path


def test_terminate_of_a_guest_already_gone_succeeds(fake, driver):
    driver.terminate(AccountRef("web42", "150"))

    assert not any(r.method == "DELETE" for r in fake.received)


def test_proxmox_refuses_to_delete_a_running_guest(fake, driver):
    fake.add_guest(150, "web42", "qemu", status="running")

    with pytest.raises(TransientPanelError, match="VM 150 is running - destroy failed"):
        driver.api.call("DELETE", "/nodes/pve1/qemu/150", what="Proxmox VE delete")


def test_terminate_of_a_locked_guest_is_transient(fake, driver):
    fake.add_guest(150, "web42", "qemu", lock="backup")

    with pytest.raises(TransientPanelError, match=r"VM is locked \(backup\)"):
        driver.terminate(AccountRef("web42", "150"))


# --- change package, password; usage; exists -----------------------------------------------------


def test_change_package_sets_cores_and_memory_and_grows_the_disk(fake, driver):
    external_id = created(driver, fake, disk_gb=20)

    driver.change_package(AccountRef("web42", external_id), {"template": 9000, "cores": 4, "memory_mb": 4096})
    driver.change_package(AccountRef("web42", external_id), {"disk_gb": 40})
    driver.change_package(AccountRef("web42", external_id), {"disk_gb": 10})  # smaller: kept

    guest = only_guest(fake)
    assert (guest.cores, guest.memory, guest.disk) == (4, 4096, 40 * GIB)


def test_change_password_sets_the_cloud_init_password(fake, driver):
    external_id = created(driver, fake)

    driver.change_password(AccountRef("web42", external_id), "N3w-Pass_word")

    assert only_guest(fake).cipassword == "N3w-Pass_word"


def test_a_containers_password_cannot_be_changed_through_the_api(fake, driver):
    external_id = created(driver, fake, template=TEMPLATE_LXC)

    with pytest.raises(PermanentPanelError, match="PVE's API cannot change it") as caught:
        driver.change_password(AccountRef("web42", external_id), PASSWORD)

    assert_no_secret(caught.value, fake)


def test_a_password_proxmox_quotes_back_is_blanked_out(fake, driver):
    refusal = PveError(500, f"cipassword '{PASSWORD}' rejected for {fake.token_secret}")
    fake.reply_always(refusal.reply())

    with pytest.raises(TransientPanelError) as caught:
        driver.api.call("PUT", "/nodes/pve1/qemu/150/config", what="x", data={}, hidden=(PASSWORD,))

    assert "cipassword '***' rejected for ***" in str(caught.value)
    assert_no_secret(caught.value, fake)


def test_usage_reports_cpu_memory_disk_and_traffic(fake, driver):
    external_id = created(driver, fake, template=TEMPLATE_LXC)
    guest = only_guest(fake)
    guest.cpu, guest.mem, guest.disk_used = 0.1234, 300 * MIB, 1500 * MIB
    guest.netin, guest.netout = 700 * MIB, 300 * MIB

    usage = driver.usage(AccountRef("web42", external_id))

    assert usage.cpu_percent == Decimal("12.34")
    assert (usage.memory_mb, usage.disk_mb, usage.bandwidth_mb) == (300, 1500, 1000)


def test_usage_of_a_vm_without_guest_agent_counts_its_whole_disk(fake, driver):
    external_id = created(driver, fake, disk_gb=20)

    usage = driver.usage(AccountRef("web42", external_id))

    assert usage.disk_mb == 20 * 1024
    assert usage.bandwidth_mb == 0


def test_exists_by_id_then_by_name(fake, driver):
    fake.add_guest(150, "web42", "qemu")
    fake.add_guest(151, "other7", "qemu")

    assert driver.exists(AccountRef("web42", "150")) == "150"
    assert driver.exists(AccountRef("web42")) == "150"
    assert driver.exists(AccountRef("web42", "151")) == "150"  # 151 is someone else's now
    assert driver.exists(AccountRef("nobody1", "151")) is None
    assert driver.exists(AccountRef("debian12-cloud")) is None  # templates are not accounts
