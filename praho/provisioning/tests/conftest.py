"""Fixtures for provisioning's tests: billing set up and the test catalog (praho.testing.shop,
whose web-start is a Virtualmin plan and vps-s/vps-m Proxmox plans)."""

from __future__ import annotations

import pytest

from praho.billing.tests.conftest import billing_ready  # noqa: F401 (a fixture)
from praho.testing.shop import Shop, build_shop


@pytest.fixture
def shop(db, billing_ready) -> Shop:
    return build_shop()
