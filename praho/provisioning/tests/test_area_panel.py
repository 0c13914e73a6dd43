"""Provisioning's panel on the customer area's service page: status explained, panel login
details with the password behind a button (owners and technical users only, audited, never in
the page), limits times the quantity with this month's usage, the 30-day charts; other
customers' services answer 404; the page runs a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from praho.audit.models import AuditEvent
from praho.orders.models import ServiceStatus
from praho.provisioning.models import Account, UsageSample
from praho.provisioning.secrets import seal_password
from praho.testing.actors import member_of
from praho.testing.provisioning import make_server, make_service

pytestmark = pytest.mark.django_db

SECRET = "Pan3l-Pass.word_42"
GB = 1024


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def server(db):
    return make_server("virtualmin", "https://panel.example.test:10000", username="root", secret="x")


@pytest.fixture
def hosting(shop, carol_customer, server):
    service = make_service(
        shop.plans["web-start"], carol_customer, domain="carol.ro", status=ServiceStatus.ACTIVE
    )
    Account.objects.create(
        service=service, server=server, username="carolro", password_sealed=seal_password(SECRET)
    )
    return service


def page(service):
    return reverse("orders:area-service", args=[service.pk])


def password_url(service):
    return reverse("provisioning_area:password", args=[service.pk])


def sample(service, days_ago, *, disk, bandwidth=0, over=()):
    return UsageSample.objects.create(
        service=service,
        day=timezone.localdate() - timedelta(days=days_ago),
        disk_mb=disk,
        bandwidth_mb=bandwidth,
        over_limit=list(over),
        collected_at=timezone.now(),
    )


def test_the_owner_sees_status_login_details_and_the_button_but_not_the_password(as_user, carol, hosting):
    response = as_user(carol).get(page(hosting))

    assert response.status_code == 200
    text = response.content.decode()
    assert "ready to use" in text  # the status explained
    assert 'href="https://panel.example.test:10000/"' in text
    assert "carolro" in text
    assert "data-show-password" in text
    assert f'action="{password_url(hosting)}"' in text
    assert SECRET not in text


def test_a_viewer_sees_the_login_but_no_button_and_cannot_ask_for_the_password(as_user, erin_viewer, hosting):
    client = as_user(erin_viewer)
    text = client.get(page(hosting)).content.decode()
    assert "carolro" in text
    assert "data-show-password" not in text

    response = client.post(password_url(hosting))
    assert response.status_code == 403
    assert SECRET not in response.content.decode()
    assert not AuditEvent.objects.filter(action="provisioning.password_shown").exists()


def test_a_technical_member_may_see_the_password(as_user, carol_customer, hosting):
    tech = member_of(carol_customer, role="technical", email="tech@customer.test")
    response = as_user(tech).post(password_url(hosting))
    assert response.status_code == 200
    assert SECRET in response.content.decode()


def test_the_password_is_shown_on_post_and_audited(as_user, carol, hosting):
    client = as_user(carol)
    assert client.get(password_url(hosting)).status_code == 405

    response = client.post(password_url(hosting))

    assert response.status_code == 200
    assert SECRET in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    [event] = AuditEvent.objects.filter(action="provisioning.password_shown")
    assert (event.actor, event.object_id, event.data) == (carol, str(hosting.pk), {"account": "carolro"})
    assert SECRET not in str(event.data)


def test_htmx_gets_only_the_fragment_that_replaces_the_button(as_user, carol, hosting):
    response = as_user(carol).post(password_url(hosting), headers={"HX-Request": "true"})
    text = response.content.decode()
    assert f'id="panel-password-{hosting.pk}"' in text
    assert SECRET in text
    assert "<html" not in text


def test_another_customers_user_gets_404_on_the_page_and_the_password(as_user, dave, dave_customer, hosting):
    client = as_user(dave)
    assert client.get(page(hosting)).status_code == 404
    response = client.post(password_url(hosting))
    assert response.status_code == 404
    assert SECRET not in response.content.decode()
    assert client.post(reverse("provisioning_area:password", args=[999999])).status_code == 404


def test_a_member_of_two_customers_gets_404_for_the_one_they_are_not_acting_for(
    as_user, carol, carol_customer, dave_customer, hosting, shop, server
):
    """carol is also a technical member of dave's customer, acting for it: carol's own service is
    not the current customer's."""
    from praho.customers.current import SESSION_KEY
    from praho.customers.services.memberships import add_member

    add_member(actor=None, customer=dave_customer, user=carol, role="technical")
    client = as_user(carol)
    session = client.session
    session[SESSION_KEY] = dave_customer.pk
    session.save()
    assert client.post(password_url(hosting)).status_code == 404


