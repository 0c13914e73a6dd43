"""Provisioning's panel on a service page in a browser, as the owner (carol): the usage charts fit
a 375 px phone, and "Show password" puts the password in place of the button (htmx) without
leaving the page; without the click the password is nowhere in the page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from praho.e2e.steps import log_in
from praho.orders.models import ServiceStatus
from praho.provisioning.models import Account, UsageSample
from praho.provisioning.secrets import seal_password
from praho.testing.provisioning import make_server, make_service
from praho.testing.shop import build_shop

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("billing_ready"),
]

PHONE = {"width": 375, "height": 740}
SIDEWAYS_SCROLL = "document.scrollingElement.scrollWidth - window.innerWidth"
SECRET = "Pan3l-Pass.word_42"  # noqa: S105 (the test account's panel password)


@pytest.fixture
def hosting(carol_customer):
    shop = build_shop()
    server = make_server("virtualmin", "https://panel.example.test:10000", username="root", secret="x")  # noqa: S106
    service = make_service(
        shop.plans["web-start"], carol_customer, domain="carol.ro", status=ServiceStatus.ACTIVE
    )
    Account.objects.create(
        service=service, server=server, username="carolro", password_sealed=seal_password(SECRET)
    )
    today = timezone.localdate()
    UsageSample.objects.bulk_create(
        UsageSample(
            service=service,
            day=today - timedelta(days=days_ago),
            disk_mb=(30 - days_ago) * 400,
            bandwidth_mb=days_ago * 50,
            collected_at=timezone.now(),
        )
        for days_ago in range(30)
    )
    return service


@pytest.mark.parametrize("web_viewport", [PHONE])
def test_the_service_page_with_its_charts_fits_a_375_px_phone(web, carol, hosting):
    log_in(web, carol)
    web.go(f"/app/shop/services/{hosting.pk}/")

    assert web.page.evaluate(SIDEWAYS_SCROLL) <= 0, "the service page scrolls sideways at 375 px"
    chart = web.page.locator('[data-chart="disk"] svg')
    box = chart.bounding_box()
    assert box is not None
    assert 0 < box["width"] <= 375
    assert web.page.locator('[data-chart="disk"] rect').count() == 30


def test_show_password_swaps_the_button_for_the_password(web, carol, hosting):
    log_in(web, carol)
    web.go(f"/app/shop/services/{hosting.pk}/")
    assert SECRET not in web.page.content()
    url = web.page.url

    web.page.get_by_role("button", name="Show password").click()

    shown = web.page.locator("[data-password]")
    shown.wait_for()
    assert shown.inner_text() == SECRET
    assert web.page.url == url  # the page stayed: htmx swapped the button only
    assert web.page.get_by_role("button", name="Show password").count() == 0
