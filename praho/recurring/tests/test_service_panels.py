"""Recurring billing's panels on the service pages: the customer area's (renews on / ends after,
cancel at the period's end and keep it, upgrade along the catalog's paths with the preview before
confirming; billing members only, 404 for other customers) and the staff's (the same, cancel now
with a credit note, any plan of the module). Plain forms: every action works without JavaScript;
htmx gets the preview alone."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from praho.billing.models import DocumentType
from praho.core.validation import fiscal_today
from praho.orders.models import Service, ServiceStatus
from praho.recurring.tests.proration_fixtures import billed_period, running_service

TODAY = fiscal_today()


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def vps(shop, carol_customer, alice_admin):
    """vps-s, started ten days ago, its first period paid."""
    from dateutil.relativedelta import relativedelta

    anchor = TODAY - timedelta(days=10)
    service = running_service(
        shop, carol_customer, billing_anchor=anchor, next_due_date=anchor + relativedelta(months=1)
    )
    billed_period(service, 0, actor=alice_admin)
    return service


def area_page(service):
    return reverse("orders:area-service", args=[service.pk])


def area(name, service):
    return reverse(f"recurring:area-service-{name}", args=[service.pk])


def staff(name, service):
    return reverse(f"recurring:staff-service-{name}", args=[service.pk])


def test_the_area_panel_shows_when_it_renews_and_cancels_at_the_periods_end(as_user, carol, vps):
    client = as_user(carol)
    html = client.get(area_page(vps)).content.decode()
    assert 'data-panel="recurring"' in html
    assert "Renews on" in html
    assert "Cancel at the end of the period" in html
    assert "VPS M" in html  # the upgrade path

    response = client.post(area("cancel", vps))
    assert response.status_code == 302
    assert response["Location"] == area_page(vps)
    vps.refresh_from_db()
    assert vps.cancel_at == vps.next_due_date - timedelta(days=1)
    html = client.get(area_page(vps)).content.decode()
    assert "Ends after" in html
    assert "Keep it" in html
    assert "renews no more" in html

    client.post(area("resume", vps))
    vps.refresh_from_db()
    assert vps.cancel_at is None


def test_the_upgrade_is_previewed_then_confirmed(as_user, carol, vps, shop):
    client = as_user(carol)
    vps_m = shop.plans["vps-m"]
    page = client.get(area("change-plan", vps), {"plan": vps_m.pk})
    assert page.status_code == 200
    preview = page.context["preview"]
    assert preview.net > 0
    html = page.content.decode()
    assert "Confirm the upgrade" in html
    assert f"{preview.net:.2f}".replace(".", ",") in html or f"{preview.net:.2f}" in html
    partial = client.get(area("change-plan", vps), {"plan": vps_m.pk}, HTTP_HX_REQUEST="true")
    assert b"<html" not in partial.content
    assert b"data-preview" in partial.content

    response = client.post(area("change-plan", vps), {"plan": vps_m.pk})
    assert response.status_code == 302
    proforma = vps.customer.documents.get(document_type=DocumentType.PROFORMA)
    assert proforma.net_total == preview.net
    assert Service.objects.get(pk=vps.pk).price == Decimal("200.00")


def test_customers_may_not_pick_a_plan_off_the_upgrade_paths(as_user, carol, vps, shop):
    client = as_user(carol)
    response = client.post(area("change-plan", vps), {"plan": shop.plans["backup"].pk}, follow=True)
    assert "Choose a plan from the list." in response.content.decode()
    response = client.get(area("change-plan", vps), {"plan": "x"}, follow=True)
    assert "Choose a plan from the list." in response.content.decode()
    assert not vps.customer.documents.filter(document_type=DocumentType.PROFORMA).exists()


def test_viewers_see_the_dates_only_and_others_get_404(as_user, erin_viewer, dave, dave_customer, vps):
    client = as_user(erin_viewer)
    html = client.get(area_page(vps)).content.decode()
    assert "Renews on" in html
    assert "Cancel at the end of the period" not in html
    assert client.post(area("cancel", vps)).status_code == 403
    client = as_user(dave)
    assert client.post(area("cancel", vps)).status_code == 404
    assert client.get(area("change-plan", vps), {"plan": "1"}).status_code == 404
    assert Service.objects.get(pk=vps.pk).cancel_at is None


def test_a_refusal_is_a_message_not_an_error_page(as_user, carol, vps):
    Service.objects.filter(pk=vps.pk).update(cancel_at=date(2030, 1, 1))
    response = as_user(carol).post(area("cancel", vps), follow=True)
    assert response.status_code == 200
    assert "The service is cancelled already" in response.content.decode()


def test_staff_panel_cancels_now_with_a_credit_note(staff_client, alice_admin, vps):
    client = staff_client(alice_admin)
    html = client.get(reverse("orders:service", args=[vps.pk])).content.decode()
    assert 'data-panel="recurring"' in html
    assert "Cancel now, crediting the unused days" in html

    response = client.post(staff("cancel", vps), {"when": "now"}, follow=True)
    assert response.status_code == 200
    note = vps.customer.documents.get(document_type=DocumentType.CREDIT_NOTE)
    assert note.number in response.content.decode()
    assert Service.objects.get(pk=vps.pk).status == ServiceStatus.TERMINATED


def test_staff_panel_cancels_at_the_end_and_takes_it_back(staff_client, alice_admin, vps):
    client = staff_client(alice_admin)
    client.post(staff("cancel", vps), {"when": "period_end"})
    vps.refresh_from_db()
    assert vps.cancel_at is not None
    client.post(staff("resume", vps))
    vps.refresh_from_db()
    assert vps.cancel_at is None
    response = client.post(staff("cancel", vps), {"when": "soon"}, follow=True)
    assert [str(message) for message in response.context["messages"]][-1] == 'Choose "period_end" or "now".'


def test_staff_move_to_any_plan_of_the_module_after_the_preview(
    staff_client, alice_admin, carol_customer, shop
):
    service = running_service(shop, carol_customer, "vps-m", price="200.00", list_price="200.00")
    client = staff_client(alice_admin)
    page = client.get(staff("change-plan", service), {"plan": shop.plans["vps-s"].pk})
    assert page.status_code == 200
    assert page.context["preview"].net < 0
    assert "Change the plan" in page.content.decode()
    client.post(staff("change-plan", service), {"plan": shop.plans["vps-s"].pk})
    assert Service.objects.get(pk=service.pk).price == Decimal("100.00")


def test_staff_without_the_permission_may_not_act(staff_client, sam_sales, vps):
    client = staff_client(sam_sales)
    html = client.get(reverse("orders:service", args=[vps.pk])).content.decode()
    assert "Cancel now" not in html
    assert client.post(staff("cancel", vps), {"when": "now"}).status_code == 403
    assert client.get(staff("change-plan", vps), {"plan": "1"}).status_code == 403
    assert Service.objects.get(pk=vps.pk).status == ServiceStatus.ACTIVE
