"""Staff customer pages (/staff/customers/): delete and restore, and who may do what (split from
test_staff_pages.py)."""

from __future__ import annotations

from html import unescape

import pytest

from praho.accounts.tests import html_audit
from praho.audit.models import AuditEvent
from praho.customers.models import Customer, TaxProfile
from praho.customers.tests.test_staff_pages import (
    CREATE_URL,
    DELETED_URL,
    LIST_URL,
    company_post,
    detail_url,
)

pytestmark = pytest.mark.django_db


# --- delete and restore -----------------------------------------------------------------------


def test_a_manager_deletes_a_customer_and_an_admin_restores_it(
    staff_client, mike_manager, alice_admin, carol_customer, client
):
    manager = staff_client(mike_manager)
    confirm = manager.get(f"/staff/customers/{carol_customer.pk}/delete/")

    deleted = manager.post(f"/staff/customers/{carol_customer.pk}/delete/")

    assert confirm.status_code == 200
    assert deleted.status_code == 302
    assert deleted["Location"] == LIST_URL
    carol_customer.refresh_from_db()
    assert carol_customer.is_deleted is True
    event = AuditEvent.objects.get(action="customers.deleted")
    assert (event.actor, event.object_id) == (mike_manager, str(carol_customer.pk))
    # Hidden from the manager now; an admin sees it with a banner and a restore button.
    assert manager.get(detail_url(carol_customer)).status_code == 404
    assert manager.get(DELETED_URL).status_code == 403
    client.logout()
    admin = staff_client(alice_admin)
    listing = admin.get(DELETED_URL)
    assert [customer.name for customer in listing.context["page_obj"]] == ["Carol Hosting SRL"]
    assert f'action="/staff/customers/{carol_customer.pk}/restore/"' in listing.content.decode()
    banner = admin.get(detail_url(carol_customer))
    assert banner.status_code == 200
    assert b'<div class="banner banner-danger" role="alert">' in banner.content
    assert f'action="/staff/customers/{carol_customer.pk}/restore/"' in banner.content.decode()

    restored = admin.post(f"/staff/customers/{carol_customer.pk}/restore/")

    assert restored.status_code == 302
    assert restored["Location"] == detail_url(carol_customer)
    carol_customer.refresh_from_db()
    assert carol_customer.deleted_at is None
    event = AuditEvent.objects.get(action="customers.restored")
    assert (event.actor, event.object_id) == (alice_admin, str(carol_customer.pk))
    assert admin.get(DELETED_URL).context["page_obj"].paginator.count == 0


def test_a_deleted_customer_cannot_be_deleted_again_or_edited(admin, alice_admin, carol_customer):
    from praho.customers.services.customers import delete_customer

    delete_customer(actor=alice_admin, customer=carol_customer)

    assert admin.post(f"/staff/customers/{carol_customer.pk}/delete/").status_code == 404
    assert admin.get(f"/staff/customers/{carol_customer.pk}/edit/").status_code == 404
    assert admin.get(f"/staff/customers/{carol_customer.pk}/profile/").status_code == 404
    assert AuditEvent.objects.filter(action="customers.deleted").count() == 1


# --- who may do what --------------------------------------------------------------------------


def test_support_may_look_but_not_create(staff_client, sue_support, carol_customer):
    support = staff_client(sue_support)

    assert support.get(LIST_URL).status_code == 200
    assert support.get(detail_url(carol_customer)).status_code == 200
    assert support.get(CREATE_URL).status_code == 403
    assert support.post(CREATE_URL, company_post()).status_code == 403
    assert Customer.objects.count() == 1
    page = support.get(detail_url(carol_customer))
    assert b"/edit/" not in page.content
    assert b"/delete/" not in page.content
    assert b"New customer" not in support.get(LIST_URL).content


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("edit/", "post"),
        ("profile/", "post"),
        ("vies/", "post"),
        ("delete/", "post"),
        ("restore/", "post"),
    ],
)
def test_support_may_not_change_anything(staff_client, sue_support, carol_customer, path, method):
    support = staff_client(sue_support)
    before = (Customer.objects.values().get(), list(TaxProfile.objects.values()), AuditEvent.objects.count())

    response = getattr(support, method)(
        f"/staff/customers/{carol_customer.pk}/{path}",
        {"part": "identity", "name": "Hijacked", "country": "RO", "tax_id": "14399840", "currency": "EUR"},
    )

    assert response.status_code == 403
    assert (
        Customer.objects.values().get(),
        list(TaxProfile.objects.values()),
        AuditEvent.objects.count(),
    ) == before


