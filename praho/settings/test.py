"""Tests: fast hashing, mail in memory, English, SQLite unless DATABASE_URL."""

import os
import tempfile
from pathlib import Path

from praho.settings.base import *  # noqa: F403

DEBUG = False
LANGUAGE_CODE = "en"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
CELERY_BROKER_URL = ""
CELERY_TASK_ALWAYS_EAGER = True
LOGGING["root"] = {"handlers": ["console"], "level": "WARNING"}  # noqa: F405
# No test reaches ANAF or VIES: one that forgets its fake gets a refused connection
# (port 9) at once. The fake_anaf and fake_vies fixtures point these at local servers.
ANAF_COMPANY_LOOKUP_URL = "http://127.0.0.1:9"
VIES_API_URL = "http://127.0.0.1:9"
PRAHO_SELLER_VAT_NUMBER = ""
# No test reaches BNR either: the fake_bnr fixture (praho/billing/tests) serves saved feeds.
BNR_FEED_URL = "http://127.0.0.1:9/nbrfxrates.xml"
BNR_FEED_10DAYS_URL = "http://127.0.0.1:9/nbrfxrates10days.xml"
# The official validation artifacts are used where they are staged (../shared/efactura beside
# the repository, as on the development machines), never copied into the repository; CI sets
# EFACTURA_VALIDATION_DIR. Tests that need them skip without them (fail under PRAHO_REQUIRE_SERVICES).
_staged_efactura = BASE_DIR.parent / "shared" / "efactura"  # noqa: F405
EFACTURA_VALIDATION_DIR = env_str(  # noqa: F405
    "EFACTURA_VALIDATION_DIR", str(_staged_efactura) if _staged_efactura.is_dir() else ""
)
# No test reaches ANAF's e-Factura API or its OAuth server: the fake_anaf_efactura fixture
# (praho/efactura/tests) points these at a local server. Tokens are encrypted with a test key.
EFACTURA_ENVIRONMENT = "test"
EFACTURA_API_URL = "http://127.0.0.1:9/test/FCTEL/rest"
EFACTURA_OAUTH_AUTHORIZE_URL = "http://127.0.0.1:9/anaf-oauth2/v1/authorize"
EFACTURA_OAUTH_TOKEN_URL = "http://127.0.0.1:9/anaf-oauth2/v1/token"  # noqa: S105 (a URL)
EFACTURA_CLIENT_ID = "praho-test-client"
EFACTURA_CLIENT_SECRET = "praho-test-secret"  # noqa: S105 (tests only)
EFACTURA_REDIRECT_URI = "http://testserver/staff/efactura/anaf/callback/"
EFACTURA_TOKEN_KEY = "dGVzdC1rZXktZm9yLWVmYWN0dXJhLXRva2Vucy0wMDA="  # noqa: S105 (tests only)
EFACTURA_HTTP_TIMEOUT = 2.0
EFACTURA_RETRY_BACKOFF_SECONDS = 0.01
# With the artifacts absent, validation goes to ANAF; tests reach it only through the
# fake_anaf_validation fixture (praho/efactura/tests), never the real service.
EFACTURA_REMOTE_VALIDATION_URL = "http://127.0.0.1:9"
# Issuing does not submit to ANAF in tests (tasks run eagerly); efactura's tests turn it on.
EFACTURA_SUBMIT_ON_ISSUE = False
# Nor render its PDF (eager tasks would render one for every document a test issues and commits);
# the PDF archive's tests turn it on. A PDF is still stored on its first download.
BILLING_STORE_PDF_ON_ISSUE = False
# Audit checkpoints go to a file of this test process, never the repository's var/.
AUDIT_CHECKPOINT_FILE = str(
    Path(tempfile.gettempdir()) / f"praho-test-{os.getpid()}" / "audit-checkpoints.jsonl"
)
PROVISIONING_SECRET_KEY = "t_4lL9zBcpVSrocrt2X9ye3Tfy7Q0rXL4rFWpdcp7hY="  # noqa: S105 (tests only)
PROVISIONING_HTTP_TIMEOUT = 2.0
# The fake_stripe fixture points STRIPE_API_BASE at a local fake; without it a call is refused at once.
STRIPE_SECRET_KEY = "sk_test_praho"  # noqa: S105 (tests only)
STRIPE_PUBLISHABLE_KEY = "pk_test_praho"
STRIPE_WEBHOOK_SECRET = "whsec_praho_test"  # noqa: S105 (tests only)
STRIPE_API_BASE = "http://127.0.0.1:9"
STRIPE_TIMEOUT_SECONDS = 2.0
PROVISIONING_RETRY_BASE_SECONDS = 1
# The test helpers' commands (`manage.py fakes`), tested like the rest.
INSTALLED_APPS = [*INSTALLED_APPS, "praho.testing"]  # noqa: F405
