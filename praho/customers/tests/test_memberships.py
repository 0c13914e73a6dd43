"""The membership rules of praho/customers/services/memberships.py, below the pages."""

import datetime as dt
import re
import threading
import time

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction

from praho.accounts.tests.factories import UserFactory
from praho.audit.models import AuditEvent
from praho.customers.models import Invitation, Membership
from praho.customers.services import memberships
from praho.testing.actors import member_of

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _invite(actor, customer, email="erin@customer.test", role="billing", *, capture):
    """Invite and return (invitation, token); the token is read from the email, as a person would."""
    from django.core import mail

    with capture(execute=True):
        invitation = memberships.invite_user(actor=actor, customer=customer, email=email, role=role)
    token = re.search(r"/app/invitations/([^/]+)/", mail.outbox[-1].body).group(1)
    return invitation, token


def test_an_invitation_email_carries_a_working_link_and_the_role(
    carol, carol_customer, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        invitation = memberships.invite_user(
            actor=carol, customer=carol_customer, email=" Erin@Customer.TEST ", role="technical"
        )
        assert mailoutbox == []  # nothing leaves before the commit

    assert len(callbacks) == 1
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["erin@customer.test"]
    token = re.search(r"http://127\.0\.0\.1:8700/app/invitations/([^/\s]+)/", message.body).group(1)
    assert memberships.pending_invitation(token) == invitation
    assert invitation.role == "technical"
    assert invitation.email == "erin@customer.test"
    # Only the hash is stored.
    assert token not in invitation.token_hash
    event = AuditEvent.objects.get(action="customers.user_invited")
    assert event.data == {"email": "erin@customer.test", "role": "technical"}
    assert event.actor == carol


def test_an_invitation_is_valid_for_seven_days_then_refused(
    carol, carol_customer, erin, django_capture_on_commit_callbacks
):
    with time_machine.travel(START, tick=False):
        invitation, token = _invite(carol, carol_customer, capture=django_capture_on_commit_callbacks)
    assert invitation.expires_at == START + dt.timedelta(days=7)

    with time_machine.travel(START + dt.timedelta(days=7, seconds=-1), tick=False):
        assert memberships.pending_invitation(token) == invitation
    with time_machine.travel(START + dt.timedelta(days=7), tick=False):
        assert memberships.pending_invitation(token) is None
        with pytest.raises(ValidationError) as refused:
            memberships.accept_invitation(user=erin, token=token)
    assert refused.value.code == "invitation_invalid"
    assert not Membership.objects.filter(user=erin).exists()


def test_accepting_joins_with_the_invited_role_once(
    carol, carol_customer, erin, django_capture_on_commit_callbacks
):
    _invitation, token = _invite(
        carol, carol_customer, role="billing", capture=django_capture_on_commit_callbacks
    )

    membership = memberships.accept_invitation(user=erin, token=token)

    assert (membership.customer, membership.user, membership.role) == (carol_customer, erin, "billing")
    event = AuditEvent.objects.get(action="customers.invitation_accepted")
    assert event.data == {"email": "erin@customer.test", "role": "billing", "new_member": True}
    with pytest.raises(ValidationError) as second:
        memberships.accept_invitation(user=erin, token=token)
    assert second.value.code == "invitation_invalid"
    assert Membership.objects.filter(user=erin).count() == 1


def test_an_invitation_is_refused_to_another_email(
    carol, carol_customer, dave, django_capture_on_commit_callbacks
):
    _invitation, token = _invite(carol, carol_customer, capture=django_capture_on_commit_callbacks)

    with pytest.raises(ValidationError) as refused:
        memberships.accept_invitation(user=dave, token=token)

    assert refused.value.code == "invitation_other_email"
    assert refused.value.messages == [
        "This invitation was sent to erin@customer.test. Log in with that address to accept it."
    ]
    assert not Membership.objects.filter(user=dave, customer=carol_customer).exists()
    # The invitation stays usable by the right person.
    assert memberships.pending_invitation(token) is not None


def test_a_revoked_invitation_cannot_be_accepted(
    carol, carol_customer, erin, django_capture_on_commit_callbacks
):
    invitation, token = _invite(carol, carol_customer, capture=django_capture_on_commit_callbacks)

    memberships.revoke_invitation(actor=carol, invitation=invitation)

    assert memberships.pending_invitation(token) is None
    with pytest.raises(ValidationError):
        memberships.accept_invitation(user=erin, token=token)
    assert not Membership.objects.filter(user=erin).exists()
    event = AuditEvent.objects.get(action="customers.invitation_revoked")
    assert event.data == {"email": "erin@customer.test"}


def test_an_unknown_token_is_not_pending(db):
    assert memberships.pending_invitation("no-such-token") is None


def test_inviting_a_member_again_is_refused(carol, carol_customer):
    with pytest.raises(ValidationError) as refused:
        memberships.invite_user(
            actor=carol, customer=carol_customer, email="CAROL@customer.test", role="viewer"
        )

    assert refused.value.message_dict == {
        "email": ["carol@customer.test is already a user of this customer."]
    }
    assert Invitation.objects.count() == 0


def test_bad_email_and_role_are_refused_by_field(carol, carol_customer):
    with pytest.raises(ValidationError) as bad_email:
        memberships.invite_user(actor=carol, customer=carol_customer, email="not-an-email", role="viewer")
    with pytest.raises(ValidationError) as bad_role:
        memberships.invite_user(actor=carol, customer=carol_customer, email="x@example.test", role="admin")

    assert bad_email.value.message_dict == {"email": ["Enter a valid email address."]}
    assert bad_role.value.message_dict == {"role": ["Choose owner, billing, technical or viewer."]}
    assert Invitation.objects.count() == 0


@pytest.fixture
def viewer(carol_customer):
    return member_of(carol_customer, email="vic@customer.test", role="viewer")


@pytest.mark.parametrize("role", ["billing", "technical", "viewer"])
def test_members_who_are_not_owners_manage_nothing(carol, carol_customer, role):
    member = UserFactory(email="member@customer.test")
    memberships.add_member(actor=None, customer=carol_customer, user=member, role=role)
    carols = Membership.objects.get(user=carol)
    events_before = AuditEvent.objects.count()

    with pytest.raises(PermissionDenied):
        memberships.invite_user(actor=member, customer=carol_customer, email="x@example.test", role="owner")
    with pytest.raises(PermissionDenied):
        memberships.change_role(actor=member, membership=carols, role="viewer")
    with pytest.raises(PermissionDenied):
        memberships.remove_member(actor=member, membership=carols)

    carols.refresh_from_db()
    assert carols.role == "owner"
    assert Invitation.objects.count() == 0
    assert AuditEvent.objects.count() == events_before


def test_an_outsider_manages_nothing(carol, carol_customer, dave, dave_customer, viewer):
    victim = Membership.objects.get(user=viewer)

    with pytest.raises(PermissionDenied):
        memberships.change_role(actor=dave, membership=victim, role="owner")
    with pytest.raises(PermissionDenied):
        memberships.remove_member(actor=dave, membership=victim)
    with pytest.raises(PermissionDenied):
        memberships.invite_user(actor=dave, customer=carol_customer, email="x@example.test", role="owner")

    victim.refresh_from_db()
    assert victim.role == "viewer"


def test_staff_without_change_permission_manage_nothing(carol_customer, sue_support, viewer):
    victim = Membership.objects.get(user=viewer)

    with pytest.raises(PermissionDenied):
        memberships.change_role(actor=sue_support, membership=victim, role="owner")

    victim.refresh_from_db()
    assert victim.role == "viewer"


def test_a_role_change_is_audited_with_before_and_after(carol, carol_customer, viewer):
    victim = Membership.objects.get(user=viewer)

    changed = memberships.change_role(actor=carol, membership=victim, role="technical")

    assert changed.role == "technical"
    victim.refresh_from_db()
    assert victim.role == "technical"
    event = AuditEvent.objects.get(action="customers.member_role_changed")
    assert event.data == {"user": "vic@customer.test", "role": ["viewer", "technical"]}
    assert (event.actor, event.object_type, event.object_id) == (
        carol,
        "customers.customer",
        str(carol_customer.pk),
    )


def test_setting_the_same_role_changes_nothing_and_records_nothing(carol, carol_customer, viewer):
    victim = Membership.objects.get(user=viewer)

    memberships.change_role(actor=carol, membership=victim, role="viewer")

    assert not AuditEvent.objects.filter(action="customers.member_role_changed").exists()


def test_the_last_owner_cannot_be_demoted_or_removed(carol, carol_customer, viewer):
    carols = Membership.objects.get(user=carol)

    with pytest.raises(ValidationError) as demoted:
        memberships.change_role(actor=carol, membership=carols, role="viewer")
    with pytest.raises(ValidationError) as removed:
        memberships.remove_member(actor=carol, membership=carols)

    for failure in (demoted, removed):
        assert failure.value.error_dict["role"][0].code == "last_owner"
        assert failure.value.messages == [
            "A customer must keep at least one owner. Make someone else owner first."
        ]
    carols.refresh_from_db()
    assert carols.role == "owner"
    assert not AuditEvent.objects.filter(
        action__in=["customers.member_role_changed", "customers.member_removed"]
    ).exists()


def test_with_a_second_owner_the_first_may_step_down(carol, carol_customer, viewer):
    memberships.change_role(actor=carol, membership=Membership.objects.get(user=viewer), role="owner")

    memberships.remove_member(actor=carol, membership=Membership.objects.get(user=carol))

    assert list(carol_customer.memberships.values_list("user__email", "role")) == [
        ("vic@customer.test", "owner")
    ]
    event = AuditEvent.objects.get(action="customers.member_removed")
    assert event.data == {"user": "carol@customer.test", "role": "owner"}


def test_staff_who_may_change_customers_manage_users(bill_billing, carol_customer, viewer):
    memberships.change_role(
        actor=bill_billing, membership=Membership.objects.get(user=viewer), role="billing"
    )

    assert Membership.objects.get(user=viewer).role == "billing"
    assert AuditEvent.objects.get(action="customers.member_role_changed").actor == bill_billing


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_owners_demoting_each_other_at_once_leave_one_owner(carol, carol_customer):
    """The second demotion waits for the first one's row locks, then sees one owner left and is refused.

    Without the locks it would read two owners (the first change is not committed yet) and leave none.
    Row locks cannot be observed on SQLite, which allows one writer at a time anyway.
    """
    if connection.vendor != "postgresql":
        pytest.skip("select_for_update is a no-op on SQLite; run with DATABASE_URL=postgres://...")
    olga = UserFactory(email="olga@customer.test")
    memberships.add_member(actor=None, customer=carol_customer, user=olga, role="owner")
    first_holds_its_locks = threading.Event()
    outcome: dict[str, object] = {}

    def carol_demotes_olga():
        try:
            with transaction.atomic():
                memberships.change_role(
                    actor=carol, membership=Membership.objects.get(user=olga), role="viewer"
                )
                first_holds_its_locks.set()
                time.sleep(0.5)  # keep the transaction (and its row locks) open
            outcome["carol"] = "done"
        finally:
            first_holds_its_locks.set()
            connection.close()

    def olga_demotes_carol():
        first_holds_its_locks.wait(10)
        try:
            memberships.change_role(actor=olga, membership=Membership.objects.get(user=carol), role="viewer")
            outcome["olga"] = "done"
        except ValidationError as error:
            outcome["olga"] = error.error_dict["role"][0].code
        finally:
            connection.close()

    threads = [threading.Thread(target=carol_demotes_olga), threading.Thread(target=olga_demotes_carol)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert outcome == {"carol": "done", "olga": "last_owner"}
    assert sorted(carol_customer.memberships.values_list("user__email", "role")) == [
        ("carol@customer.test", "owner"),
        ("olga@customer.test", "viewer"),
    ]