def test_a_service_without_a_password_yet_says_so_and_records_nothing(as_user, carol, hosting):
    Account.objects.filter(service=hosting).update(password_sealed="")
    response = as_user(carol).post(password_url(hosting))
    assert "no panel password yet" in response.content.decode()
    assert not AuditEvent.objects.filter(action="provisioning.password_shown").exists()


def test_limits_are_times_the_quantity_with_this_months_usage(as_user, carol, hosting):
    hosting.quantity = 2
    hosting.save(update_fields=["quantity"])
    sample(hosting, 1, disk=5 * GB, bandwidth=700)
    sample(hosting, 0, disk=25 * GB, bandwidth=900, over=["disk"])

    text = as_user(carol).get(page(hosting)).content.decode()

    limits = text[text.index('data-table="limits"') :]
    disk_row = limits[
        limits.index('data-feature="disk"') : limits.index("</tr>", limits.index('data-feature="disk"'))
    ]
    assert "20 GB" in disk_row  # 10 GB times 2
    assert "25 GB (125 %)" in disk_row
    assert "over the limit" in disk_row
    mail_row = limits[limits.index('data-feature="mailboxes"') :]
    assert '<td data-label="Limit">10</td>' in mail_row.replace("\n", "")


def test_the_chart_draws_the_days_and_the_limit_line_with_a_table_fallback(as_user, carol, hosting):
    sample(hosting, 2, disk=4 * GB)
    sample(hosting, 0, disk=12 * GB, over=["disk"])

    text = as_user(carol).get(page(hosting)).content.decode()

    chart = text[text.index('data-chart="disk"') : text.index("</figure>", text.index('data-chart="disk"'))]
    assert 'role="img"' in chart
    assert "<title" in chart
    assert "<desc" in chart
    assert chart.count("<rect") == 2
    assert f'data-mb="{4 * GB}"' in chart
    assert f'data-mb="{12 * GB}"' in chart
    assert "chart-bar-over" in chart
    assert 'data-limit-mb="10240.00"' in chart
    assert "limit 10 GB" in chart
    assert 'data-table="usage-disk"' in chart
    assert "12 GB" in chart
    bandwidth = text[text.index('data-chart="bandwidth"') :]
    assert "chart-limit" not in bandwidth[: bandwidth.index("</figure>")]  # unlimited: no line


def test_without_an_account_the_panel_says_login_details_come_later(as_user, shop, carol, carol_customer):
    pending = make_service(shop.plans["web-start"], carol_customer, domain="new.ro")
    text = as_user(carol).get(page(pending)).content.decode()
    assert "Login details appear here once the service is set up." in text
    assert "data-show-password" not in text
    assert 'data-chart="disk"' not in text


@pytest.mark.parametrize("days", [1, 30])
def test_the_service_page_runs_a_fixed_number_of_queries(
    as_user, carol, hosting, django_assert_num_queries, days
):
    for day in range(days):
        sample(hosting, day, disk=day * GB, bandwidth=day)
    client = as_user(carol)
    client.get(page(hosting))  # sessions and caches warmed
    with django_assert_num_queries(QUERIES):
        assert client.get(page(hosting)).status_code == 200


# The orders page's own eight (session, user, membership, service, children, entitlements...) plus
# provisioning's two (the account with its server, the samples) and recurring's one (the plan's
# upgrade paths): the same for 1 day or 30.
QUERIES = 11
