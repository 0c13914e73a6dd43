from io import StringIO

from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import override_settings

from praho.accounts.demo import DEMO_PASSWORD
from praho.accounts.models import User


@override_settings(DEBUG=True)
def test_demo_creates_one_staff_user_per_role_and_customer_users_with_the_known_password(db):
    call_command("demo", stdout=StringIO())

    staff = User.objects.filter(is_staff=True).order_by("email")
    assert [(u.email, [g.name for g in u.groups.all()]) for u in staff] == [
        ("admin@praho.test", ["admin"]),
        ("billing@praho.test", ["billing"]),
        ("manager@praho.test", ["manager"]),
        ("sales@praho.test", ["sales"]),
        ("support@praho.test", ["support"]),
    ]
    assert User.objects.filter(is_staff=False).count() == 4
    assert all(user.check_password(DEMO_PASSWORD) for user in User.objects.all())


def _snapshot():
    emails = sorted(User.objects.values_list("email", flat=True))
    return User.objects.count(), Group.objects.count(), emails


@override_settings(DEBUG=True)
def test_running_demo_twice_changes_nothing(db):
    call_command("demo", stdout=StringIO())
    before = (
        User.objects.count(),
        Group.objects.count(),
        sorted(User.objects.values_list("email", flat=True)),
    )

    call_command("demo", stdout=StringIO())

    after = (
        User.objects.count(),
        Group.objects.count(),
        sorted(User.objects.values_list("email", flat=True)),
    )
    assert after == before == (9, 5, before[2])


@override_settings(DEBUG=False)
def test_demo_without_debug_sets_no_known_password(db):
    call_command("demo", stdout=StringIO())

    assert User.objects.count() == 9
    assert not any(user.has_usable_password() for user in User.objects.all())
