"""The HestiaCP driver against a local HestiaCP API (praho.testing.fakes.hestiacp): every method,
every exit code the driver maps, and the ways the panel or the network fail."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs

import httpx
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
from praho.provisioning.gateways.hestiacp import HestiaDriver
from praho.testing.fakes import ERROR, GARBAGE, HANG_UP, HANG_UP_AFTER, SERVER_ERROR, SLOW, UNAVAILABLE
from praho.testing.fakes.hestiacp import ACCESS_KEY, SECRET_KEY, FakeHestia

PASSWORD = "Pa55-word.of+carol"
SPEC = AccountSpec(
    name="example42",
    domain="example.ro",
    password=PASSWORD,
    email="carol@customer.test",
    params={"package": "default"},
)
REF = AccountRef("example42", "example42", "example.ro")
SECRETS = (ACCESS_KEY, SECRET_KEY, PASSWORD)


@pytest.fixture
def fake() -> Iterator[FakeHestia]:
    with FakeHestia() as fake:
        fake.delay = 1.0  # SLOW answers after a second, past the short timeouts below
        yield fake


def driver_of(fake: FakeHestia, *, access: str = ACCESS_KEY, secret: str = SECRET_KEY, timeout: float = 2.0):
    return driver_for(Connection("hestiacp", fake.url, access, secret, timeout=timeout))


@pytest.fixture
def driver(fake: FakeHestia) -> HestiaDriver:
    built = driver_of(fake)
    assert isinstance(built, HestiaDriver)
    return built


def failing(call, kind: type[PanelError], *, secrets: tuple[str, ...] = ()) -> str:
    """The message of the error `call()` raises, checked to be of `kind` and to carry no secret."""
    with pytest.raises(kind) as caught:
        call()
    message = str(caught.value)
    for secret in (*SECRETS, *secrets):
        assert secret not in message
    assert type(caught.value) is kind
    return message


def created(driver: HestiaDriver) -> MemorySteps:
    steps = MemorySteps()
    driver.create(SPEC, steps)
    return steps


# --- create ---------------------------------------------------------------------------------------


def test_create_adds_the_user_on_the_plans_package_then_its_web_domain(fake, driver):
    steps = MemorySteps()

    result = driver.create(SPEC, steps)

    assert (result.external_id, result.username) == ("example42", "example42")
    assert steps.recorded == [
        {"name": "add_user", "data": "example42"},
        {"name": "add_web_domain", "data": "example.ro"},
    ]
    user = fake.users["example42"]
    assert (user["PACKAGE"], user["CONTACT"], user["SUSPENDED"]) == ("default", "carol@customer.test", "no")
    assert fake.passwords["example42"] == PASSWORD
    assert fake.web_domains == {"example.ro": "example42"}
    assert [cmd for cmd, _args, _code in fake.executed] == ["v-list-user", "v-add-user", "v-add-web-domain"]
    assert fake.runs_of("v-add-user") == [(("example42", PASSWORD, "carol@customer.test", "default"), 0)]


def test_the_keys_travel_in_the_post_body_as_the_hash_never_in_the_url(fake, driver):
    driver.create(SPEC, MemorySteps())

    for received in fake.received:
        assert (received.method, received.path) == ("POST", "/api/")
        assert received.headers["content-type"] == "application/x-www-form-urlencoded"
        form = parse_qs(received.body.decode())
        assert form["hash"] == [f"{ACCESS_KEY}:{SECRET_KEY}"]
        assert form["returncode"] == ["yes"]
    assert parse_qs(fake.received[1].body.decode())["cmd"] == ["v-add-user"]


def test_create_without_a_domain_adds_only_the_user(fake, driver):
    steps = MemorySteps()
    driver.create(AccountSpec("nodomain7", "", PASSWORD, "c@customer.test", {"package": "gold"}), steps)

    assert steps.completed == ["add_user"]
    assert fake.users["nodomain7"]["PACKAGE"] == "gold"
    assert fake.web_domains == {}


def test_create_again_finds_the_user_and_its_domain_and_adds_nothing(fake, driver):
    created(driver)

    again = MemorySteps()
    driver.create(SPEC, again)

    assert fake.user_names() == ["example42"]
    assert len(fake.runs_of("v-add-user")) == 1
    assert fake.runs_of("v-add-web-domain")[-1][1] == 4  # E_EXISTS: it is this user's, so done
    assert fake.runs_of("v-list-web-domain") == [(("example42", "example.ro", "json"), 0)]
    assert again.completed == ["add_user", "add_web_domain"]


def test_a_resumed_create_skips_the_steps_already_recorded(fake, driver):
    steps = created(driver)
    before = fake.request_count

    driver.create(SPEC, steps)

    assert fake.request_count == before


def test_an_answer_lost_after_v_add_user_is_found_by_the_retry_which_adds_no_second_user(fake, driver):
    fake.fail_next("v-add-user", HANG_UP_AFTER)  # adds the user, then drops the connection
    steps = MemorySteps()

    message = failing(lambda: driver.create(SPEC, steps), TransientPanelError)

    assert message == "HestiaCP v-add-user: connection failed (RemoteProtocolError)"
    assert fake.user_names() == ["example42"]
    assert steps.completed == []
    driver.create(SPEC, steps)
    assert fake.user_names() == ["example42"]
    assert [code for _args, code in fake.runs_of("v-add-user")] == [0]
    assert steps.completed == ["add_user", "add_web_domain"]


def test_an_answer_lost_after_v_add_web_domain_is_taken_as_done_by_the_retry(fake, driver):
    fake.fail_next("v-add-web-domain", HANG_UP_AFTER)
    steps = MemorySteps()
    failing(lambda: driver.create(SPEC, steps), TransientPanelError)
    assert steps.completed == ["add_user"]
    assert fake.web_domains == {"example.ro": "example42"}

    driver.create(SPEC, steps)

    assert steps.completed == ["add_user", "add_web_domain"]
    assert [code for _args, code in fake.runs_of("v-add-web-domain")] == [0, 4]


def test_a_v_add_user_slower_than_the_timeout_is_transient_and_the_retry_finds_the_user(fake):
    driver = driver_of(fake, timeout=0.3)
    fake.fail_next("v-add-user", SLOW)  # adds the user, answers after a second
    steps = MemorySteps()

    message = failing(lambda: driver.create(SPEC, steps), TransientPanelError)

    assert message == "HestiaCP v-add-user: no answer in time (ReadTimeout)"
    driver.create(SPEC, steps)
    assert fake.user_names() == ["example42"]
    assert len(fake.runs_of("v-add-user")) == 1


def test_e_exists_from_v_add_user_looks_the_user_up_and_takes_it(fake, driver):
    created(driver)
    fake.fail_command("v-list-user", 3)  # a look-up that missed the user (made meanwhile)

    steps = MemorySteps()
    driver.create(SPEC, steps)

    assert fake.runs_of("v-add-user")[-1][1] == 4
    assert steps.result_of("add_user") == "example42"
    assert fake.user_names() == ["example42"]


def test_e_exists_for_a_system_user_hestia_does_not_list_is_permanent(fake, driver):
    fake.fail_command("v-add-user", 4)

    message = failing(lambda: driver.create(SPEC, MemorySteps()), PermanentPanelError)

    assert "E_EXISTS" in message
    assert "outside Hestia" in message


def test_an_unknown_package_is_permanent_and_named(fake, driver):
    spec = AccountSpec("example42", "example.ro", PASSWORD, "c@customer.test", {"package": "platinum"})

    message = failing(lambda: driver.create(spec, MemorySteps()), PermanentPanelError)

    assert message == "HestiaCP v-add-user: E_NOTEXIST (unknown package platinum)"
    assert fake.user_names() == []


def test_a_plan_without_a_package_is_permanent_before_anything_is_sent(fake, driver):
    spec = AccountSpec("example42", "example.ro", PASSWORD, "c@customer.test", {})

    message = failing(lambda: driver.create(spec, MemorySteps()), PermanentPanelError)

    assert "no package" in message
    assert fake.request_count == 0


def test_a_domain_another_user_has_is_permanent(fake, driver):
    driver.create(
        AccountSpec("other1", "example.ro", PASSWORD, "o@customer.test", {"package": "gold"}), MemorySteps()
    )
    steps = MemorySteps()

    message = failing(lambda: driver.create(SPEC, steps), PermanentPanelError)

    assert message == "HestiaCP v-add-web-domain: E_EXISTS (example.ro belongs to another user)"
    assert steps.completed == ["add_user"]


def test_a_package_without_room_for_a_web_domain_is_permanent(fake, driver):
    fake.add_package("tiny", WEB_DOMAINS="0")
    spec = AccountSpec("example42", "example.ro", PASSWORD, "c@customer.test", {"package": "tiny"})

    message = failing(lambda: driver.create(spec, MemorySteps()), PermanentPanelError)

    assert message == "HestiaCP v-add-web-domain: E_LIMIT"


@pytest.mark.parametrize(
    ("code", "name"), [(14, "E_LA"), (15, "E_CONNECT"), (17, "E_DB"), (19, "E_UPDATE"), (20, "E_RESTART")]
)
def test_load_and_service_trouble_is_transient(fake, driver, code, name):
    fake.fail_command("v-add-user", code)

    message = failing(lambda: driver.create(SPEC, MemorySteps()), TransientPanelError)

    assert message == f"HestiaCP v-add-user: {name}"
    driver.create(SPEC, MemorySteps())  # the next attempt goes through
    assert fake.user_names() == ["example42"]


@pytest.mark.parametrize(
    ("code", "name"),
    [
        (1, "E_ARGS"),
        (2, "E_INVALID"),
        (8, "E_LIMIT"),
        (9, "E_PASSWORD"),
        (10, "E_FORBIDEN"),
        (13, "E_DISK"),
        (99, "exit code 99"),
    ],
)
def test_refusals_are_permanent_and_named(fake, driver, code, name):
    fake.fail_command("v-add-user", code)

    message = failing(lambda: driver.create(SPEC, MemorySteps()), PermanentPanelError)

    assert message == f"HestiaCP v-add-user: {name}"
    assert fake.user_names() == []


def test_an_invalid_user_name_is_refused_by_hestia_as_e_invalid(fake, driver):
    spec = AccountSpec("-bad name", "example.ro", PASSWORD, "c@customer.test", {"package": "default"})

    message = failing(lambda: driver.create(spec, MemorySteps()), PermanentPanelError)

    assert "E_INVALID" in message


# --- compensate -----------------------------------------------------------------------------------


def test_compensate_deletes_the_user_and_with_it_its_domain(fake, driver):
    steps = created(driver)

    undone = driver.compensate(SPEC, steps)

    assert undone == ["add_web_domain", "add_user"]
    assert fake.user_names() == []
    assert fake.web_domains == {}


def test_compensate_of_a_user_already_gone_undoes_it_all_the_same(fake, driver):
    steps = created(driver)
    driver.terminate(REF)

    assert driver.compensate(SPEC, steps) == ["add_web_domain", "add_user"]
    assert fake.runs_of("v-delete-user")[-1][1] == 3


def test_compensate_with_no_user_made_sends_nothing(fake, driver):
    assert driver.compensate(SPEC, MemorySteps()) == []
    assert fake.request_count == 0


def test_compensate_that_cannot_delete_says_so(fake, driver):
    steps = created(driver)
    fake.fail_command("v-delete-user", 17)

    assert "E_DB" in failing(lambda: driver.compensate(SPEC, steps), TransientPanelError)
    assert fake.user_names() == ["example42"]


# --- suspend, unsuspend, terminate ----------------------------------------------------------------


def test_suspend_and_unsuspend_the_user_and_again_changes_nothing(fake, driver):
    created(driver)

    driver.suspend(REF, "unpaid")
    assert fake.users["example42"]["SUSPENDED"] == "yes"
    driver.suspend(REF, "unpaid")  # E_SUSPENDED: it is already
    driver.unsuspend(REF)
    assert fake.users["example42"]["SUSPENDED"] == "no"
    driver.unsuspend(REF)  # E_UNSUSPENDED: it is already

    assert [code for _args, code in fake.runs_of("v-suspend-user")] == [0, 5]
    assert [code for _args, code in fake.runs_of("v-unsuspend-user")] == [0, 6]


def test_the_account_is_found_by_its_external_id_first(fake, driver):
    created(driver)

    driver.suspend(AccountRef("someothername", "example42"), "staff")

    assert fake.users["example42"]["SUSPENDED"] == "yes"


def test_suspending_a_user_hestia_does_not_have_is_permanent(fake, driver):
    assert (
        failing(lambda: driver.suspend(REF, "x"), PermanentPanelError)
        == "HestiaCP v-suspend-user: E_NOTEXIST"
    )
    assert (
        failing(lambda: driver.unsuspend(REF), PermanentPanelError) == "HestiaCP v-unsuspend-user: E_NOTEXIST"
    )


def test_a_suspension_hestia_cannot_restart_services_for_is_transient(fake, driver):
    created(driver)
    fake.fail_command("v-suspend-user", 20)

    assert (
        failing(lambda: driver.suspend(REF, "x"), TransientPanelError) == "HestiaCP v-suspend-user: E_RESTART"
    )


def test_terminate_deletes_the_user_and_again_is_done_already(fake, driver):
    created(driver)

    driver.terminate(REF)
    driver.terminate(REF)  # E_NOTEXIST: gone already

    assert fake.user_names() == []
    assert fake.web_domains == {}
    assert [code for _args, code in fake.runs_of("v-delete-user")] == [0, 3]
    assert driver.exists(REF) is None


# --- change package, change password, usage, exists, test connection ------------------------------


def test_change_package_moves_the_user_to_the_plans_package(fake, driver):
    created(driver)

    driver.change_package(REF, {"package": "gold"})

    assert fake.users["example42"]["PACKAGE"] == "gold"
    assert fake.users["example42"]["BANDWIDTH"] == "unlimited"


def test_change_package_to_an_unknown_package_or_of_a_missing_user_is_permanent_and_says_which(fake, driver):
    assert failing(lambda: driver.change_package(REF, {"package": "gold"}), PermanentPanelError) == (
        "HestiaCP v-change-user-package: E_NOTEXIST (no user example42)"
    )
    created(driver)
    assert failing(lambda: driver.change_package(REF, {"package": "platinum"}), PermanentPanelError) == (
        "HestiaCP v-change-user-package: E_NOTEXIST (unknown package platinum)"
    )
    assert "no package" in failing(lambda: driver.change_package(REF, {}), PermanentPanelError)
    assert fake.users["example42"]["PACKAGE"] == "default"


def test_change_password_sets_it_and_a_refusal_does_not_show_it(fake, driver):
    created(driver)

    driver.change_password(REF, "New-pass.word42")

    assert fake.passwords["example42"] == "New-pass.word42"
    fake.fail_command("v-change-user-password", 2)
    message = failing(
        lambda: driver.change_password(REF, "Other-pass.word7"),
        PermanentPanelError,
        secrets=("Other-pass.word7",),
    )
    assert message == "HestiaCP v-change-user-password: E_INVALID"


def test_usage_is_the_users_disk_and_bandwidth_in_mb(fake, driver):
    created(driver)
    fake.set_usage("example42", disk_mb=812, bandwidth_mb=20480)

    assert driver.usage(REF) == Usage(disk_mb=812, bandwidth_mb=20480)
    form = parse_qs(fake.received[-1].body.decode())
    assert (form["cmd"], form["arg1"], form["arg2"], form["returncode"]) == (
        ["v-list-user"],
        ["example42"],
        ["json"],
        ["no"],
    )


def test_usage_of_a_missing_user_is_permanent(fake, driver):
    message = failing(lambda: driver.usage(REF), PermanentPanelError)

    assert "(400)" in message
    assert "doesn't exist" in message


def test_usage_without_counters_is_transient(fake, driver):
    created(driver)
    fake.users["example42"]["U_DISK"] = ""

    assert "no usage counters" in failing(lambda: driver.usage(REF), TransientPanelError)


def test_exists_is_the_user_name_or_none(fake, driver):
    assert driver.exists(REF) is None
    created(driver)
    assert driver.exists(REF) == "example42"


def test_test_connection_says_which_host_and_how_many_users(fake, driver):
    created(driver)

    answer = driver.test_connection()

    assert answer == "HestiaCP on hestia.fake.test (Debian 12, x86_64), load 0.08, 2 users"


# --- credentials, transport and garbage -----------------------------------------------------------


@pytest.mark.parametrize(
    ("access", "secret"), [("A" * 20, SECRET_KEY), (ACCESS_KEY, "s" * 40), ("short", "key")]
)
def test_wrong_keys_are_permanent_and_never_shown(fake, access, secret):
    driver = driver_of(fake, access=access, secret=secret)

    message = failing(
        lambda: driver.create(SPEC, MemorySteps()), PermanentPanelError, secrets=(access, secret)
    )

    assert message == "HestiaCP v-list-user: the panel refused the credentials (401)"
    assert fake.user_names() == []
    assert "refused the credentials" in failing(
        driver.test_connection, PermanentPanelError, secrets=(access, secret)
    )


@pytest.mark.parametrize("mode", [SERVER_ERROR, UNAVAILABLE])
def test_a_5xx_is_transient(fake, driver, mode):
    fake.fail_next("v-add-user", mode)

    message = failing(lambda: driver.create(SPEC, MemorySteps()), TransientPanelError)

    assert message == f"HestiaCP v-add-user: the panel answered {mode}"
    assert fake.user_names() == []


def test_a_panel_whose_php_is_down_is_transient(fake, driver):
    fake.go_down(ERROR)  # nginx answers 502

    assert "answered 502" in failing(lambda: driver.suspend(REF, "x"), TransientPanelError)


def test_a_panel_that_hangs_up_is_transient(fake, driver):
    fake.go_down(HANG_UP)

    assert "connection failed" in failing(lambda: driver.exists(REF), TransientPanelError)


def test_a_panel_that_does_not_answer_at_all_is_transient(fake):
    driver = driver_of(fake)
    fake.stop()

    assert "connection failed (ConnectError)" in failing(lambda: driver.terminate(REF), TransientPanelError)


def test_garbage_instead_of_an_exit_code_or_a_listing_is_transient(fake, driver):
    fake.go_down(GARBAGE)

    assert failing(lambda: driver.suspend(REF, "x"), TransientPanelError) == (
        "HestiaCP v-suspend-user: the answer is not an exit code"
    )
    assert failing(driver.test_connection, TransientPanelError) == (
        "HestiaCP v-list-sys-info: the answer is not the JSON listing"
    )


# --- the fake's other login -----------------------------------------------------------------------


def test_the_fake_takes_hestias_legacy_admin_login_and_refuses_other_users(fake):
    def post(**form: str) -> httpx.Response:
        return httpx.post(f"{fake.url}/api/", data={"returncode": "yes", "cmd": "v-list-users", **form})

    assert post(user="admin", password="admin-password-of-the-fake").text == "0"
    refused = post(user="admin", password="wrong")
    assert (refused.status_code, refused.text, refused.headers["Hestia-Exit-Code"]) == (401, "9", "9")
    assert post(user="carol", password="x").text == "10"
    assert httpx.get(f"{fake.url}/api/").status_code == 405
