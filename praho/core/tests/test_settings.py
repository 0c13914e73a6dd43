"""Production settings pass Django's deployment checks and send strict headers."""

from __future__ import annotations

import json
import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[3]
PYTHON = sys.executable


def random_secret_key() -> str:
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    return "".join(secrets.choice(alphabet) for _ in range(64))


def prod_env(**overrides: str) -> dict[str, str]:
    """A realistic production environment, without anything of the developer's shell."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "CELERY_", "LOG_"))
    }
    env.update(
        DJANGO_SECRET_KEY=random_secret_key(),
        DJANGO_ALLOWED_HOSTS="praho.example.com",
        EFACTURA_ENVIRONMENT="prod",
        REDIS_URL="redis://redis.internal:6379/0",
    )
    env.update(overrides)
    return env


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_check_deploy_finds_nothing_with_production_settings():
    result = run(
        ["manage.py", "check", "--deploy", "--settings=praho.settings.prod", "--fail-level", "WARNING"],
        prod_env(),
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"DJANGO_SECRET_KEY": ""}, "DJANGO_SECRET_KEY must be a random string of 50+ characters."),
        ({"DJANGO_SECRET_KEY": "too-short"}, "DJANGO_SECRET_KEY must be a random string of 50+ characters."),
        (
            {"DJANGO_SECRET_KEY": "insecure-" + "x" * 60},
            "DJANGO_SECRET_KEY must be a random string of 50+ characters.",
        ),
        ({"DJANGO_ALLOWED_HOSTS": ""}, "DJANGO_ALLOWED_HOSTS must name the site's host(s)"),
        ({"DJANGO_ALLOWED_HOSTS": " , "}, "DJANGO_ALLOWED_HOSTS must name the site's host(s)"),
        ({"DJANGO_SECURE_SSL_REDIRECT": "maybe"}, "DJANGO_SECURE_SSL_REDIRECT must be a boolean"),
        ({"EFACTURA_ENVIRONMENT": "production"}, "EFACTURA_ENVIRONMENT must be test or prod"),
        ({"BILLING_MAX_LINES": "0"}, "BILLING_MAX_LINES must be at least 1, not 0."),
        ({"REDIS_URL": ""}, "REDIS_URL must name the Redis server every process shares as its cache"),
        ({"REDIS_URL": "  "}, "REDIS_URL must name the Redis server every process shares as its cache"),
    ],
)
def test_production_refuses_to_start_with_bad_configuration(overrides, message):
    result = run(["manage.py", "check", "--settings=praho.settings.prod"], prod_env(**overrides))

    assert result.returncode == 1
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_production_refuses_to_start_without_saying_which_anaf_system_it_reports_to():
    env = prod_env()
    del env["EFACTURA_ENVIRONMENT"]

    result = run(["manage.py", "check", "--settings=praho.settings.prod"], env)

    assert result.returncode == 1
    assert "EFACTURA_ENVIRONMENT must be prod (or test, for a staging system)." in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = prod_env()
    del env["DJANGO_SECRET_KEY"]

    result = run(["manage.py", "check", "--settings=praho.settings.prod"], env)

    assert result.returncode == 1
    assert "Environment variable DJANGO_SECRET_KEY is required." in result.stderr


def test_production_refuses_to_start_without_a_shared_cache():
    env = prod_env()
    del env["REDIS_URL"]

    result = run(["manage.py", "check", "--settings=praho.settings.prod"], env)

    assert result.returncode == 1
    assert (
        "REDIS_URL must name the Redis server every process shares as its cache "
        "(used TOTP codes and rate limits live there), e.g. redis://redis:6379/0."
    ) in result.stderr


# Run twice under production settings, as two web processes would: the first uses the user's
# current TOTP code, the second presents it again.
USE_TOTP_CODE = """
import json, sys
import django
django.setup()
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.core.cache import cache
from django.core.management import call_command

from praho.accounts.models import User
from praho.accounts.tests.factories import UserFactory, add_totp, totp_code

call_command("migrate", verbosity=0, interactive=False)
user = User.objects.filter(email="probe@customer.test").first()
if user is None:
    user = UserFactory(email="probe@customer.test")
    add_totp(user)
    code = totp_code(user)
else:
    code = sys.argv[1]
