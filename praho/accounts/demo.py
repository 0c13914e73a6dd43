"""Demo users: one staff member per role and a few customer users."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group

from praho.accounts.models import User
from praho.accounts.roles import Role

DEMO_PASSWORD = "praho-demo-2026"  # noqa: S105 - development only, set when DEBUG is on

STAFF = [
    (Role.ADMIN, "admin@praho.test", "Ana", "Popescu"),
    (Role.MANAGER, "manager@praho.test", "Mihai", "Ionescu"),
    (Role.BILLING, "billing@praho.test", "Elena", "Dumitru"),
    (Role.SUPPORT, "support@praho.test", "Radu", "Stan"),
    (Role.SALES, "sales@praho.test", "Ioana", "Marin"),
]
CUSTOMERS = [
    ("owner@acme-hosting.test", "Andrei", "Georgescu", "ro"),
    ("billing@acme-hosting.test", "Maria", "Constantin", "ro"),
    ("ivan@sofia-web.test", "Ivan", "Petrov", "bg"),
    ("jane@example-shop.test", "Jane", "Smith", "en"),
]


def _user(email: str, first: str, last: str, *, language: str, with_password: bool, staff: bool) -> User:
    user, created = User.objects.get_or_create(
        email=email,
        defaults={"first_name": first, "last_name": last, "language": language, "is_staff": staff},
    )
    if with_password:
        user.set_password(DEMO_PASSWORD)
    elif created:
        user.set_unusable_password()
    user.save(update_fields=["password"])
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def load(*, with_passwords: bool) -> list[str]:
    lines = ["", "Staff (a second factor is set up at first login):"]
    for role, email, first, last in STAFF:
        user = _user(email, first, last, language="ro", with_password=with_passwords, staff=True)
        user.groups.add(Group.objects.get(name=role))
        lines.append(f"  {role.label:<14} {email}")
    lines += ["", "Customer users:"]
    for email, first, last, language in CUSTOMERS:
        _user(email, first, last, language=language, with_password=with_passwords, staff=False)
        lines.append(f"  {email}")
    if with_passwords:
        lines += ["", f"Password for every demo user: {DEMO_PASSWORD}", ""]
    return lines
