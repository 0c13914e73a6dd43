"""Settings shared by every environment. Everything that differs between
machines comes from environment variables (see README, "Configuration")."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from praho.settings.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = env_str("DJANGO_SECRET_KEY", "insecure-dev-key-change-me-in-production-0123456789")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_htmx",
    "csp",
    "waffle",
    "praho.core",
    "praho.audit",
    "praho.accounts",
    "praho.inbox",
    "praho.customers",
    "praho.billing",
    "praho.efactura",
    "praho.payments",
    "praho.catalog",
    "praho.orders",
    "praho.provisioning",
    "praho.recurring",
]

MIDDLEWARE = [
    "praho.core.middleware.RequestIDMiddleware",
    "praho.core.middleware.NoStoreMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "praho.accounts.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "praho.accounts.middleware.StaffSecondFactorMiddleware",
    # Axes must be last: it turns a lockout raised anywhere into its response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "praho.urls"
WSGI_APPLICATION = "praho.wsgi.application"
ASGI_APPLICATION = "praho.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "praho" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "praho.core.context_processors.site",
            ],
        },
    },
]

# DATABASE_URL selects PostgreSQL (postgres://user:pass@host:5432/name); without it,
# the embedded SQLite file next to manage.py.
DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Fail fast (and let /health/ready/ answer) when the server does not respond.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 5)
    )
    # No JIT: the invoice lists' cost estimates pass jit_above_cost and PostgreSQL then spends
    # 150-400 ms compiling each query (bench/billing_lists.py, stage S1).
    DATABASES["default"]["OPTIONS"].setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # A cache that does not answer must not hold requests for long.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

# --- allauth: email-only accounts, mandatory verification, TOTP + passkeys ---
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
# Subjects start with "[PRAHO_SITE_NAME] " (AccountAdapter.format_email_subject). Security
# notifications: password changed or set, e-mail address changed, second factor or passkey
# added or removed, in the user's language.
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_ADAPTER = "praho.accounts.adapters.AccountAdapter"
# Failed logins are counted and locked by django-axes; allauth's own limit would
# answer first with a different message.
ACCOUNT_RATE_LIMITS = {"login_failed": False}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
# allauth's code-guess limit is its "login_failed" limit, switched off above;
# these forms count wrong codes in django-axes instead (praho/accounts/mfa.py).
MFA_FORMS = {
    "authenticate": "praho.accounts.mfa.CountedAuthenticateForm",
    "reauthenticate": "praho.accounts.mfa.CountedReauthenticateForm",
}
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = env_str("MFA_TOTP_ISSUER", "PRAHO")
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = False

# --- django-axes: lock an account or an address after repeated failures ---
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "praho.accounts.lockout.username_from_request"
AXES_LOCKOUT_CALLABLE = "praho.accounts.lockout.lockout_response"
AXES_VERBOSE = False
# Behind a reverse proxy set AXES_PROXY_COUNT to the number of proxies so the
# client address is read from X-Forwarded-For instead of the proxy's own.
AXES_IPWARE_PROXY_COUNT = env_int("AXES_PROXY_COUNT", 0) or None
if AXES_IPWARE_PROXY_COUNT:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

# --- REST API ---
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # simplejwt's, refusing tokens issued before a revocation (praho.accounts.services.tokens).
        "praho.accounts.api.authentication.RevocableJWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["praho.accounts.api.permissions.IsAuthenticatedWithSecondFactorForStaff"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON nested too deep is a parse error, not a RecursionError (praho.core.parsers).
    "DEFAULT_PARSER_CLASSES": [
        "praho.core.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "praho.core.api.pagination.Pagination",
    "EXCEPTION_HANDLER": "praho.core.api.errors.exception_handler",
    "PAGE_SIZE": 50,
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=5),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=1),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "TOKEN_OBTAIN_SERIALIZER": "praho.accounts.api.views.TokenObtainSerializer",
    "TOKEN_REFRESH_SERIALIZER": "praho.accounts.api.views.TokenRefreshSerializer",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "PRAHO API",
    "DESCRIPTION": "REST API v1 of the PRAHO hosting platform.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several serializers share a field name ("status", "currency") with different choice sets;
    # each set keeps its own name: every currency on documents, those with a rate on exchange rates.
    "ENUM_NAME_OVERRIDES": {
        "ChangeRequestStatusEnum": "praho.customers.models.ChangeRequestStatus",
        "DocumentStatusEnum": "praho.billing.models.DocumentStatus",
        "CurrencyEnum": "praho.core.money.Currency",
        "ForeignCurrencyEnum": "praho.billing.models.fx.FOREIGN_CURRENCIES",
        # Two models have a "role" field: each keeps a name of its own.
        "RoleEnum": "praho.customers.models.MembershipRole",
        "OrderLineRoleEnum": "praho.orders.models.LineRole",
        # Services, orders and operations each have a status or kind of their own.
        "ServiceStatusEnum": "praho.orders.models.ServiceStatus",
        "OperationKindEnum": "praho.provisioning.models.OperationKind",
        "CustomerKindEnum": "praho.customers.models.CustomerKind",
        "OperationStateEnum": "praho.provisioning.models.OperationState",
    },
}

# --- Internationalisation: stored in UTC, shown in Europe/Bucharest ---
LANGUAGE_CODE = env_str("DJANGO_LANGUAGE_CODE", "ro")
LANGUAGES = [("en", _("English")), ("ro", _("Romanian")), ("bg", _("Bulgarian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Bucharest"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "PRAHO <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# A hanging mail server must not hold a worker until its time limit.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)

# --- Security headers (tightened further in prod) ---
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True

# --- Celery: in-process without a broker, real workers with one ---
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", "") or None
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 270
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    # BNR publishes its rates on banking days at about 13:00 Bucharest time (by 14:00
    # at the latest). CELERY_TIMEZONE is UTC, so 11:30 and 13:30 UTC are 13:30 and 15:30
    # in winter, 14:30 and 16:30 in summer. The second run catches a late publication and
    # changes nothing when the first one found it (the task is idempotent).
    "billing.fetch_bnr_rates": {
        "task": "billing.fetch_bnr_rates",
        "schedule": crontab(minute="30", hour="11,13", day_of_week="mon-fri"),
    },
    # Emails whose task was lost (broker down at commit time) are sent late rather than never.
    "billing.requeue_stuck_deliveries": {
        "task": "billing.requeue_stuck_deliveries",
        "schedule": crontab(minute="*/15"),
    },
    # e-Factura: newly issued documents are validated and uploaded within minutes (ANAF wants
    # them within 5 working days); pending ones are polled when their next look is due.
    "efactura.submit_new": {"task": "efactura.submit_new", "schedule": crontab(minute="*/5")},
    "efactura.poll_pending": {"task": "efactura.poll_pending", "schedule": crontab(minute="*/2")},
    # Staff hear each morning of documents ANAF has not accepted by their deadline (once each);
    # 06:00 UTC is 08:00 or 09:00 in Bucharest. The task lives in praho.efactura.submissions.watch.
    "efactura.notify_overdue": {"task": "efactura.notify_overdue", "schedule": crontab(minute="0", hour="6")},
    # The audit chain's head, anchored outside the table so that a deleted tail is noticed.
    "audit.write_checkpoint": {"task": "audit.write_checkpoint", "schedule": crontab(minute="*/5")},
    # The catalog's prices change at midnight in Bucharest (21:00 or 22:00 UTC): the new day's
    # tree is built then, not by the first customer of the day (praho.catalog.tree).
    "catalog.warm_tree": {"task": "catalog.warm_tree", "schedule": crontab(minute="1", hour="21,22")},
    # Panel operations whose worker died (past their lease) or whose message was lost are sent
    # again; a running one is resumed from its last completed step (praho.provisioning).
    "provisioning.sweep": {"task": "provisioning.sweep", "schedule": crontab(minute="*")},
    # Disk and bandwidth of every live service, asked of its panel hourly (one sample a day, the
    # last reading wins); staff hear of a service newly over its plan's limits.
    "provisioning.collect_usage": {"task": "provisioning.collect_usage", "schedule": crontab(minute="17")},
    # Inbound webhook events whose processing failed (after their backoff) or whose message was
    # lost are sent to a worker again (praho.inbox).
    "inbox.sweep": {"task": "inbox.sweep", "schedule": crontab(minute="*")},
    # Renewals: the day's billing run, then dunning (reminders, suspensions, terminations) and the
    # automatic card charges of what falls due; 04:10 UTC is 06:10 or 07:10 in Bucharest, before
    # the working day, after the night's usage collection (praho.recurring).
    "recurring.daily": {"task": "recurring.daily", "schedule": crontab(minute="10", hour="4")},
}
# Task modules beyond the apps' tasks.py (autodiscovered): the deadline watch's task.
CELERY_IMPORTS = ("praho.efactura.submissions.watch",)

# EU distance sales are warned of from this share of the €10,000 OSS threshold (praho.billing.rules.oss).
BILLING_OSS_WARNING_SHARE = float(env_str("BILLING_OSS_WARNING_SHARE", "0.8"))

# The audit chain's head is appended here every 5 minutes (praho.audit.checkpoints): in
# production a path the database's owner cannot rewrite (another host's mount, chattr +a).
AUDIT_CHECKPOINT_FILE = env_str("AUDIT_CHECKPOINT_FILE", str(BASE_DIR / "var" / "audit-checkpoints.jsonl"))

# --- Logging: every line carries the request ID ---
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOG_JSON = env_bool("LOG_JSON", False)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "praho.core.request_id.RequestIDLogFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "json" if LOG_JSON else "plain",
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # WeasyPrint logs each stylesheet it parses at INFO, on import too: noise in every command.
        "weasyprint": {"level": "WARNING"},
    },
}

PRAHO_SITE_NAME = env_str("PRAHO_SITE_NAME", "PRAHO")

# A user who signed up and belongs to no customer may create their company (and become its
# owner) at /app/company/new/. Off: only staff create customers; new users join by invitation.
PRAHO_SELF_SIGNUP = env_bool("PRAHO_SELF_SIGNUP", True)

# Where PRAHO is reached, for links in email sent outside a request.
PRAHO_BASE_URL = env_str("PRAHO_BASE_URL", "http://127.0.0.1:8700").rstrip("/")

# Days an emailed invitation to join a customer stays usable.
CUSTOMER_INVITATION_DAYS = env_int("CUSTOMER_INVITATION_DAYS", 7)
# Days an emailed invitation to become staff stays usable (resending gives a new link).
STAFF_INVITATION_DAYS = env_int("STAFF_INVITATION_DAYS", 3)

# --- External gateways (customers app): ANAF company lookup and VIES ---
# Staff wait on these while filling in a form and can always type the data by
# hand, so a slow service must fail within seconds rather than hold the page.
ANAF_COMPANY_LOOKUP_URL = env_str("ANAF_COMPANY_LOOKUP_URL", "https://webservicesp.anaf.ro")
VIES_API_URL = env_str("VIES_API_URL", "https://ec.europa.eu/taxation_customs/vies/rest-api")
GATEWAY_CONNECT_TIMEOUT_SECONDS = float(env_int("GATEWAY_CONNECT_TIMEOUT_SECONDS", 2))
GATEWAY_TIMEOUT_SECONDS = float(env_int("GATEWAY_TIMEOUT_SECONDS", 5))
# Our own VAT number ("RO12345678"), sent to VIES as the requester so that each
# check returns a consultation number (proof for reverse charge). Empty: none.
PRAHO_SELLER_VAT_NUMBER = env_str("PRAHO_SELLER_VAT_NUMBER", "")

# --- BNR exchange rates (billing): fetched by the billing.fetch_bnr_rates task ---
# The last banking day's reference rates, and the last ten banking days' (which the
# task reads, so a missed run is filled in by the next one).
BNR_FEED_URL = env_str("BNR_FEED_URL", "https://www.bnr.ro/nbrfxrates.xml")
BNR_FEED_10DAYS_URL = env_str("BNR_FEED_10DAYS_URL", "https://www.bnr.ro/nbrfxrates10days.xml")

# --- Billing: payments ---
# Apply a payment's overpayment (customer credit) to the customer's other open invoices
# in the same currency at once, oldest due first. Off: staff apply credit by hand.
BILLING_AUTO_APPLY_CREDIT = env_bool("BILLING_AUTO_APPLY_CREDIT", False)
# A payment recorded on a proforma converts it into an invoice (issued the day the payment
# is recorded) and pays that. Off: payments on proformas are refused; staff convert first.
BILLING_CONVERT_PAID_PROFORMAS = env_bool("BILLING_CONVERT_PAID_PROFORMAS", True)

# --- Billing: PDFs (praho/billing/pdf/archive.py) ---
# Render and store an invoice's or credit note's PDF in a task once it is issued. Off: each one
# is rendered and stored on its first download or email instead.
BILLING_STORE_PDF_ON_ISSUE = env_bool("BILLING_STORE_PDF_ON_ISSUE", True)
# How many PDFs one user may have rendered (drafts, and documents whose PDF is not stored yet),
# as DRF writes rates: "10/min", "100/hour". Serving a stored PDF does not count.
BILLING_PDF_RENDER_RATE = env_str("BILLING_PDF_RENDER_RATE", "10/min")
# The most lines a proforma or invoice may have (staff pages, API and services alike). Large
# documents are slow to render as PDF and e-Factura XML; a billing run splits its documents.
BILLING_MAX_LINES = env_int("BILLING_MAX_LINES", 500)
if BILLING_MAX_LINES < 1:
    raise ImproperlyConfigured(f"BILLING_MAX_LINES must be at least 1, not {BILLING_MAX_LINES}.")
# A staff page posts about 10 fields per line: let a document of BILLING_MAX_LINES lines through
# Django's guard against forms with very many fields (1000 by default).
DATA_UPLOAD_MAX_NUMBER_FIELDS = max(1000, 12 * BILLING_MAX_LINES)

# Covering indexes (INCLUDE) exist on PostgreSQL only; SQLite builds the same index without the
# extra columns, which is all the embedded database needs.
SILENCED_SYSTEM_CHECKS = ["models.W040"]


# --- RO e-Factura (efactura app) ---
# The directory of ANAF's validation artifacts (the UBL 2.1 XSD under ubl21/xsd and the
# CIUS-RO XSLT under cius-ro/<version>/xslt; README "e-Factura" says where to download them).
# Empty: documents are validated by ANAF's remote validation endpoint instead.
EFACTURA_VALIDATION_DIR = env_str("EFACTURA_VALIDATION_DIR", "")
# ANAF's public validation service (no authentication), used when EFACTURA_VALIDATION_DIR is
# empty: the document is POSTed to <this>/FACT1 (invoices) or <this>/FCN (credit notes).
EFACTURA_REMOTE_VALIDATION_URL = env_str(
    "EFACTURA_REMOTE_VALIDATION_URL", "https://webservicesp.anaf.ro/prod/FCTEL/rest/validare"
)


# --- e-Factura ANAF: the REST API and its OAuth2 authorization (efactura app) ---
# README "e-Factura: connecting to ANAF" says how to register PRAHO at ANAF and connect it.
# "test" uploads to ANAF's test system (nothing has fiscal effect), "prod" to the real one.
EFACTURA_ENVIRONMENT = env_str("EFACTURA_ENVIRONMENT", "test")
if EFACTURA_ENVIRONMENT not in ("test", "prod"):
    raise ImproperlyConfigured(f"EFACTURA_ENVIRONMENT must be test or prod, not {EFACTURA_ENVIRONMENT!r}.")
EFACTURA_API_URL = (
    env_str("EFACTURA_API_URL", "") or f"https://api.anaf.ro/{EFACTURA_ENVIRONMENT}/FCTEL/rest"
).rstrip("/")
EFACTURA_OAUTH_AUTHORIZE_URL = env_str(
    "EFACTURA_OAUTH_AUTHORIZE_URL", "https://logincert.anaf.ro/anaf-oauth2/v1/authorize"
)
EFACTURA_OAUTH_TOKEN_URL = env_str(
    "EFACTURA_OAUTH_TOKEN_URL", "https://logincert.anaf.ro/anaf-oauth2/v1/token"
)
# The application registered in ANAF's "Editare profil Oauth"; its callback URL must be
# EFACTURA_REDIRECT_URI exactly.
EFACTURA_CLIENT_ID = env_str("EFACTURA_CLIENT_ID", "")
EFACTURA_CLIENT_SECRET = env_str("EFACTURA_CLIENT_SECRET", "")
EFACTURA_REDIRECT_URI = (
    env_str("EFACTURA_REDIRECT_URI", "") or f"{PRAHO_BASE_URL}/staff/efactura/anaf/callback/"
)
# Fernet key(s) that encrypt ANAF's tokens in the database, comma-separated: the first encrypts,
# all decrypt (to rotate, put the new key first). Required once someone connects to ANAF.
EFACTURA_TOKEN_KEY = env_str("EFACTURA_TOKEN_KEY", "")
# Seconds to wait for ANAF; uploads of large documents need more than the lookups' few seconds.
EFACTURA_HTTP_TIMEOUT = float(env_int("EFACTURA_HTTP_TIMEOUT", 30))
# Reads (status, download, message list) are retried this many times in all on HTTP 429, 5xx
# and network errors, waiting BACKOFF, 2 x BACKOFF, ... or ANAF's Retry-After; a wait longer
# than MAX_WAIT is left to the caller (the Celery task reschedules). Uploads are never retried here.
EFACTURA_RETRY_ATTEMPTS = env_int("EFACTURA_RETRY_ATTEMPTS", 3)
EFACTURA_RETRY_BACKOFF_SECONDS = float(env_int("EFACTURA_RETRY_BACKOFF_SECONDS", 2))
EFACTURA_RETRY_MAX_WAIT_SECONDS = float(env_int("EFACTURA_RETRY_MAX_WAIT_SECONDS", 30))
# An upload whose answer was lost is looked for in ANAF's message list (where it appears only once
# ANAF has processed it, so an empty list proves nothing). It is never uploaded again on its own:
# after this many minutes with nothing listed, PRAHO looks more rarely and tells staff, and a
# staff member's "Submit to ANAF" then sends it again (praho.efactura.submissions.unknown.resolve_unknown).
EFACTURA_UNKNOWN_GRACE_MINUTES = env_int("EFACTURA_UNKNOWN_GRACE_MINUTES", 1440)
# ANAF lists an upload only once it has processed it, which on a busy day takes well over an
# hour: a shorter grace period would let staff give up uploads ANAF is still processing.
if EFACTURA_UNKNOWN_GRACE_MINUTES < 60:
    raise ImproperlyConfigured(
        f"EFACTURA_UNKNOWN_GRACE_MINUTES must be at least 60, not {EFACTURA_UNKNOWN_GRACE_MINUTES}."
    )
# The first issue date PRAHO sends to ANAF (ISO, e.g. 2026-12-01): documents issued before it are
# not taken in (they stay "not tracked"; whatever reported them before PRAHO did). Empty: all.
# Parsed here so that a mistyped value stops the start, not every intake run.
_efactura_start_date = env_str("EFACTURA_START_DATE", "").strip()
try:
    EFACTURA_START_DATE: date | None = (
        date.fromisoformat(_efactura_start_date) if _efactura_start_date else None
    )
except ValueError as _error:
    raise ImproperlyConfigured(
        f"EFACTURA_START_DATE must be an ISO date (YYYY-MM-DD) or empty, not {_efactura_start_date!r}."
    ) from _error
# Submit each invoice and credit note to ANAF as soon as it is issued (a Celery task after the
# issuing transaction commits); off, the periodic intake (every 5 minutes) still takes them in.
EFACTURA_SUBMIT_ON_ISSUE = env_bool("EFACTURA_SUBMIT_ON_ISSUE", True)

# --- Catalog and orders -----------------------------------------------------------------------
# What checkout issues: "proforma" (Romanian practice: the invoice follows the payment) or "invoice".
ORDERS_DOCUMENT = env_str("ORDERS_DOCUMENT", "proforma")
if ORDERS_DOCUMENT not in ("proforma", "invoice"):
    raise ImproperlyConfigured("ORDERS_DOCUMENT is 'proforma' or 'invoice'.")
# Most order lines (items with their add-ons) in one order, and items in one cart.
ORDERS_MAX_ITEMS = env_int("ORDERS_MAX_ITEMS", 20)
# Feature flags (django-waffle) live in orders.FeatureFlag: per user, group, customer, plan or share.
WAFFLE_FLAG_MODEL = "orders.FeatureFlag"
WAFFLE_CREATE_MISSING_FLAGS = False
WAFFLE_FLAG_DEFAULT = False

# --- Provisioning (praho.provisioning) ---
# Fernet key(s) sealing panel credentials and account passwords (comma-separated: the first
# seals, all open, so a key can be rotated). Required once a server is registered.
PROVISIONING_SECRET_KEY = env_str("PROVISIONING_SECRET_KEY", "")
# A running operation's lease: a worker renews it at every completed step; past it, the sweeper
# hands the operation to another worker, which resumes from the last completed step. Longer than
# the longest single step (the Proxmox driver waits up to 15 minutes for a clone task).
PROVISIONING_LEASE_SECONDS = int(env_str("PROVISIONING_LEASE_SECONDS", "1000"))
# Transient failures are tried again with backoff (30 s, 1, 2, 4 ... min, at most an hour apart)
# up to this many attempts; then the operation needs staff's attention.
PROVISIONING_MAX_ATTEMPTS = int(env_str("PROVISIONING_MAX_ATTEMPTS", "8"))
PROVISIONING_RETRY_BASE_SECONDS = int(env_str("PROVISIONING_RETRY_BASE_SECONDS", "30"))
PROVISIONING_HTTP_TIMEOUT = float(env_str("PROVISIONING_HTTP_TIMEOUT", "30"))

# --- Webhook inbox (praho.inbox) ---
# A failed event is tried again after 30 s, 1, 2, 4 ... minutes (at most an hour apart) up to
# this many attempts; then it waits for staff to replay it.
INBOX_MAX_ATTEMPTS = int(env_str("INBOX_MAX_ATTEMPTS", "8"))
INBOX_RETRY_BASE_SECONDS = int(env_str("INBOX_RETRY_BASE_SECONDS", "30"))

# --- Payments (praho.payments) ---
# Stripe: the secret key the server calls the API with, the publishable key (shown to browsers),
# the webhook endpoint's signing secret, and the API's address (a local fake in the demo and tests).
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY", "")
STRIPE_PUBLISHABLE_KEY = env_str("STRIPE_PUBLISHABLE_KEY", "")
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET", "")
STRIPE_API_BASE = env_str("STRIPE_API_BASE", "https://api.stripe.com")
# A Stripe-Signature older (or newer) than this is refused (Stripe's own default tolerance).
STRIPE_WEBHOOK_TOLERANCE_SECONDS = int(env_str("STRIPE_WEBHOOK_TOLERANCE_SECONDS", "300"))
STRIPE_TIMEOUT_SECONDS = float(env_str("STRIPE_TIMEOUT_SECONDS", "20"))
# A bank transfer naming an open document's number, in its currency, for exactly what it asks is
# booked without staff; every other match waits in the review queue.
PAYMENTS_AUTO_BOOK_EXACT = env_bool("PAYMENTS_AUTO_BOOK_EXACT", True)

# Recurring billing (praho.recurring): services are billed this many days before their due date
# (a plan may say otherwise), on a proforma (Romanian practice) or an invoice.
RECURRING_LEAD_DAYS = int(env_str("RECURRING_LEAD_DAYS", "14"))
RECURRING_DOCUMENT = env_str("RECURRING_DOCUMENT", "proforma")
# A plan change whose credit for unused time is more than the new plan's charge: a credit note
# for the difference ("credit_note") or the difference kept as the customer's credit ("credit").
RECURRING_NEGATIVE_PRORATION = env_str("RECURRING_NEGATIVE_PRORATION", "credit_note")
# Dunning's termination step waits for staff to confirm it unless this is on.
RECURRING_TERMINATE_WITHOUT_CONFIRMATION = env_bool("RECURRING_TERMINATE_WITHOUT_CONFIRMATION", False)
# A run keeps at most this many errors in its summary (the rest are counted in the log).
RECURRING_RUN_ERRORS_KEPT = 200
# Documents a run makes per transaction (fewer round trips; the customers' locks held that long).
RECURRING_RUN_CHUNK = int(env_str("RECURRING_RUN_CHUNK", "100"))
# "Pay by card" and "Manage saved cards" are forms whose answer redirects to Stripe's Checkout and
# Portal: the browser checks those redirects against form-action (the fake serves both itself).
CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"] = [
    SELF,
    "https://checkout.stripe.com",
    "https://billing.stripe.com",
    *([] if "stripe.com" in STRIPE_API_BASE else [STRIPE_API_BASE.rstrip("/")]),
]
