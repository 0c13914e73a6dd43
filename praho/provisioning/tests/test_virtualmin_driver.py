"""VirtualminDriver against FakeVirtualmin: a real HTTP server speaking Virtualmin's remote API,
failing the ways a real one fails (5xx, timeouts, dropped connections after the work was done,
HTML instead of JSON, its own "failure" answers)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from urllib.parse import parse_qs

import pytest

from praho.provisioning.gateways import driver_for
from praho.provisioning.gateways.base import (
    AccountRef,
    AccountSpec,
    Connection,
    MemorySteps,
    PanelError,
    PermanentPanelError,
    TransientPanelError,
    Usage,
)
from praho.provisioning.gateways.virtualmin import VirtualminDriver
from praho.testing.fakes import (
    GARBAGE,
    HANG_UP_AFTER,
    SERVER_ERROR,
    SLOW,
    TOO_MANY_REQUESTS,
    UNAVAILABLE,
    Received,
    Reply,
)
from praho.testing.fakes.virtualmin import FakeVirtualmin

SECRET = "virtualmin-secret"
PASSWORD = "Acct-pass-42.x"
SPEC = AccountSpec("example42", "example.com", PASSWORD, "ana@example.com", {"package": "start"})
REF = SPEC.ref


@pytest.fixture
def fake() -> Iterator[FakeVirtualmin]:
    with FakeVirtualmin() as fake:
        yield fake


def connect(fake: FakeVirtualmin, *, secret: str = SECRET, timeout: float = 2.0) -> VirtualminDriver:
    return VirtualminDriver(
        Connection("virtualmin", fake.url, "root", secret, verify_tls=False, timeout=timeout)
    )


@pytest.fixture
def driver(fake: FakeVirtualmin) -> VirtualminDriver:
    return connect(fake)


@pytest.fixture
def created(fake: FakeVirtualmin, driver: VirtualminDriver) -> str:
    return driver.create(SPEC, MemorySteps()).external_id


def failure_of(call: Callable[..., object], *args: object) -> PanelError:
    with pytest.raises(PanelError) as caught:
        call(*args)
    message = str(caught.value)
    assert SECRET not in message
    assert PASSWORD not in message
    return caught.value


# --- connection and lookups -------------------------------------------------------------------


def test_the_registry_builds_it(fake: FakeVirtualmin) -> None:
    assert isinstance(driver_for(Connection("virtualmin", fake.url, "root", SECRET)), VirtualminDriver)


def test_connection_says_version_host_and_count(
    fake: FakeVirtualmin, driver: VirtualminDriver, created: str
) -> None:
    assert driver.test_connection() == "Virtualmin 7.30.4.gpl on vm1.example.net, 1 virtual servers"
    assert [call["program"] for call in map(_form, fake.requests_to("remote.cgi"))][-2:] == [
        ["info"],
        ["list-domains"],
    ]


def test_a_wrong_password_is_permanent_and_never_shown(fake: FakeVirtualmin) -> None:
    error = failure_of(connect(fake, secret="not-the-secret").test_connection)
    assert isinstance(error, PermanentPanelError)
    assert "401" in str(error)
    assert "not-the-secret" not in str(error)


def test_remote_cgi_refusing_the_login_is_permanent(fake: FakeVirtualmin, driver: VirtualminDriver) -> None:
    fake.reply_always(Reply(200, b"ERROR: You are not allowed to run remote commands\n", "text/plain"))
    error = failure_of(driver.test_connection)
    assert isinstance(error, PermanentPanelError)
    assert "not allowed to run remote commands" in str(error)


def test_a_panel_that_is_not_there_is_transient(fake: FakeVirtualmin) -> None:
    driver = connect(fake)
    fake.stop()
    assert isinstance(failure_of(driver.test_connection), TransientPanelError)


def test_exists_by_domain_id_or_user(fake: FakeVirtualmin, driver: VirtualminDriver, created: str) -> None:
    assert driver.exists(REF) == created == fake.domains["example.com"].id
    assert driver.exists(AccountRef("example42", external_id=created)) == created
    assert driver.exists(AccountRef("example42")) == created
    assert driver.exists(AccountRef("other7", domain="other.com")) is None
    assert driver.exists(AccountRef("other7")) is None
    assert driver.exists(AccountRef("intruder9", domain="example.com")) is None  # another account's


# --- create -----------------------------------------------------------------------------------


def test_create_makes_the_server_and_records_the_step(fake: FakeVirtualmin, driver: VirtualminDriver) -> None:
    steps = MemorySteps()
    created = driver.create(SPEC, steps)
    domain = fake.domains["example.com"]
    assert created.external_id == domain.id
    assert created.username == "example42"
    assert (domain.user, domain.plan, domain.password, domain.email) == (
        "example42",
        "start",
        PASSWORD,
        "ana@example.com",
    )
    assert steps.recorded == [{"name": "create-domain", "data": domain.id}]
    (call,) = fake.calls_of("create-domain")
    assert call["features-from-plan"] == [""]
    assert call["limits-from-plan"] == [""]
    (request,) = [r for r in fake.requests_to("remote.cgi") if b"create-domain" in r.body]
    assert request.method == "POST"
    assert PASSWORD not in request.path


def test_create_enables_the_features_the_plan_names(fake: FakeVirtualmin, driver: VirtualminDriver) -> None:
    spec = AccountSpec(
        "shop7", "shop.ro", PASSWORD, "a@shop.ro", {"package": "pro", "features": "unix dir web mysql"}
    )
    driver.create(spec, MemorySteps())
    assert fake.domains["shop.ro"].features == ("dir", "mysql", "unix", "web")
    assert "features-from-plan" not in fake.calls_of("create-domain")[0]


def test_create_of_an_existing_server_adopts_it(
    fake: FakeVirtualmin, driver: VirtualminDriver, created: str
) -> None:
    again = driver.create(SPEC, MemorySteps())
    assert again.external_id == created
    assert len(fake.calls_of("create-domain")) == 1
    assert len(fake.domains) == 1


def test_a_resumed_create_does_not_call_the_panel(fake: FakeVirtualmin, driver: VirtualminDriver) -> None:
    steps = MemorySteps([{"name": "create-domain", "data": "1700000000000001"}])
    assert driver.create(SPEC, steps).external_id == "1700000000000001"
    assert fake.request_count == 0


def test_already_hosting_after_a_lookup_that_missed_it_is_the_same_server(
    fake: FakeVirtualmin, driver: VirtualminDriver, created: str
) -> None:
    fake.refuse_next("list-domains", "Virtual server example.com does not exist")
    assert driver.create(SPEC, MemorySteps()).external_id == created
    assert fake.calls_of("create-domain")[-1]["domain"] == ["example.com"]  # answered "already hosting"
    assert len(fake.domains) == 1


def test_a_domain_hosted_for_another_user_is_permanent(
    fake: FakeVirtualmin, driver: VirtualminDriver
) -> None:
    driver.create(
        AccountSpec("someone1", "example.com", "Other-pass-1", "b@x.ro", {"package": "start"}), MemorySteps()
    )
    error = failure_of(driver.create, SPEC, MemorySteps())
    assert isinstance(error, PermanentPanelError)
    assert "someone1" in str(error)
    assert fake.domains["example.com"].user == "someone1"


def test_a_user_name_taken_by_another_server_is_permanent(
    fake: FakeVirtualmin, driver: VirtualminDriver
) -> None:
    driver.create(
        AccountSpec("example42", "first.ro", "Other-pass-1", "b@x.ro", {"package": "start"}), MemorySteps()
    )
    error = failure_of(driver.create, SPEC, MemorySteps())
    assert isinstance(error, PermanentPanelError)
    assert "administration user already exists" in str(error)
    assert "example.com" not in fake.domains


def test_an_unknown_plan_is_permanent(fake: FakeVirtualmin, driver: VirtualminDriver) -> None:
    spec = AccountSpec("example42", "example.com", PASSWORD, "a@b.ro", {"package": "gold"})
    error = failure_of(driver.create, spec, MemorySteps())
    assert isinstance(error, PermanentPanelError)
    assert "Unknown plan name" in str(error)
    assert fake.domains == {}


def test_a_plan_without_a_package_is_permanent_before_any_call(
    fake: FakeVirtualmin, driver: VirtualminDriver
) -> None:
    spec = AccountSpec("example42", "example.com", PASSWORD, "a@b.ro", {})
    assert isinstance(failure_of(driver.create, spec, MemorySteps()), PermanentPanelError)
    assert fake.calls_of("create-domain") == []


def test_the_licence_limit_is_permanent(fake: FakeVirtualmin, driver: VirtualminDriver) -> None:
    fake.max_domains = 0
    error = failure_of(driver.create, SPEC, MemorySteps())
    assert isinstance(error, PermanentPanelError)
    assert "licensed maximum of 0" in str(error)


def test_a_lock_held_by_another_process_is_transient(fake: FakeVirtualmin, driver: VirtualminDriver) -> None:
    fake.refuse_next(
        "create-domain", "Failed to lock file /etc/webmin/virtual-server/domains : try again later"
    )
    assert isinstance(failure_of(driver.create, SPEC, MemorySteps()), TransientPanelError)
    assert fake.domains == {}
    assert driver.create(SPEC, MemorySteps()).external_id == fake.domains["example.com"].id


def test_a_failure_after_the_work_began_says_why(fake: FakeVirtualmin, driver: VirtualminDriver) -> None:
    fake.refuse_next(
        "create-domain",
        f"Beginning server creation ..\n\nCreating home directory ..\n.. done\n\n"
        f"Failed to create Unix user : useradd refused password {PASSWORD}",
    )
    error = failure_of(driver.create, SPEC, MemorySteps())
    assert isinstance(error, PermanentPanelError)
    assert "Beginning server creation .. Failed to create Unix user" in str(error)
    assert "***" in str(error)


def test_a_lost_answer_after_create_is_found_by_the_retry(
    fake: FakeVirtualmin, driver: VirtualminDriver
) -> None:
    fake.fail_next("create-domain", HANG_UP_AFTER)
    steps = MemorySteps()
    assert isinstance(failure_of(driver.create, SPEC, steps), TransientPanelError)
    assert steps.completed == []
    assert list(fake.domains) == ["example.com"]
    assert driver.create(SPEC, steps).external_id == fake.domains["example.com"].id
    assert len(fake.calls_of("create-domain")) == 1
    assert len(fake.domains) == 1


def test_a_slow_create_times_out_transiently_and_the_retry_finds_it(fake: FakeVirtualmin) -> None:
    driver = connect(fake, timeout=0.5)
    fake.delay = 1.0
    fake.fail_next("create-domain", SLOW)
    error = failure_of(driver.create, SPEC, MemorySteps())
    assert isinstance(error, TransientPanelError)
    assert "no answer in time" in str(error)
    assert driver.create(SPEC, MemorySteps()).external_id == fake.domains["example.com"].id
    assert len(fake.calls_of("create-domain")) == 1


@pytest.mark.parametrize("mode", [SERVER_ERROR, UNAVAILABLE, TOO_MANY_REQUESTS])
def test_server_errors_are_transient(fake: FakeVirtualmin, driver: VirtualminDriver, mode: str) -> None:
    fake.fail_next("remote.cgi", mode)
    assert isinstance(failure_of(driver.create, SPEC, MemorySteps()), TransientPanelError)
    assert fake.domains == {}


def test_an_html_page_instead_of_json_is_transient(fake: FakeVirtualmin, driver: VirtualminDriver) -> None:
    fake.fail_next("remote.cgi", GARBAGE)
    error = failure_of(driver.create, SPEC, MemorySteps())
    assert isinstance(error, TransientPanelError)
    assert "not its JSON" in str(error)
    fake.reply_always(Reply(200, b'{"status": "succ', "text/plain"))  # cut short
    assert isinstance(failure_of(driver.exists, REF), TransientPanelError)


# --- compensate -------------------------------------------------------------------------------


def test_compensate_deletes_what_create_made(fake: FakeVirtualmin, driver: VirtualminDriver) -> None:
    steps = MemorySteps()
    driver.create(SPEC, steps)
    assert driver.compensate(SPEC, steps) == ["create-domain"]
    assert fake.domains == {}


def test_compensate_without_a_completed_step_does_nothing(
    fake: FakeVirtualmin, driver: VirtualminDriver
) -> None:
    assert driver.compensate(SPEC, MemorySteps()) == []
    assert fake.request_count == 0


# --- suspend, unsuspend, terminate ------------------------------------------------------------


def test_suspend_and_unsuspend_are_idempotent(
    fake: FakeVirtualmin, driver: VirtualminDriver, created: str
) -> None:
    driver.suspend(REF, "unpaid invoice")
    driver.suspend(REF, "unpaid invoice")  # "is already disabled": done
    assert fake.domains["example.com"].disabled_why == "unpaid invoice"
    driver.unsuspend(REF)
    driver.unsuspend(REF)  # "is not disabled": done
    assert not fake.domains["example.com"].disabled
    assert len(fake.calls_of("disable-domain")) == 2
    assert len(fake.calls_of("enable-domain")) == 2


def test_suspend_without_a_reason_sends_no_empty_why(
    fake: FakeVirtualmin, driver: VirtualminDriver, created: str
) -> None:
    driver.suspend(REF, "")  # an empty --why would take the next option as its value
    assert "why" not in fake.calls_of("disable-domain")[0]
    assert fake.domains["example.com"].disabled


def test_suspend_by_user_when_the_domain_is_unknown(
    fake: FakeVirtualmin, driver: VirtualminDriver, created: str
) -> None:
    driver.suspend(AccountRef("example42", created), "abuse")
    assert fake.domains["example.com"].disabled_why == "abuse"


def test_suspend_of_a_missing_server_is_permanent(fake: FakeVirtualmin, driver: VirtualminDriver) -> None:
    error = failure_of(driver.suspend, REF, "unpaid")
    assert isinstance(error, PermanentPanelError)
    assert "does not exist" in str(error)


def test_suspend_while_locked_is_transient(
    fake: FakeVirtualmin, driver: VirtualminDriver, created: str
) -> None:
    fake.refuse_next("disable-domain", "Another Virtualmin process has example.com locked")
    assert isinstance(failure_of(driver.suspend, REF, "unpaid"), TransientPanelError)
    assert not fake.domains["example.com"].disabled


def test_terminate_removes_it_and_a_missing_one_is_done(
    fake: FakeVirtualmin, driver: VirtualminDriver, created: str
) -> None:
    driver.terminate(REF)
    assert fake.domains == {}
    driver.terminate(REF)
    assert len(fake.calls_of("delete-domain")) == 1


def test_terminate_after_a_lost_answer_is_done(
    fake: FakeVirtualmin, driver: VirtualminDriver, created: str
) -> None:
    fake.fail_next("delete-domain", HANG_UP_AFTER)
    assert isinstance(failure_of(driver.terminate, REF), TransientPanelError)
    driver.terminate(REF)
    assert fake.domains == {}


def test_terminate_never_removes_another_accounts_server(
    fake: FakeVirtualmin, driver: VirtualminDriver, created: str
) -> None:
    error = failure_of(driver.terminate, AccountRef("intruder9", domain="example.com"))
    assert isinstance(error, PermanentPanelError)
    assert "example.com" in fake.domains
    assert fake.calls_of("delete-domain") == []


# --- package, password, usage -----------------------------------------------------------------


def test_change_package_applies_the_plan(
    fake: FakeVirtualmin, driver: VirtualminDriver, created: str
) -> None:
    driver.change_package(REF, {"package": "pro"})
    assert fake.domains["example.com"].plan == "pro"
    assert fake.calls_of("modify-domain")[-1]["apply-plan"] == ["pro"]


def test_change_package_to_an_unknown_plan_is_permanent(
    fake: FakeVirtualmin, driver: VirtualminDriver, created: str
) -> None:
    error = failure_of(driver.change_package, REF, {"package": "gold"})
    assert isinstance(error, PermanentPanelError)
    assert "gold" in str(error)
    assert fake.domains["example.com"].plan == "start"
    assert fake.calls_of("modify-domain") == []


def test_change_password_sets_it_and_never_shows_it(
    fake: FakeVirtualmin, driver: VirtualminDriver, created: str
) -> None:
    driver.change_password(REF, "New-pass-77.y")
    assert fake.domains["example.com"].password == "New-pass-77.y"
    fake.refuse_next("modify-domain", "The password New-pass-88.z is too weak")
    error = failure_of(driver.change_password, REF, "New-pass-88.z")
    assert isinstance(error, PermanentPanelError)
    assert "New-pass-88.z" not in str(error)
    assert "***" in str(error)


def test_usage_in_megabytes(fake: FakeVirtualmin, driver: VirtualminDriver, created: str) -> None:
    assert driver.usage(REF) == Usage(disk_mb=0, bandwidth_mb=0)
    fake.set_usage("example.com", disk_mb=1536, bandwidth_mb=20480)
    assert driver.usage(REF) == Usage(disk_mb=1536, bandwidth_mb=20480)


def test_usage_of_a_missing_server_is_permanent(fake: FakeVirtualmin, driver: VirtualminDriver) -> None:
    assert isinstance(failure_of(driver.usage, REF), PermanentPanelError)


def _form(received: Received) -> dict[str, list[str]]:
    return parse_qs(received.body.decode(), keep_blank_values=True)
