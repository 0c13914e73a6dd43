"""REST API conventions shared by every app (praho.core.api.errors for now)."""

from praho.core.api.errors import *  # noqa: F403
