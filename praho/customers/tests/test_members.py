"""Staff pages for a customer's users: /staff/customers/<id>/users/."""

import re

import pytest
from django.urls import reverse

from praho.accounts.tests.factories import UserFactory, add_totp
from praho.audit.models import AuditEvent
from praho.customers.models import Invitation, Membership
from praho.customers.services import memberships
from praho.testing.actors import member_of


def _url(customer):
    return reverse("customers:staff-members", args=[customer.pk])


@pytest.fixture
def nobody_staff(db):
    """Staff with a second factor but no role: may not see customers."""
    user = UserFactory(email="nobody@staff.test", is_staff=True)
    add_totp(user)
    return user


def test_support_sees_users_and_invitations_but_no_forms(
    staff_client, sue_support, carol, carol_customer, vic
):
    memberships.invite_user(actor=carol, customer=carol_customer, email="erin@customer.test", role="billing")

    response = staff_client(sue_support).get(_url(carol_customer))

    assert response.status_code == 200
    text = response.content.decode()
    assert [m.user.email for m in response.context["memberships"]] == [
        "carol@customer.test",
        "vic@customer.test",
    ]
    assert [i.email for i in response.context["invitations"]] == ["erin@customer.test"]
    assert "Users of Carol Hosting SRL" in text
    assert "Send invitation" not in text
    assert "/role/" not in text
    assert "/revoke/" not in text
    assert "Roles and permissions" in text


def test_the_staff_page_is_accessible(staff_client, bill_billing, carol, carol_customer, vic):
    from praho.customers.tests.test_area import assert_sound

    memberships.invite_user(actor=carol, customer=carol_customer, email="erin@customer.test", role="billing")
    client = staff_client(bill_billing)

    assert_sound(client.get(_url(carol_customer)), "staff users page")
    assert_sound(client.post(_url(carol_customer), {"email": "nope", "role": "owner"}), "staff invite error")


def test_billing_staff_see_the_forms(staff_client, bill_billing, carol_customer, vic):
    text = staff_client(bill_billing).get(_url(carol_customer)).content.decode()

    membership = Membership.objects.get(user=vic)
    assert "Send invitation" in text
    assert reverse("customers:staff-member-role", args=[carol_customer.pk, membership.pk]) in text
    assert reverse("customers:staff-member-remove", args=[carol_customer.pk, membership.pk]) in text


def test_staff_without_the_view_permission_get_404(staff_client, nobody_staff, carol_customer):
    response = staff_client(nobody_staff).get(_url(carol_customer))

    assert response.status_code == 404


def test_customer_users_never_reach_the_staff_page(client, carol, carol_customer):
    client.force_login(carol)

    assert client.get(_url(carol_customer)).status_code == 404


def test_an_unknown_or_deleted_customer_is_404(staff_client, alice_admin, carol_customer):
    from praho.customers.services.customers import delete_customer

    client = staff_client(alice_admin)
    assert client.get(reverse("customers:staff-members", args=[999999])).status_code == 404
    delete_customer(actor=alice_admin, customer=carol_customer)
    assert client.get(_url(carol_customer)).status_code == 404


def test_staff_invite_and_the_email_link_opens_the_accept_page(
    staff_client, bill_billing, carol_customer, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client(bill_billing).post(
            _url(carol_customer), {"email": "Erin@Customer.test", "role": "owner"}
        )

    assert response.status_code == 302
    assert response["Location"] == _url(carol_customer)
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.invited_by) == (
        "erin@customer.test",
        "owner",
        bill_billing,
    )
    assert len(mailoutbox) == 1
    link = re.search(r"http://127\.0\.0\.1:8700(/app/invitations/[^/\s]+/)", mailoutbox[0].body).group(1)
    erin = UserFactory(email="erin@customer.test")
    from django.test import Client

    invitee = Client()
    invitee.force_login(erin)
    page = invitee.get(link)
    assert page.status_code == 200
    assert "Join Carol Hosting SRL" in page.content.decode()


def test_a_bad_staff_invitation_names_the_field(staff_client, bill_billing, carol_customer, mailoutbox):
    response = staff_client(bill_billing).post(_url(carol_customer), {"email": "nope", "role": "owner"})

    assert response.status_code == 400
    assert response.context["form"].errors == {"email": ["Enter a valid email address."]}
    assert Invitation.objects.count() == 0


def test_support_cannot_invite(staff_client, sue_support, carol_customer, mailoutbox):
    response = staff_client(sue_support).post(
        _url(carol_customer), {"email": "erin@customer.test", "role": "owner"}
    )

    assert response.status_code == 403
    assert Invitation.objects.count() == 0


