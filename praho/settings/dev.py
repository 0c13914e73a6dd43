"""Development on a laptop: DEBUG, console mail, SQLite unless DATABASE_URL."""

import os

os.environ.setdefault("DJANGO_DEBUG", "1")

from praho.settings.base import *  # noqa: F403

ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
# Passkeys need a secure origin; browsers treat http://localhost as one, the
# library does not, so allow it in development only.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
# ANAF's validation artifacts staged beside the repository (../shared/efactura, as on the
# development machines and for the tests), unless EFACTURA_VALIDATION_DIR says otherwise: the
# demo and the staff pages then show real verdicts offline instead of asking ANAF's online
# service for each document.
STAGED_EFACTURA_DIR = BASE_DIR.parent / "shared" / "efactura"  # noqa: F405
EFACTURA_VALIDATION_DIR = env_str(  # noqa: F405
    "EFACTURA_VALIDATION_DIR", str(STAGED_EFACTURA_DIR) if STAGED_EFACTURA_DIR.is_dir() else ""
)
# The demo's panels are local fakes (`manage.py fakes`); their credentials are sealed under this
# development-only key unless the environment gives one. Production (prod.py) has no default.
PROVISIONING_SECRET_KEY = env_str(  # noqa: F405
    "PROVISIONING_SECRET_KEY", "bb2KgE0m4uftmtKo_ahfeI06hS8IsJ8xA-TqDMRQrFE="
)
# Card payments go to the local fake Stripe (`manage.py fakes`) unless the environment says otherwise.
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY", "sk_test_praho_demo")  # noqa: F405
STRIPE_PUBLISHABLE_KEY = env_str("STRIPE_PUBLISHABLE_KEY", "pk_test_praho_demo")  # noqa: F405
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET", "whsec_praho_demo")  # noqa: F405
STRIPE_API_BASE = env_str("STRIPE_API_BASE", "http://127.0.0.1:8718")  # noqa: F405
CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(STRIPE_API_BASE)  # noqa: F405 (the fake's pages)
# The test helpers' commands (`manage.py fakes`: the local fakes of ANAF, VIES, BNR and the panels).
INSTALLED_APPS = [*INSTALLED_APPS, "praho.testing"]  # noqa: F405