totp = TOTP(Authenticator.objects.get(user=user, type="totp"))
accepted = totp.validate_code(code)
marked = cache.get(totp._get_used_cache_key(code))
json.dump({"code": code, "accepted": accepted, "marked_used": marked}, sys.stdout)
"""


def test_production_refuses_a_totp_code_another_process_accepted(redis_url, tmp_path):
    env = prod_env(
        DJANGO_SETTINGS_MODULE="praho.settings.prod",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        REDIS_URL=redis_url,
    )
    first = run(["-c", USE_TOTP_CODE, ""], env)
    assert first.returncode == 0, first.stderr
    used = json.loads(first.stdout)

    second = run(["-c", USE_TOTP_CODE, used["code"]], env)

    assert second.returncode == 0, second.stderr
    assert (used["accepted"], json.loads(second.stdout)) == (
        True,
        {"code": used["code"], "accepted": False, "marked_used": "y"},
    )


@pytest.fixture(scope="module")
def prod_responses(tmp_path_factory, redis_url) -> dict:
    database = tmp_path_factory.mktemp("prod") / "db.sqlite3"
    result = run(
        ["-m", "praho.core.tests.prod_probe"],
        prod_env(
            DJANGO_SETTINGS_MODULE="praho.settings.prod",
            DATABASE_URL=f"sqlite:///{database}",
            REDIS_URL=redis_url,
        ),
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def csp_directives(header: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())


def test_production_sends_hsts_for_a_year_with_subdomains_and_preload(prod_responses):
    headers = prod_responses["live"]["headers"]

    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_production_trusts_the_proxy_to_say_the_request_was_https(prod_responses):
    assert prod_responses["forwarded"] == {
        "status": 200,
        "hsts": "max-age=31536000; includeSubDomains; preload",
    }


def test_production_sends_a_csp_without_inline_scripts(prod_responses):
    for response in ("live", "api"):
        directives = csp_directives(prod_responses[response]["headers"]["Content-Security-Policy"])
        assert directives["script-src"] == "'self'"
        assert directives["default-src"] == "'self'"
        assert directives["object-src"] == "'none'"
        assert directives["frame-ancestors"] == "'none'"
        assert "unsafe-inline" not in prod_responses[response]["headers"]["Content-Security-Policy"]


def test_production_forbids_framing_and_limits_the_referrer(prod_responses):
    headers = prod_responses["api"]["headers"]

    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_production_session_cookie_is_secure_http_only_and_host_bound(prod_responses):
    login = prod_responses["login"]

    assert login["status"] == 302
    assert login["session_cookie"] == {
        "secure": True,
        "httponly": True,
        "samesite": "Lax",
        "path": "/",
        "domain": "",
    }


def test_production_csrf_cookie_is_secure_and_host_bound(prod_responses):
    assert prod_responses["login"]["csrf_cookie"] == {
        "secure": True,
        "httponly": False,
        "samesite": "Lax",
        "path": "/",
        "domain": "",
    }


def test_production_redirects_plain_http_to_https(prod_responses):
    assert prod_responses["plain_page"] == {
        "status": 301,
        "location": "https://praho.example.com/accounts/login/",
    }


def test_production_answers_health_probes_over_plain_http(prod_responses):
    assert prod_responses["plain_health"] == {"status": 200}


def test_production_refuses_unknown_hosts(prod_responses):
    assert prod_responses["wrong_host"] == {"status": 400}


def test_production_logs_are_json_lines_with_the_request_id():
    env = prod_env(DJANGO_SETTINGS_MODULE="praho.settings.prod")
    code = (
        "import django, logging; django.setup();"
        "from praho.core import request_id as r;"
        "t = r.activate(r.RequestContext(request_id='req-prod-log-1'));"
        "logging.getLogger('praho.probe').warning('hello');"
        "r.deactivate(t)"
    )

    result = run(["-c", code], env)

    assert result.returncode == 0, result.stderr
    [line] = result.stderr.strip().splitlines()
    record = json.loads(line)
    assert {key: record[key] for key in ("level", "logger", "request_id", "message")} == {
        "level": "WARNING",
        "logger": "praho.probe",
        "request_id": "req-prod-log-1",
        "message": "hello",
    }


@pytest.mark.django_db
def test_pages_carry_the_csp_header_in_test_settings(client):
    response = client.get("/accounts/login/")

    assert response.status_code == 200
    directives = csp_directives(response["Content-Security-Policy"])
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_the_login_page_has_no_inline_executable_scripts(client):
    import re

    response = client.get("/accounts/login/")

    # JSON data blocks (type="application/json") are not executed and CSP allows them.
    inline = re.findall(rb"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", response.content)
    assert inline == []
