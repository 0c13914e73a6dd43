"""Tests: fast hashing, mail in memory, English, SQLite unless DATABASE_URL."""

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
