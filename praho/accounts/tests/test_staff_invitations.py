"""Inviting a new staff member by e-mail: the link, the password, the second factor, the roles."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core import mail
from django.utils import timezone

from praho.accounts.models import StaffInvitation, User
from praho.accounts.tests.steps import TOTP_ACTIVATE_URL, activate_totp, log_in, new_browser
from praho.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

LIST_URL = "/staff/users/"
NEW_PASSWORD = "cobalt-harbour-piano-58"


@pytest.fixture
def admin(staff_client, alice_admin):
    return staff_client(alice_admin)


def invite(admin, email: str = "new.clerk@praho.test", roles=("billing",), *, capture):
    with capture(execute=True):
        return admin.post(LIST_URL, {"email": email, "roles": list(roles)})


def invitation_link(index: int = -1) -> str:
    match = re.search(r"http://127\.0\.0\.1:8700(/invitations/staff/\S+/)", mail.outbox[index].body)
    assert match, mail.outbox[index].body
    return match.group(1)


def accept(link: str, password: str = NEW_PASSWORD, again: str | None = None):
    return new_browser().post(link, {"password1": password, "password2": again or password})


def test_inviting_an_unknown_address_sends_a_link_and_is_audited(
    admin, alice_admin, django_capture_on_commit_callbacks
):
    response = invite(admin, roles=["billing", "support"], capture=django_capture_on_commit_callbacks)

    assert response.status_code == 302
    invitation = StaffInvitation.objects.get()
    assert (invitation.email, invitation.roles, invitation.invited_by) == (
        "new.clerk@praho.test",
        ["billing", "support"],
        alice_admin,
    )
    [email] = mail.outbox
    assert email.to == ["new.clerk@praho.test"]
    assert email.subject == "You are invited to join the staff of PRAHO"
    assert "with the roles: Billing, Support." in email.body
    assert User.objects.filter(email="new.clerk@praho.test").exists() is False
    event = AuditEvent.objects.get(action="accounts.staff_invited")
    assert (event.actor, event.data) == (
        alice_admin,
        {"email": "new.clerk@praho.test", "roles": ["billing", "support"]},
    )
    page = admin.get(LIST_URL)
    assert list(page.context["invitations"]) == [invitation]


def test_the_invitee_sets_a_password_sets_up_totp_and_is_staff_with_the_roles(
    admin, alice_admin, django_capture_on_commit_callbacks
):
    invite(admin, capture=django_capture_on_commit_callbacks)
    link = invitation_link()
    browser = new_browser()
    assert browser.get(link).status_code == 200

    response = browser.post(link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    user = User.objects.get(email="new.clerk@praho.test")
    assert user.is_staff is True
    assert sorted(user.groups.values_list("name", flat=True)) == ["billing"]
    assert EmailAddress.objects.filter(user=user, verified=True, primary=True).count() == 1
    assert list(
        AuditEvent.objects.filter(action__in=["accounts.staff_invitation_accepted", "accounts.roles_changed"])
        .order_by("id")
        .values_list("action", "actor")
    ) == [("accounts.staff_invitation_accepted", user.pk), ("accounts.roles_changed", alice_admin.pk)]
    # Logging in leads to the authenticator set-up the staff MFA policy asks for, then the staff area.
    assert log_in(browser, user.email, NEW_PASSWORD)["Location"] == "/"
    assert browser.get("/staff/")["Location"] == TOTP_ACTIVATE_URL
    activate_totp(browser)
    assert browser.get("/staff/").status_code == 200


def test_a_used_link_is_refused(admin, django_capture_on_commit_callbacks):
    invite(admin, capture=django_capture_on_commit_callbacks)
    link = invitation_link()
    accept(link)

    response = new_browser().get(link)

    assert response.status_code == 410
    assert "This invitation is not valid any more: it expired, was used or was withdrawn." in (
        response.content.decode()
    )
    assert accept(link, "another-password-93").status_code == 410
    assert User.objects.get(email="new.clerk@praho.test").check_password(NEW_PASSWORD)


def test_an_expired_link_is_refused_and_sending_it_again_gives_a_new_one(
    admin, django_capture_on_commit_callbacks
):
    invite(admin, capture=django_capture_on_commit_callbacks)
    old_link = invitation_link()
    invitation = StaffInvitation.objects.get()

    with time_machine.travel(timezone.now() + timedelta(days=3, seconds=1)):
        assert accept(old_link).status_code == 410
        assert User.objects.filter(email="new.clerk@praho.test").exists() is False
        with django_capture_on_commit_callbacks(execute=True):
            response = admin.post(f"/staff/users/invitations/{invitation.pk}/resend/")
        assert response.status_code == 302
        new_link = invitation_link()
        assert new_link != old_link
        assert accept(old_link).status_code == 410
        assert accept(new_link).status_code == 302

    assert User.objects.get(email="new.clerk@praho.test").is_staff is True
    assert AuditEvent.objects.filter(action="accounts.staff_invitation_resent").count() == 1


def test_a_withdrawn_invitation_is_refused(admin, django_capture_on_commit_callbacks):
    invite(admin, capture=django_capture_on_commit_callbacks)
    link = invitation_link()
    invitation = StaffInvitation.objects.get()

    assert admin.post(f"/staff/users/invitations/{invitation.pk}/revoke/").status_code == 302

    assert accept(link).status_code == 410
    assert User.objects.filter(email="new.clerk@praho.test").exists() is False
    assert AuditEvent.objects.filter(action="accounts.staff_invitation_revoked").count() == 1
    assert list(admin.get(LIST_URL).context["invitations"]) == []
    assert admin.post(f"/staff/users/invitations/{invitation.pk}/resend/").status_code == 302
    assert len(mail.outbox) == 1


def test_a_weak_or_mismatched_password_is_refused_and_nothing_is_created(
    admin, django_capture_on_commit_callbacks
):
    invite(admin, capture=django_capture_on_commit_callbacks)
    link = invitation_link()

    mismatched = accept(link, NEW_PASSWORD, "something-else-77")
    weak = accept(link, "12345678")

    assert mismatched.status_code == 400
    assert mismatched.context["form"].errors == {"password2": ["You must type the same password each time."]}
    assert weak.status_code == 400
    assert list(weak.context["form"].errors) == ["password1"]
    assert User.objects.filter(email="new.clerk@praho.test").exists() is False
    assert StaffInvitation.objects.get().accepted_at is None


def test_an_existing_account_is_given_the_roles_at_once_without_invitation(
    admin, carol, django_capture_on_commit_callbacks
):
    invite(admin, carol.email, capture=django_capture_on_commit_callbacks)

    carol.refresh_from_db()
    assert carol.is_staff is True
    assert StaffInvitation.objects.count() == 0
    assert mail.outbox == []


def test_staff_without_the_admin_role_cannot_invite(staff_client, bill_billing):
    client = staff_client(bill_billing)

    response = client.post(LIST_URL, {"email": "x@praho.test", "roles": ["admin"]})

    assert response.status_code == 403
    assert StaffInvitation.objects.count() == 0
