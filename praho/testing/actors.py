"""The named actors of every app's tests, as pytest fixtures (a plugin the root conftest.py loads).

Staff, one per role, each with a TOTP second factor: alice_admin, mike_manager, bill_billing,
sue_support, sam_sales; nora_nomfa: staff (admin role) without a second factor.
Customers' users: carol, the owner of carol_customer; erin, a user with an account who belongs
to no customer (whom carol invites); erin_viewer, erin as a viewer of carol_customer (a member
who is not an owner); dave, the outsider: owner of dave_customer, nothing to do with carol's.
`member_of()` makes any other member. `staff_client(user)` logs a staff user in past MFA.
"""

from __future__ import annotations

from typing import Any

import pytest

from praho.accounts.models import User
from praho.accounts.roles import Role
from praho.accounts.tests.factories import UserFactory, add_totp
from praho.customers.models import Customer

PASSWORD = "correct horse battery staple"  # noqa: S105 (the test users' password)


def member_of(customer: Customer, *, role: str, email: str, **values: Any) -> User:
    """A new user who is a member of `customer` with `role` (added by the system, no invitation)."""
    from praho.customers.services.memberships import add_member

    user = UserFactory(email=email, **values)
    add_member(actor=None, customer=customer, user=user, role=role)
    return user


@pytest.fixture
def password() -> str:
    return PASSWORD


def _staff(email: str, role: str, *, totp: bool = True):
    user = UserFactory(email=email, is_staff=True, roles=[role])
    if totp:
        add_totp(user)
    return user


@pytest.fixture
def alice_admin(db):
    return _staff("alice@staff.test", Role.ADMIN)


@pytest.fixture
def mike_manager(db):
    return _staff("mike@staff.test", Role.MANAGER)


@pytest.fixture
def bill_billing(db):
    return _staff("bill@staff.test", Role.BILLING)


@pytest.fixture
def sue_support(db):
    return _staff("sue@staff.test", Role.SUPPORT)


@pytest.fixture
def sam_sales(db):
    return _staff("sam@staff.test", Role.SALES)


@pytest.fixture
def nora_nomfa(db):
    return _staff("nora@staff.test", Role.ADMIN, totp=False)


@pytest.fixture
def carol(db):
    return UserFactory(email="carol@customer.test")


@pytest.fixture
def dave(db):
    return UserFactory(email="dave@other-customer.test")


@pytest.fixture
def staff_client(client):
    """Log a staff user in as if they had passed the second-factor step."""

    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def erin(db):
    """A user with an account who belongs to no customer yet."""
    return UserFactory(email="erin@customer.test", first_name="Erin", last_name="Pop")


@pytest.fixture
def erin_viewer(erin, carol_customer):
    """erin as a viewer of carol's customer: a member who is not an owner."""
    from praho.customers.services.memberships import add_member

    add_member(actor=None, customer=carol_customer, user=erin, role="viewer")
    return erin


COMPANY = {
    "kind": "company",
    "country": "RO",
    "vat_payer": True,
    "address": {"street": "Str. Lungă 10", "city": "Cluj-Napoca", "county": "RO-CJ", "country": "RO"},
}


@pytest.fixture
def carol_customer(carol, alice_admin):
    """Carol's company; carol is its owner."""
    from praho.customers.services.customers import create_customer

    return create_customer(
        actor=alice_admin, name="Carol Hosting SRL", tax_id="RO18547290", owner=carol, **COMPANY
    )


@pytest.fixture
def dave_customer(dave, alice_admin):
    """Another customer; dave is its owner and has nothing to do with carol's."""
    from praho.customers.services.customers import create_customer

    return create_customer(actor=alice_admin, name="Dave Web SRL", tax_id="RO14399840", owner=dave, **COMPANY)
