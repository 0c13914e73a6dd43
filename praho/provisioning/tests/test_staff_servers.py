"""Staff pages of servers (/staff/provisioning/servers/): who may see and change them, the list's
load and fixed number of queries, the form's checks, a login that is never shown back nor
audited, and the "Test connection" button against a fake Virtualmin."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from praho.audit.models import AuditEvent
from praho.orders.models import ServiceStatus
from praho.provisioning.models import Account, Server
from praho.provisioning.secrets import credentials_of
from praho.testing.fakes import SERVER_ERROR
from praho.testing.fakes.virtualmin import FakeVirtualmin
from praho.testing.provisioning import make_server, make_service

pytestmark = pytest.mark.django_db

SERVERS = "/staff/provisioning/servers/"
NEW = SERVERS + "new/"
HTMX = {"HTTP_HX_REQUEST": "true"}
SECRET = "s3cret-Token-value-42"


@pytest.fixture
def fake() -> Iterator[FakeVirtualmin]:
    with FakeVirtualmin() as fake:
        yield fake


@pytest.fixture
def manager(staff_client, mike_manager):
    return staff_client(mike_manager)


def form_data(**changes):
    data = {
        "name": "vm-1",
        "panel": "virtualmin",
        "host": "vm1.example.net",
        "port": "10000",
        "use_tls": "on",
        "verify_tls": "on",
        "username": "root",
        "secret": SECRET,
        "location": "Bucharest",
        "status": "active",
        "max_accounts": "200",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def audit_text() -> str:
    return json.dumps(list(AuditEvent.objects.values("action", "data", "object_repr")), default=str)


# --- who may see and change servers -----------------------------------------------------------


def test_customers_users_do_not_find_the_pages_and_visitors_log_in(client, carol):
    assert client.get(SERVERS).status_code == 302
    assert "/login/" in client.get(SERVERS)["Location"]
    client.force_login(carol)
    assert client.get(SERVERS).status_code == 404
    assert client.post(NEW, form_data()).status_code == 404
    assert not Server.objects.exists()


def test_sales_read_servers_but_may_not_add_change_or_test_them(staff_client, sam_sales):
    server = make_server("virtualmin", "http://127.0.0.1:10000", username="root", secret=SECRET)
    sales = staff_client(sam_sales)
    page = sales.get(SERVERS)
    assert page.status_code == 200
    assert "Add a server" not in page.content.decode()
    assert sales.get(NEW).status_code == 403
    assert sales.post(NEW, form_data()).status_code == 403
    assert sales.get(f"{SERVERS}{server.pk}/").status_code == 403
    assert sales.post(f"{SERVERS}{server.pk}/test/").status_code == 403
    assert Server.objects.count() == 1
    assert Server.objects.get().last_checked_at is None


# --- the list ---------------------------------------------------------------------------------------


def test_the_list_shows_accounts_held_and_hypervisor_allocations(manager, shop, carol_customer):
    panel = make_server("virtualmin", "http://127.0.0.1:10000", username="u", secret=SECRET, max_accounts=4)
    hypervisor = make_server(
        "proxmox",
        "http://127.0.0.1:8006",
        username="t",
        secret=SECRET,
        node="pve1",
        cpu_cores=8,
        memory_mb=None,
    )
    for n, status in enumerate([ServiceStatus.ACTIVE, ServiceStatus.SUSPENDED, ServiceStatus.TERMINATED]):
        service = make_service(shop.plans["web-start"], carol_customer, domain=f"c{n}.ro", status=status)
        Account.objects.create(service=service, server=panel, username=f"c{n}")
    vps = make_service(shop.plans["vps-m"], carol_customer, status=ServiceStatus.ACTIVE, quantity=1)
    Account.objects.create(service=vps, server=hypervisor, username="vps")

    response = manager.get(SERVERS)

    rows = {row.server.name: row.capacities for row in response.context["rows"]}
    assert [(c.used, c.limit, c.percent) for c in rows[panel.name]] == [(2, 4, 50)]  # terminated holds none
    assert [(c.used, c.limit) for c in rows[hypervisor.name]] == [(2, 8), (0, None), (0, None)]
    page = response.content.decode()
    assert "2 / 4 (50%)" in page
    assert "Never tested" in page


def test_the_list_filters_by_panel_and_status(manager):
    make_server("virtualmin", "http://127.0.0.1:10000", username="u", secret=SECRET, name="a")
    make_server("proxmox", "http://127.0.0.1:8006", username="u", secret=SECRET, name="b", status="draining")
    assert [r.server.name for r in manager.get(SERVERS, {"panel": "proxmox"}).context["rows"]] == ["b"]
    assert [r.server.name for r in manager.get(SERVERS, {"status": "active"}).context["rows"]] == ["a"]
    assert manager.get(SERVERS, {"panel": "cpanel"}).context["rows"] == []  # not a choice: nothing


@pytest.mark.parametrize("count", [1, 4])
@pytest.mark.parametrize(("query", "htmx"), [({}, False), ({"panel": "proxmox"}, True)])
def test_the_list_runs_a_fixed_number_of_queries(
    manager, shop, carol_customer, django_assert_num_queries, count, query, htmx
):
    for n in range(count):
        for panel, plan in (("virtualmin", "web-start"), ("proxmox", "vps-s")):
            server = make_server(panel, f"http://127.0.0.1:{1000 + n}", username="u", secret=SECRET, node="n")
            server.product_groups.set([shop.plans[plan].group])
            service = make_service(shop.plans[plan], carol_customer, domain=f"c{n}.ro", status="active")
            Account.objects.create(service=service, server=server, username=f"{panel}{n}")
    # 1 session, 2 user, 3 authenticators, 4 user permissions, 5 group permissions, 6 count,
    # 7 the page of servers with the accounts each holds, 8 their product groups,
    # 9 what the page's hypervisors allocated
    with django_assert_num_queries(9):
        response = manager.get(SERVERS, query, **(HTMX if htmx else {}))
    assert len(response.context["rows"]) == (count if query else 2 * count)


# --- the form -------------------------------------------------------------------------------------------


def test_a_manager_registers_a_server_with_its_login_sealed(manager, shop):
    response = manager.post(NEW, form_data(product_groups=[shop.plans["web-start"].group_id]))

    assert response.status_code == 302
    server = Server.objects.get()
    assert (server.name, server.host, server.port, server.use_tls, server.max_accounts) == (
        "vm-1",
        "vm1.example.net",
        10000,
        True,
        200,
    )
    assert list(server.product_groups.all()) == [shop.plans["web-start"].group]
    assert credentials_of(server) == ("root", SECRET)
    assert SECRET not in server.credentials_sealed
    event = AuditEvent.objects.get(action="provisioning.server_created")
    assert event.data["login_changed"] is True
    assert SECRET not in audit_text()
    assert "root" not in json.dumps(event.data)


def test_editing_shows_no_login_and_blank_keeps_it(manager):
    server = make_server("virtualmin", "https://10.0.0.5:10000", username="root", secret=SECRET, name="vm-1")
    edit = f"{SERVERS}{server.pk}/"

    page = manager.get(edit).content.decode()
    refused = manager.post(edit, form_data(port="0", username="", secret="other-secret-99")).content.decode()
    saved = manager.post(edit, form_data(host="10.0.0.6", username="", secret=""))

    assert SECRET not in page
    assert 'name="secret"' in page
    assert 'value="root"' not in page
    assert "other-secret-99" not in refused  # a refused form does not echo the secret either
    assert saved.status_code == 302
    server.refresh_from_db()
    assert server.host == "10.0.0.6"
    assert credentials_of(server) == ("root", SECRET)
    assert AuditEvent.objects.get(action="provisioning.server_changed").data["login_changed"] is False


def test_a_new_secret_alone_keeps_the_user_name(manager):
    server = make_server("virtualmin", "https://10.0.0.5:10000", username="root", secret=SECRET, name="vm-1")
    manager.post(f"{SERVERS}{server.pk}/", form_data(username="", secret="the-new-one-77"))
    server.refresh_from_db()
    assert credentials_of(server) == ("root", "the-new-one-77")
    assert "the-new-one-77" not in audit_text()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": "vm\x07bell"}, "name", "Remove the control character U+0007."),
        ({"location": "x" * 101}, "location", "no more than 100 characters (it has 101)"),
        ({"host": "bad host!"}, "host", "Enter a host name"),
        ({"host": "-bad.example.com"}, "host", "Enter a host name"),
        ({"host": "line\nbreak.example.com"}, "host", "This field is one line"),
        ({"port": "0"}, "port", "greater than or equal to 1"),
        ({"port": "65536"}, "port", "less than or equal to 65535"),
        ({"port": "ten"}, "port", "Enter a whole number"),
        ({"panel": "cpanel"}, "panel", "Select a valid choice"),
        ({"secret": ""}, "secret", "This field is required"),
        ({"secret": "abc\x00def"}, "secret", "Null characters are not allowed"),
        ({"secret": "abc\x1bdef"}, "secret", "Remove the control characters from the secret."),
        ({"panel": "proxmox", "node": ""}, "node", "Proxmox VE needs the node"),
        ({"max_accounts": "-1"}, "max_accounts", "greater than or equal to 0"),
        ({"product_groups": ["999999"]}, "product_groups", "Select a valid choice"),
    ],
)
def test_bad_input_is_refused_next_to_its_field(manager, shop, changes, field, message):
    response = manager.post(NEW, form_data(**changes))
    assert response.status_code == 400
    errors = " ".join(str(error) for error in response.context["form"].errors[field])
    assert message in errors
    assert not Server.objects.exists()
    assert SECRET not in response.content.decode()


def test_names_are_unique_whatever_their_case(manager):
    make_server("virtualmin", "http://127.0.0.1:10000", username="u", secret=SECRET, name="VM-1")
    response = manager.post(NEW, form_data(name="vm-1"))
    assert response.status_code == 400
    assert "Another server has this name." in response.context["form"].errors["name"]


def test_an_ipv6_host_is_kept_in_its_short_form(manager):
    manager.post(NEW, form_data(host="2001:DB8:0:0::1"))
    server = Server.objects.get()
    assert server.host == "2001:db8::1"
    assert server.base_url == "https://[2001:db8::1]:10000"


# --- test connection ----------------------------------------------------------------------------------


def fake_server(fake: FakeVirtualmin, *, secret: str = "virtualmin-secret") -> Server:
    return make_server("virtualmin", fake.url, username="root", secret=secret, name="vm-fake")


def test_the_button_shows_what_the_panel_answered_in_place(manager, fake):
    server = fake_server(fake)

    response = manager.post(f"{SERVERS}{server.pk}/test/", **HTMX)

    page = response.content.decode()
    assert response.status_code == 200
    assert page.lstrip().startswith(f'<div id="server-check-{server.pk}"')
    assert "Virtualmin 7.30.4.gpl on vm1.example.net, 0 virtual servers" in page
    server.refresh_from_db()
    assert (server.last_check_ok, server.last_checked_at is not None) == (True, True)
    event = AuditEvent.objects.get(action="provisioning.server_tested")
    assert event.data == {"ok": True, "answer": server.last_check_answer}


def test_without_javascript_the_answer_comes_back_as_a_message(manager, fake):
    server = fake_server(fake)
    response = manager.post(f"{SERVERS}{server.pk}/test/", follow=True)
    assert response.redirect_chain == [(f"{SERVERS}{server.pk}/", 302)]
    assert "vm-fake answered: Virtualmin 7.30.4.gpl" in response.content.decode()


def test_a_refused_login_is_shown_without_the_secret(manager, fake):
    server = fake_server(fake, secret="wrong-secret-123")

    response = manager.post(f"{SERVERS}{server.pk}/test/", follow=True)

    page = response.content.decode()
    assert "vm-fake could not be reached:" in page
    assert "401" in page
    server.refresh_from_db()
    assert server.last_check_ok is False
    assert "wrong-secret-123" not in page + server.last_check_answer + audit_text()


@pytest.mark.parametrize("how", ["down", "5xx"])
def test_a_panel_that_is_down_or_failing_is_reported(manager, fake, how):
    server = fake_server(fake)
    if how == "down":
        fake.stop()
    else:
        fake.fail_next("remote.cgi", SERVER_ERROR)

    page = manager.post(f"{SERVERS}{server.pk}/test/", **HTMX).content.decode()

    server.refresh_from_db()
    assert server.last_check_ok is False
    assert server.last_check_answer
    assert server.last_check_answer[:40] in page
    assert "Failed" in page
    assert AuditEvent.objects.get(action="provisioning.server_tested").data["ok"] is False


def test_testing_an_unknown_server_is_a_404_and_needs_a_post(manager):
    assert manager.post(f"{SERVERS}999999/test/").status_code == 404
    server = make_server("virtualmin", "http://127.0.0.1:1", username="u", secret=SECRET)
    assert manager.get(f"{SERVERS}{server.pk}/test/").status_code == 405


def test_a_login_the_keys_cannot_open_is_reported_not_a_crash(manager):
    server = make_server("virtualmin", "http://127.0.0.1:1", username="u", secret=SECRET, name="vm-old")
    Server.objects.filter(pk=server.pk).update(credentials_sealed="sealed-under-a-dropped-key")

    page = manager.post(f"{SERVERS}{server.pk}/test/", **HTMX).content.decode()

    assert "The stored login cannot be read with the configured keys; enter it again." in page
    server.refresh_from_db()
    assert server.last_check_ok is False


def test_half_a_login_cannot_complete_one_the_keys_cannot_open(manager):
    server = make_server("virtualmin", "http://127.0.0.1:1", username="u", secret=SECRET, name="vm-1")
    Server.objects.filter(pk=server.pk).update(credentials_sealed="sealed-under-a-dropped-key")

    refused = manager.post(f"{SERVERS}{server.pk}/", form_data(username="", secret="new-secret-1"))
    saved = manager.post(f"{SERVERS}{server.pk}/", form_data(username="admin", secret="new-secret-1"))

    assert refused.status_code == 400
    assert "enter both parts again" in " ".join(refused.context["form"].errors["username"])
    assert saved.status_code == 302
    server.refresh_from_db()
    assert credentials_of(server) == ("admin", "new-secret-1")
