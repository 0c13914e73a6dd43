"""Fixtures for the orders app's tests: billing set up, a catalog to order from."""

from __future__ import annotations

import pytest

from praho.billing.tests.conftest import billing_ready  # noqa: F401 (a fixture)
from praho.testing.shop import Shop, build_shop


@pytest.fixture
def shop(db, billing_ready) -> Shop:
    return build_shop()


@pytest.fixture
def clerk(bill_billing):
    """A staff member with no role (no permission at all) until a test grants one: the API's
    permission checks, one at a time."""
    bill_billing.groups.clear()
    return bill_billing
