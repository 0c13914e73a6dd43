"""REST API v1 for customers: a customer's users (memberships and invitations), split from
test_api.py."""

from __future__ import annotations

import pytest
import time_machine

from praho.customers.models import Invitation, Membership
from praho.customers.tests.test_api import FROZEN, FROZEN_LOCAL, stored_rows, user_url, users_url
from praho.testing.api import bearer, error_of, invalid

pytestmark = pytest.mark.django_db


# --- Users ------------------------------------------------------------------------


def test_the_users_of_a_customer_are_listed_for_anyone_who_sees_it(
    carol, erin_viewer, carol_customer, sue_support, django_assert_num_queries
):
    carols, erins = Membership.objects.get(user=carol), Membership.objects.get(user=erin_viewer)
    Membership.objects.filter(customer=carol_customer).update(created_at=FROZEN)
    client = bearer(erin_viewer)

    # 1 the user (JWT), 2 the customer (customer_for), 3 COUNT, 4 the memberships with their users.
    with django_assert_num_queries(4):
        response = client.get(users_url(carol_customer.pk))

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert body["results"][0] == {
        "id": carols.pk,
        "user": carol.pk,
        "email": "carol@customer.test",
        "name": carol.get_full_name(),
        "role": "owner",
        "since": FROZEN_LOCAL,
    }
    assert body["results"][1] == {
        "id": erins.pk,
        "user": erin_viewer.pk,
        "email": "erin@customer.test",
        "name": "Erin Pop",
        "role": "viewer",
        "since": FROZEN_LOCAL,
    }
    assert bearer(sue_support).get(users_url(carol_customer.pk)).json()["count"] == 2


def test_an_owner_invites_a_user_and_the_email_leaves_on_commit(
    carol, carol_customer, mailoutbox, django_capture_on_commit_callbacks
):
    with time_machine.travel(FROZEN, tick=False), django_capture_on_commit_callbacks(execute=True):
        response = bearer(carol).post(
            users_url(carol_customer.pk), {"email": "New@Carol.test", "role": "billing"}, format="json"
        )

    assert response.status_code == 201
    invitation = Invitation.objects.get()
    assert response.json() == {
        "id": invitation.pk,
        "email": "new@carol.test",
        "role": "billing",
        "expires_at": "2025-07-08T12:00:00+03:00",
    }
    assert (invitation.customer, invitation.invited_by) == (carol_customer, carol)
    assert [message.to for message in mailoutbox] == [["new@carol.test"]]


def test_staff_with_the_change_permission_invite_users(
    sam_sales, carol_customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        response = bearer(sam_sales).post(
            users_url(carol_customer.pk), {"email": "it@carol.test", "role": "technical"}, format="json"
        )

    assert response.status_code == 201
    assert Invitation.objects.get().invited_by == sam_sales


@pytest.mark.parametrize("actor", ["erin_viewer", "sue_support"])
def test_viewers_and_support_staff_may_not_invite(request, actor, carol_customer):
    user = request.getfixturevalue(actor)
    before = stored_rows()

    response = bearer(user).post(
        users_url(carol_customer.pk), {"email": "x@carol.test", "role": "owner"}, format="json"
    )

    assert response.status_code == 403
    assert stored_rows() == before


def test_an_invitation_with_a_bad_email_or_role_names_the_field(carol, carol_customer):
    client = bearer(carol)

    bad_email = client.post(
        users_url(carol_customer.pk), {"email": "nobody@", "role": "owner"}, format="json"
    )
    bad_role = client.post(
        users_url(carol_customer.pk), {"email": "a@carol.test", "role": "boss"}, format="json"
    )

    assert error_of(bad_email) == invalid({"email": ["Enter a valid email address."]})
    assert error_of(bad_role) == invalid({"role": ['"boss" is not a valid choice.']})
    assert Invitation.objects.count() == 0


def test_inviting_an_existing_user_is_refused_with_the_member_code(carol, erin_viewer, carol_customer):
    response = bearer(carol).post(
        users_url(carol_customer.pk), {"email": "ERIN@customer.test", "role": "owner"}, format="json"
    )

    message = "erin@customer.test is already a user of this customer."
    assert error_of(response) == {
        "status": 400,
        "code": "member",
        "message": message,
        "fields": {"email": [message]},
    }
    assert Invitation.objects.count() == 0


def test_an_owner_changes_a_role(carol, erin_viewer, carol_customer):
    erins = Membership.objects.get(user=erin_viewer)

    response = bearer(carol).patch(user_url(carol_customer.pk, erins.pk), {"role": "billing"}, format="json")

    assert response.status_code == 200
    assert (response.json()["id"], response.json()["role"]) == (erins.pk, "billing")
    erins.refresh_from_db()
    assert erins.role == "billing"


def test_the_last_owner_cannot_step_down_or_leave(carol, carol_customer):
    carols = Membership.objects.get(user=carol)
    client = bearer(carol)
    before = stored_rows()
    message = "A customer must keep at least one owner. Make someone else owner first."
    last_owner = {"status": 400, "code": "last_owner", "message": message, "fields": {"role": [message]}}

    demoted = client.patch(user_url(carol_customer.pk, carols.pk), {"role": "viewer"}, format="json")
    removed = client.delete(user_url(carol_customer.pk, carols.pk))

    assert (demoted.status_code, removed.status_code) == (400, 400)
    assert error_of(demoted) == last_owner
    assert error_of(removed) == last_owner
    assert stored_rows() == before
    assert Membership.objects.get(pk=carols.pk).role == "owner"


def test_an_owner_removes_a_user(carol, erin_viewer, carol_customer):
    erins = Membership.objects.get(user=erin_viewer)

    response = bearer(carol).delete(user_url(carol_customer.pk, erins.pk))

    assert response.status_code == 204
    assert list(Membership.objects.filter(customer=carol_customer).values_list("user__email", flat=True)) == [
        "carol@customer.test"
    ]


def test_a_viewer_may_not_change_roles_or_remove_users(erin_viewer, carol, carol_customer):
    carols = Membership.objects.get(user=carol)
    client = bearer(erin_viewer)
    before = stored_rows()

    changed = client.patch(user_url(carol_customer.pk, carols.pk), {"role": "viewer"}, format="json")
    removed = client.delete(user_url(carol_customer.pk, carols.pk))

    assert (changed.status_code, removed.status_code) == (403, 403)
    assert stored_rows() == before
    assert Membership.objects.get(pk=carols.pk).role == "owner"


def test_a_membership_of_another_customer_is_404_under_this_one(carol, dave, carol_customer, dave_customer):
    daves = Membership.objects.get(user=dave)

    response = bearer(carol).patch(user_url(carol_customer.pk, daves.pk), {"role": "viewer"}, format="json")

    assert response.status_code == 404
    assert Membership.objects.get(pk=daves.pk).role == "owner"
