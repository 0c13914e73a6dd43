from __future__ import annotations

import pytest

from praho.accounts.tests.steps import new_browser


@pytest.fixture
def browser():
    """A test client with a recognisable user agent, as a visitor's browser."""
    return new_browser()