def test_billing_may_not_delete_and_a_manager_may_not_restore(
    staff_client, bill_billing, mike_manager, alice_admin, carol_customer, dave_customer, client
):
    from praho.customers.services.customers import delete_customer

    delete_customer(actor=alice_admin, customer=dave_customer)

    assert staff_client(bill_billing).post(f"/staff/customers/{carol_customer.pk}/delete/").status_code == 403
    client.logout()
    assert staff_client(mike_manager).post(f"/staff/customers/{dave_customer.pk}/restore/").status_code == 403
    carol_customer.refresh_from_db()
    dave_customer.refresh_from_db()
    assert (carol_customer.is_deleted, dave_customer.is_deleted) == (False, True)


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("", "get"),
        ("edit/", "get"),
        ("edit/", "post"),
        ("profile/", "post"),
        ("vies/", "post"),
        ("delete/", "post"),
        ("restore/", "post"),
    ],
)
def test_a_customer_user_finds_no_staff_page_of_any_customer(
    client, dave, carol_customer, dave_customer, path, method
):
    client.force_login(dave)
    before = (list(Customer.objects.values()), AuditEvent.objects.count())

    response = getattr(client, method)(f"/staff/customers/{carol_customer.pk}/{path}", {"name": "Hijacked"})

    assert response.status_code == 404
    assert (list(Customer.objects.values()), AuditEvent.objects.count()) == before


@pytest.mark.parametrize("url", [LIST_URL, CREATE_URL, DELETED_URL, "/staff/customers/search/?q=carol"])
def test_a_customer_user_finds_no_staff_customer_list(client, carol, carol_customer, url):
    client.force_login(carol)

    assert client.get(url).status_code == 404


def test_the_staff_menu_links_to_customers_for_staff_who_may_view_them(staff_client, sue_support, client):
    from praho.accounts.tests.factories import UserFactory, add_totp

    with_link = staff_client(sue_support).get("/staff/")
    client.logout()
    nobody = UserFactory(email="norole@staff.test", is_staff=True)
    add_totp(nobody)
    without_link = staff_client(nobody).get("/staff/")

    assert b'<a href="/staff/customers/" >Customers</a>' in with_link.content
    assert b'id="quick-search"' in with_link.content
    assert b'href="/staff/customers/"' not in without_link.content
    assert b'id="quick-search"' not in without_link.content


def test_the_pages_load_their_script_and_styles_from_static_files(admin, carol_customer):
    html = unescape(admin.get(detail_url(carol_customer)).content.decode())

    assert '<script src="/static/customers/customers.js" defer></script>' in html
    assert '<link rel="stylesheet" href="/static/customers/customers.css">' in html
    assert "<script>" not in html
    assert " style=" not in html


@pytest.mark.parametrize(
    ("path", "data", "invalid"),
    [
        ("", None, []),
        ("search/?q=carol", None, []),
        ("new/", None, []),
        ("new/?kind=individual", None, []),
        (
            "new/",
            company_post(tax_id="1", email="x", **{"address-county": ""}),
            ["tax_id", "email", "address-county"],
        ),
        ("{id}/", None, []),
        ("{id}/edit/", None, []),
        (
            "{id}/edit/",
            {"name": "", "country": "RO", "tax_id": "2", "address-street": "Str. 1", "address-city": "Cluj"}
            | {"address-county": "RO-CJ", "address-country": "RO"},
            ["name"],
        ),
        ("{id}/profile/", None, []),
        ("{id}/delete/", None, []),
        ("deleted/", None, []),
    ],
)
def test_the_pages_are_accessible_without_inline_scripts(admin, carol_customer, path, data, invalid):
    url = LIST_URL + path.format(id=carol_customer.pk)

    response = admin.post(url, data) if data else admin.get(url)

    assert response.status_code == 200
    page = html_audit.read(response.content)
    assert (page.inline_scripts, page.external_urls, page.h1_count) == ([], [], 1)
    assert page.unlabelled_controls() == []
    assert page.dangling_describedby() == []
    assert page.duplicate_ids() == []
    assert page.invalid_controls_without_error_text() == []
    assert [control["name"] for control in page.invalid_controls] == invalid
