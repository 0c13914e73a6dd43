"""Fixtures for the orders app's tests: billing set up, a catalog to order from."""

from __future__ import annotations

import pytest

from praho.billing.tests.conftest import billing_ready  # noqa: F401 (a fixture)
from praho.testing.shop import Shop, build_shop


@pytest.fixture
def shop(db, billing_ready) -> Shop:
    return build_shop()
