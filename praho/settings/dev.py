"""Development on a laptop: DEBUG, console mail, SQLite unless DATABASE_URL."""

import os

os.environ.setdefault("DJANGO_DEBUG", "1")

from praho.settings.base import *  # noqa: F403

ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
# Passkeys need a secure origin; browsers treat http://localhost as one, the
# library does not, so allow it in development only.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
