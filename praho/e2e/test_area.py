"""The customer area in a browser, as the owner of a customer (carol): her documents and their PDF,
her company's profile, the language switch, and a 375 px wide phone."""

from __future__ import annotations

import pytest

from praho.billing.tests.test_api import HOSTING, issued
from praho.e2e.steps import log_in

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("billing_ready"),
]

PHONE = {"width": 375, "height": 740}
# document.scrollingElement: the page scrolls sideways when it is wider than the window.
SIDEWAYS_SCROLL = "document.scrollingElement.scrollWidth - window.innerWidth"


@pytest.fixture
def invoice(bill_billing, carol_customer):
    return issued(bill_billing, carol_customer, HOSTING)


def test_the_owner_sees_her_documents_opens_one_and_downloads_its_pdf(web, carol, invoice):
    log_in(web, carol)
    web.go("/app/billing/")

    numbers = web.page.locator("main table tbody td:first-child a")
    assert numbers.all_inner_texts() == [invoice.number]
    numbers.first.click()
    web.page.wait_for_url(f"**/app/billing/documents/{invoice.pk}/")
    assert invoice.number in web.page.locator("h1").inner_text()
    pdf = web.page.request.get(f"{web.base_url}/app/billing/documents/{invoice.pk}/pdf/")
    assert (pdf.status, pdf.headers["content-type"]) == (200, "application/pdf")
    assert pdf.body()[:5] == b"%PDF-"


def test_the_owner_sees_her_companys_profile(web, carol, carol_customer):
    log_in(web, carol)
    web.go("/app/customer/")

    assert web.page.locator("h1").inner_text() == "Carol Hosting SRL"
    assert web.page.locator("main h2").all_inner_texts()[:3] == [
        "Company details",
        "Tax and billing profile",
        "Billing address",
    ]


def test_switching_the_language_to_romanian_and_bulgarian_translates_the_page(web, carol, carol_customer):
    log_in(web, carol)
    web.go("/app/customer/")
    heading = web.page.locator("#identity-heading")
    assert heading.inner_text() == "Company details"

    with web.page.expect_navigation():
        web.page.select_option("#language-select", "ro")
    assert (web.page.locator("html").get_attribute("lang"), heading.inner_text()) == ("ro", "Datele firmei")

    with web.page.expect_navigation():
        web.page.select_option("#language-select", "bg")
    assert (web.page.locator("html").get_attribute("lang"), heading.inner_text()) == (
        "bg",
        "Данни на фирмата",
    )
    assert web.path() == "/app/customer/"


@pytest.mark.parametrize("web_viewport", [PHONE])
@pytest.mark.parametrize(
    "path",
    [
        "/app/",
        "/app/customer/",
        "/app/billing/",
        "/app/billing/documents/{invoice}/",
        "/app/customer/billing/",
    ],
)
def test_the_customer_area_fits_a_375_px_phone(web, carol, invoice, path):
    log_in(web, carol)
    web.go(path.format(invoice=invoice.pk))

    assert web.page.evaluate("window.innerWidth") == 375
    assert web.page.evaluate(SIDEWAYS_SCROLL) <= 0, f"{path} scrolls sideways at 375 px"


@pytest.mark.parametrize("web_viewport", [PHONE])
def test_on_a_phone_the_navigation_folds_behind_the_menu_button(web, carol):
    log_in(web, carol)
    web.go("/app/")
    toggle = web.page.locator("button.nav-toggle")
    menu = web.page.locator("#customer-menu")

    assert (toggle.is_visible(), toggle.get_attribute("aria-expanded"), menu.is_visible()) == (
        True,
        "false",
        False,
    )
    toggle.click()
    assert (toggle.get_attribute("aria-expanded"), menu.is_visible()) == ("true", True)
    menu.get_by_role("link").first.wait_for()
    toggle.click()
    assert (toggle.get_attribute("aria-expanded"), menu.is_visible()) == ("false", False)


def test_on_a_wide_screen_the_navigation_shows_without_a_menu_button(web, carol):
    log_in(web, carol)
    web.go("/app/")

    assert web.page.locator("button.nav-toggle").is_visible() is False
    assert web.page.locator("#customer-menu").is_visible() is True