def test_staff_change_a_role(staff_client, bill_billing, carol_customer, vic):
    membership = Membership.objects.get(user=vic)

    response = staff_client(bill_billing).post(
        reverse("customers:staff-member-role", args=[carol_customer.pk, membership.pk]),
        {"role": "owner"},
        follow=True,
    )

    assert "vic@customer.test is now Owner." in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == "owner"
    event = AuditEvent.objects.get(action="customers.member_role_changed")
    assert (event.actor, event.data) == (
        bill_billing,
        {"user": "vic@customer.test", "role": ["viewer", "owner"]},
    )


def test_staff_cannot_remove_the_last_owner(staff_client, alice_admin, carol, carol_customer):
    membership = Membership.objects.get(user=carol)

    response = staff_client(alice_admin).post(
        reverse("customers:staff-member-remove", args=[carol_customer.pk, membership.pk]), follow=True
    )

    assert (
        "A customer must keep at least one owner. Make someone else owner first." in response.content.decode()
    )
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_staff_remove_a_user(staff_client, alice_admin, carol_customer, vic):
    membership = Membership.objects.get(user=vic)

    response = staff_client(alice_admin).post(
        reverse("customers:staff-member-remove", args=[carol_customer.pk, membership.pk])
    )

    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    event = AuditEvent.objects.get(action="customers.member_removed")
    assert (event.actor, event.data) == (alice_admin, {"user": "vic@customer.test", "role": "viewer"})


def test_staff_withdraw_an_invitation(staff_client, sam_sales, carol, carol_customer):
    invitation = memberships.invite_user(
        actor=carol, customer=carol_customer, email="erin@customer.test", role="viewer"
    )

    response = staff_client(sam_sales).post(
        reverse("customers:staff-invitation-revoke", args=[carol_customer.pk, invitation.pk])
    )

    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None


@pytest.mark.parametrize("name", ["staff-member-role", "staff-member-remove"])
def test_support_cannot_change_or_remove(staff_client, sue_support, carol_customer, vic, name):
    membership = Membership.objects.get(user=vic)

    response = staff_client(sue_support).post(
        reverse(f"customers:{name}", args=[carol_customer.pk, membership.pk]), {"role": "owner"}
    )

    assert response.status_code == 403
    membership.refresh_from_db()
    assert membership.role == "viewer"


def test_support_cannot_withdraw_an_invitation(staff_client, sue_support, carol, carol_customer):
    invitation = memberships.invite_user(
        actor=carol, customer=carol_customer, email="erin@customer.test", role="viewer"
    )

    response = staff_client(sue_support).post(
        reverse("customers:staff-invitation-revoke", args=[carol_customer.pk, invitation.pk])
    )

    assert response.status_code == 403
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_ids_of_another_customer_are_404_and_unchanged(
    staff_client, alice_admin, carol_customer, dave, dave_customer
):
    """Dave's membership and invitation through carol's customer URL."""
    daves = Membership.objects.get(user=dave)
    invitation = memberships.invite_user(
        actor=dave, customer=dave_customer, email="x@dave.test", role="viewer"
    )
    client = staff_client(alice_admin)

    role = client.post(
        reverse("customers:staff-member-role", args=[carol_customer.pk, daves.pk]), {"role": "viewer"}
    )
    remove = client.post(reverse("customers:staff-member-remove", args=[carol_customer.pk, daves.pk]))
    revoke = client.post(
        reverse("customers:staff-invitation-revoke", args=[carol_customer.pk, invitation.pk])
    )

    assert (role.status_code, remove.status_code, revoke.status_code) == (404, 404, 404)
    daves.refresh_from_db()
    assert daves.role == "owner"
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_staff_without_the_view_permission_change_nothing(staff_client, nobody_staff, carol_customer, vic):
    membership = Membership.objects.get(user=vic)

    response = staff_client(nobody_staff).post(
        reverse("customers:staff-member-role", args=[carol_customer.pk, membership.pk]), {"role": "owner"}
    )

    assert response.status_code == 404
    membership.refresh_from_db()
    assert membership.role == "viewer"


@pytest.mark.parametrize("count", [3, 20])
def test_the_staff_users_page_runs_a_fixed_number_of_queries(
    staff_client, sue_support, carol, carol_customer, django_assert_num_queries, count
):
    for n in range(count - 1):  # carol is the first
        member_of(carol_customer, email=f"member{n:02}@customer.test", role="technical")
    for n in range(3):
        memberships.invite_user(
            actor=carol, customer=carol_customer, email=f"guest{n}@customer.test", role="viewer"
        )
    client = staff_client(sue_support)
    # 1 session, 2 user, 3 authenticators (staff gate), 4 user permissions, 5 group permissions,
    # 6 the customer, 7 its memberships with their users, 8 pending invitations with who sent them
    with django_assert_num_queries(8):
        response = client.get(_url(carol_customer))
    assert len(response.context["memberships"]) == count
    assert len(response.context["invitations"]) == 3
