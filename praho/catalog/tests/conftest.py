"""Fixtures for the catalog's tests: the small test catalog of praho.testing.shop."""

from __future__ import annotations

import pytest

from praho.testing.shop import Shop, build_shop


@pytest.fixture
def shop(db) -> Shop:
    return build_shop()
