"""The customer area's users page: members, roles and invitations (split from test_area.py)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from praho.accounts.tests.factories import UserFactory
from praho.audit.models import AuditEvent
from praho.customers.models import Invitation, Membership
from praho.customers.services import memberships
from praho.customers.tests.test_area import USERS, _text
from praho.testing.actors import member_of

# --- users ----------------------------------------------------------------


def test_the_owner_sees_users_invitations_and_the_role_matrix(as_user, carol, carol_customer, vic):
    memberships.invite_user(actor=carol, customer=carol_customer, email="erin@customer.test", role="billing")

    response = as_user(carol).get(USERS)

    text = _text(response)
    assert [m.user.email for m in response.context["memberships"]] == [
        "carol@customer.test",
        "vic@customer.test",
    ]
    assert [i.email for i in response.context["invitations"]] == ["erin@customer.test"]
    assert "Roles and permissions" in text
    assert "Invite users, change their roles and remove them" in text
    assert "Send invitation" in text


def test_the_owner_invites_by_email_and_the_link_opens_the_accept_page(
    as_user, carol, carol_customer, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(carol).post(USERS, {"email": "erin@customer.test", "role": "technical"})

    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["erin@customer.test"]
    link = re.search(r"http://127\.0\.0\.1:8700(/app/invitations/[^/\s]+/)", mailoutbox[0].body).group(1)
    erin = UserFactory(email="erin@customer.test")
    page = as_user(erin).get(link)
    assert page.status_code == 200
    text = _text(page)
    assert "Join Carol Hosting SRL" in text
    assert "<dd>Technical</dd>" in text
    assert "Accept invitation" in text


def test_a_bad_invitation_names_the_field(as_user, carol, carol_customer, mailoutbox):
    response = as_user(carol).post(USERS, {"email": "carol@customer.test", "role": "viewer"})

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "email": ["carol@customer.test is already a user of this customer."]
    }
    assert Invitation.objects.count() == 0
    assert mailoutbox == []


def test_a_viewer_cannot_invite(as_user, vic, mailoutbox):
    response = as_user(vic).post(USERS, {"email": "erin@customer.test", "role": "owner"})

    assert response.status_code == 403
    assert Invitation.objects.count() == 0
    assert mailoutbox == []


def test_the_owner_changes_a_role(as_user, carol, vic):
    membership = Membership.objects.get(user=vic)

    response = as_user(carol).post(
        reverse("customers:area-user-role", args=[membership.pk]), {"role": "billing"}, follow=True
    )

    assert "vic@customer.test is now Billing." in _text(response)
    membership.refresh_from_db()
    assert membership.role == "billing"
    event = AuditEvent.objects.get(action="customers.member_role_changed")
    assert event.data == {"user": "vic@customer.test", "role": ["viewer", "billing"]}


def test_the_last_owner_is_told_why_they_cannot_step_down(as_user, carol, carol_customer):
    membership = Membership.objects.get(user=carol)

    demote = as_user(carol).post(
        reverse("customers:area-user-role", args=[membership.pk]), {"role": "viewer"}, follow=True
    )
    remove = as_user(carol).post(reverse("customers:area-user-remove", args=[membership.pk]), follow=True)

    message = "A customer must keep at least one owner. Make someone else owner first."
    assert message in _text(demote)
    assert message in _text(remove)
    membership.refresh_from_db()
    assert membership.role == "owner"


def test_a_bad_role_changes_nothing(as_user, carol, vic):
    membership = Membership.objects.get(user=vic)

    response = as_user(carol).post(
        reverse("customers:area-user-role", args=[membership.pk]), {"role": "admin"}, follow=True
    )

    assert "Choose owner, billing, technical or viewer." in _text(response)
    membership.refresh_from_db()
    assert membership.role == "viewer"


def test_the_owner_removes_a_user(as_user, carol, vic):
    membership = Membership.objects.get(user=vic)

    response = as_user(carol).post(reverse("customers:area-user-remove", args=[membership.pk]), follow=True)

    assert "vic@customer.test no longer acts for Carol Hosting SRL." in _text(response)
    assert not Membership.objects.filter(user=vic).exists()


def test_an_owner_may_leave_when_another_owner_stays(as_user, carol, carol_customer):
    member_of(carol_customer, email="olga@customer.test", role="owner")
    membership = Membership.objects.get(user=carol)

    response = as_user(carol).post(reverse("customers:area-user-remove", args=[membership.pk]))

    assert response["Location"] == reverse("customer-dashboard")
    assert not Membership.objects.filter(user=carol).exists()


def test_the_owner_withdraws_an_invitation(as_user, carol, carol_customer):
    invitation = memberships.invite_user(
        actor=carol, customer=carol_customer, email="erin@customer.test", role="viewer"
    )

    response = as_user(carol).post(reverse("customers:area-invitation-revoke", args=[invitation.pk]))

    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None


@pytest.mark.parametrize("action", ["area-user-role", "area-user-remove"])
def test_a_viewer_cannot_change_or_remove_users(as_user, carol, vic, action):
    carols = Membership.objects.get(user=carol)

    response = as_user(vic).post(reverse(f"customers:{action}", args=[carols.pk]), {"role": "viewer"})

    assert response.status_code == 403
    carols.refresh_from_db()
    assert carols.role == "owner"


def test_another_customers_users_and_invitations_are_404_and_unchanged(
    as_user, carol, carol_customer, dave, dave_customer, vic
):
    victim = Membership.objects.get(user=vic)
    invitation = memberships.invite_user(
        actor=carol, customer=carol_customer, email="erin@customer.test", role="viewer"
    )
    client = as_user(dave)  # an owner, but of another customer

    role = client.post(reverse("customers:area-user-role", args=[victim.pk]), {"role": "owner"})
    remove = client.post(reverse("customers:area-user-remove", args=[victim.pk]))
    revoke = client.post(reverse("customers:area-invitation-revoke", args=[invitation.pk]))

    assert (role.status_code, remove.status_code, revoke.status_code) == (404, 404, 404)
    victim.refresh_from_db()
    assert victim.role == "viewer"
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
    assert not AuditEvent.objects.filter(actor=dave).exclude(action="auth.login").exists()


def _members(customer, count):
    for n in range(count - 1):  # carol is the first
        member_of(customer, email=f"member{n:02}@customer.test", role="viewer")
    for n in range(3):
        memberships.invite_user(
            actor=customer.memberships.get(role="owner").user,
            customer=customer,
            email=f"guest{n}@customer.test",
            role="billing",
        )


@pytest.mark.parametrize("count", [3, 20])
def test_the_users_page_runs_a_fixed_number_of_queries(
    as_user, carol, carol_customer, django_assert_num_queries, count
):
    _members(carol_customer, count)
    client = as_user(carol)
    # 1 session, 2 user, 3 the user's memberships with their customers (current customer),
    # 4 the customer's memberships with their users, 5 pending invitations with who sent them
    with django_assert_num_queries(5):
        response = client.get(USERS)
    assert len(response.context["memberships"]) == count
    assert len(response.context["invitations"]) == 3
