"""Production: every secret from the environment, HTTPS only, JSON logs."""

import os

from django.core.exceptions import ImproperlyConfigured

os.environ.setdefault("LOG_JSON", "1")

from praho.settings.base import *  # noqa: F403
from praho.settings.env import env_bool, env_int, env_list, env_str

DEBUG = False
SECRET_KEY = env_str("DJANGO_SECRET_KEY")  # no default: refuse to start without it
if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("insecure"):
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be a random string of 50+ characters.")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must name the site's host(s), e.g. praho.example.com.")

# Which ANAF system e-Factura reports to must be said, not defaulted: a forgotten setting would
# send real invoices to ANAF's test system, where "accepted" has no fiscal effect.
if env_str("EFACTURA_ENVIRONMENT", "") not in ("test", "prod"):
    raise ImproperlyConfigured("EFACTURA_ENVIRONMENT must be prod (or test, for a staging system).")

# Used TOTP codes (allauth refuses a code seen before), login rate limits and the health probe's
# cache check live in the cache. A per-process cache would let one code be used once per web
# process: every process must share one, so production refuses to start without Redis.
if not env_str("REDIS_URL", "").strip():
    raise ImproperlyConfigured(
        "REDIS_URL must name the Redis server every process shares as its cache "
        "(used TOTP codes and rate limits live there), e.g. redis://redis:6379/0."
    )

SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
# Load balancers probe over plain HTTP; a redirect would fail them.
SECURE_REDIRECT_EXEMPT = [r"^health/"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
X_FRAME_OPTIONS = "DENY"

STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
}

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
