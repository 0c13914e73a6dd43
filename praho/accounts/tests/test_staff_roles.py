"""The staff list and role editing pages (/staff/users/)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from praho.accounts.models import User
from praho.accounts.tests.factories import UserFactory
from praho.accounts.tests.steps import USER_AGENT, log_in_with_totp
from praho.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

LIST_URL = "/staff/users/"


def roles_of(user: User) -> list[str]:
    return sorted(user.groups.values_list("name", flat=True))


def roles_url(user: User) -> str:
    return f"/staff/users/{user.pk}/roles/"


@pytest.fixture
def admin(browser, alice_admin):
    """alice_admin, logged in through the real login and code steps."""
    log_in_with_totp(browser, alice_admin)
    return browser


def test_the_list_shows_staff_with_their_roles_and_no_customers(admin, alice_admin, bill_billing, carol):
    response = admin.get(LIST_URL)

    assert response.status_code == 200
    assert [
        (member.email, [group.name for group in member.groups.all()])
        for member in response.context["members"]
    ] == [
        ("alice@staff.test", ["admin"]),
        ("bill@staff.test", ["billing"]),
    ]
    assert b'<span class="badge">Administrator</span>' in response.content
    assert b"carol@customer.test" not in response.content


def test_an_admin_adds_a_customer_user_as_staff_with_two_roles(admin, alice_admin, carol):
    response = admin.post(LIST_URL, {"email": "Carol@customer.test", "roles": ["billing", "support"]})

    assert response.status_code == 302
    assert response["Location"] == LIST_URL
    carol.refresh_from_db()
    assert carol.is_staff is True
    assert roles_of(carol) == ["billing", "support"]
    page = admin.get(LIST_URL)
    assert [str(message) for message in page.context["messages"]][-1] == "carol@customer.test is now staff."
    event = AuditEvent.objects.get(action="accounts.roles_changed")
    assert event.actor == alice_admin
    assert event.object_type == "accounts.user"
    assert event.object_id == str(carol.pk)
    assert event.data == {"before": [], "after": ["billing", "support"], "was_staff": False, "is_staff": True}
    assert event.ip_address == "127.0.0.1"
    assert event.user_agent == USER_AGENT
    assert event.request_id == response["X-Request-ID"]


def test_an_admin_changes_the_roles_of_a_staff_member(admin, bill_billing):
    page = admin.get(roles_url(bill_billing))

    response = admin.post(roles_url(bill_billing), {"roles": ["sales", "support"]})

    assert page.status_code == 200
    assert page.context["form"].initial == {"roles": ["billing"]}
    assert response.status_code == 302
    assert response["Location"] == LIST_URL
    bill_billing.refresh_from_db()
    assert roles_of(bill_billing) == ["sales", "support"]
    assert bill_billing.is_staff is True
    event = AuditEvent.objects.get(action="accounts.roles_changed")
    assert event.data == {
        "before": ["billing"],
        "after": ["sales", "support"],
        "was_staff": True,
        "is_staff": True,
    }


def test_removing_every_role_revokes_staff(admin, bill_billing):
    response = admin.post(roles_url(bill_billing), {})

    assert response.status_code == 302
    bill_billing.refresh_from_db()
    assert bill_billing.is_staff is False
    assert roles_of(bill_billing) == []
    event = AuditEvent.objects.get(action="accounts.roles_changed")
    assert event.data == {"before": ["billing"], "after": [], "was_staff": True, "is_staff": False}
    assert admin.get(roles_url(bill_billing)).status_code == 404


def test_saving_the_same_roles_writes_no_event(admin, bill_billing):
    response = admin.post(roles_url(bill_billing), {"roles": ["billing"]})

    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="accounts.roles_changed").count() == 0


def test_roles_outside_the_role_list_keep_their_groups(admin, bill_billing):
    other = Group.objects.create(name="newsletter")
    bill_billing.groups.add(other)

    admin.post(roles_url(bill_billing), {"roles": ["sales"]})

    assert roles_of(bill_billing) == ["newsletter", "sales"]


def test_an_inactive_account_cannot_be_added(admin, carol):
    carol.is_active = False
    carol.save(update_fields=["is_active"])

    response = admin.post(LIST_URL, {"email": carol.email, "roles": ["billing"]})

    assert response.context["form"].errors == {
        "email": ["The account using this email address is deactivated; it cannot be made staff."]
    }
    assert b'<ul class="field-errors" id="id_email_error">' in response.content
    carol.refresh_from_db()
    assert carol.is_staff is False
    assert AuditEvent.objects.filter(action="accounts.roles_changed").count() == 0


def test_an_account_with_an_unconfirmed_email_cannot_be_added(admin):
    newcomer = UserFactory(email="newcomer@example.test", verified=False)

    response = admin.post(LIST_URL, {"email": newcomer.email, "roles": ["billing"]})

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "email": ["The account's email address is not confirmed yet; it cannot be given staff roles."]
    }
    newcomer.refresh_from_db()
    assert newcomer.is_staff is False
    assert roles_of(newcomer) == []


def test_adding_someone_who_is_already_staff_points_to_the_edit_page(admin, bill_billing):
    response = admin.post(LIST_URL, {"email": bill_billing.email, "roles": ["sales"]})

    assert response.context["form"].errors == {
        "email": ["bill@staff.test is already staff. Change their roles from the list above."]
    }
    assert roles_of(bill_billing) == ["billing"]


def test_adding_without_a_role_is_an_error_on_the_roles_field(admin, carol):
    response = admin.post(LIST_URL, {"email": carol.email})

    assert response.status_code == 200
    assert response.context["form"].errors == {"roles": ["Choose at least one role."]}
    assert b'<fieldset aria-describedby="id_roles_helptext id_roles_error">' in response.content
    carol.refresh_from_db()
    assert carol.is_staff is False


def test_an_unknown_role_is_refused(admin, carol):
    response = admin.post(LIST_URL, {"email": carol.email, "roles": ["superhero"]})

    assert response.context["form"].errors == {
        "roles": ["Select a valid choice. superhero is not one of the available choices."]
    }
    carol.refresh_from_db()
    assert carol.is_staff is False


def test_the_last_admin_cannot_drop_the_admin_role(admin, alice_admin):
    response = admin.post(roles_url(alice_admin), {"roles": ["billing"]})

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "roles": ["alice@staff.test is the last administrator and must keep the admin role."]
    }
    assert b"is the last administrator and must keep the admin role." in response.content
    alice_admin.refresh_from_db()
    assert alice_admin.is_staff is True
    assert roles_of(alice_admin) == ["admin"]
    assert AuditEvent.objects.filter(action="accounts.roles_changed").count() == 0


def test_the_last_admin_cannot_remove_every_role_either(admin, alice_admin):
    response = admin.post(roles_url(alice_admin), {})

    assert response.status_code == 200
    alice_admin.refresh_from_db()
    assert alice_admin.is_staff is True
    assert roles_of(alice_admin) == ["admin"]


def test_an_admin_may_drop_the_admin_role_while_another_admin_remains(admin, alice_admin, nora_nomfa):
    response = admin.post(roles_url(alice_admin), {"roles": ["manager"]})

    assert response.status_code == 302
    assert roles_of(alice_admin) == ["manager"]
    # alice no longer manages roles.
    assert admin.get(LIST_URL).status_code == 403


@pytest.mark.parametrize("fixture", ["bill_billing", "mike_manager", "sue_support", "sam_sales"])
def test_staff_without_the_admin_role_are_forbidden(request, fixture, staff_client, carol, alice_admin):
    client = staff_client(request.getfixturevalue(fixture))

    listing = client.get(LIST_URL)
    adding = client.post(LIST_URL, {"email": carol.email, "roles": ["admin"]})
    editing = client.post(roles_url(alice_admin), {"roles": ["billing"]})

    assert (listing.status_code, adding.status_code, editing.status_code) == (403, 403, 403)
    carol.refresh_from_db()
    assert carol.is_staff is False
    assert roles_of(alice_admin) == ["admin"]
    assert AuditEvent.objects.filter(action="accounts.roles_changed").count() == 0


def test_a_customer_does_not_find_the_staff_pages(staff_client, carol, alice_admin):
    client = staff_client(carol)

    assert client.get(LIST_URL).status_code == 404
    assert client.post(LIST_URL, {"email": carol.email, "roles": ["admin"]}).status_code == 404
    assert client.get(roles_url(alice_admin)).status_code == 404
    carol.refresh_from_db()
    assert carol.is_staff is False


def test_the_role_page_of_a_non_staff_user_is_not_found(admin, carol):
    assert admin.get(roles_url(carol)).status_code == 404
    assert admin.post(roles_url(carol), {"roles": ["admin"]}).status_code == 404
    carol.refresh_from_db()
    assert carol.is_staff is False


def test_the_role_page_of_an_unknown_id_is_not_found(admin):
    assert admin.get("/staff/users/999999/roles/").status_code == 404


def test_an_anonymous_visitor_is_sent_to_log_in(browser):
    response = browser.get(LIST_URL)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/staff/users/"


@pytest.mark.parametrize("extra_staff", [5, 20])
def test_the_staff_list_takes_the_same_number_of_queries_for_any_number_of_staff(
    extra_staff, alice_admin, staff_client, django_assert_num_queries
):
    for _ in range(extra_staff):
        UserFactory(is_staff=True, roles=["billing", "support"])
    client = staff_client(alice_admin)

    # 1 session, 2 the logged-in user, 3 her authenticators (staff gate),
    # 4 her user permissions, 5 her group permissions (permission_required),
    # 6 staff users, 7 their role groups (one prefetch), 8 open staff invitations.
    with django_assert_num_queries(8):
        response = client.get(LIST_URL)

    assert response.status_code == 200
    assert len(response.context["members"]) == extra_staff + 1
