"""Run by test_settings.py in a subprocess under praho.settings.prod.

Prints, as JSON, the headers and cookies that production sends, so the test
can check them without importing production settings into the test process.
Needs DATABASE_URL pointing at a throw-away SQLite file (migrated here).
"""

from __future__ import annotations

import json
import sys

import django


def cookie(response, name: str) -> dict[str, object]:
    morsel = response.cookies[name]
    return {
        "secure": bool(morsel["secure"]),
        "httponly": bool(morsel["httponly"]),
        "samesite": morsel["samesite"],
        "path": morsel["path"],
        "domain": morsel["domain"],
    }


def main() -> None:
    django.setup()
    from allauth.account.models import EmailAddress
    from django.core.management import call_command
    from django.test import Client

    from praho.accounts.models import User

    call_command("migrate", verbosity=0, interactive=False)
    user = User.objects.create_user("probe@customer.test", "correct horse battery staple")
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)

    client = Client(HTTP_HOST="praho.example.com")
    https = {"secure": True}
    live = client.get("/health/live/", **https)
    plain_page = client.get("/accounts/login/")
    plain_health = client.get("/health/ready/")
    login = client.post(
        "/accounts/login/",
        {"login": "probe@customer.test", "password": "correct horse battery staple"},
        **https,
    )
    api = client.get("/api/v1/me/", **https)
    forwarded = client.get("/health/live/", HTTP_X_FORWARDED_PROTO="https")
    wrong_host = Client(HTTP_HOST="evil.example.net").get("/health/live/", **https)

    json.dump(
        {
            "live": {"status": live.status_code, "headers": dict(live.headers)},
            "plain_page": {"status": plain_page.status_code, "location": plain_page.get("Location")},
            "plain_health": {"status": plain_health.status_code},
            "login": {
                "status": login.status_code,
                "session_cookie": cookie(login, "__Host-sessionid"),
                "csrf_cookie": cookie(login, "__Host-csrftoken")
                if "__Host-csrftoken" in login.cookies
                else None,
            },
            "api": {"status": api.status_code, "headers": dict(api.headers)},
            "forwarded": {
                "status": forwarded.status_code,
                "hsts": forwarded.get("Strict-Transport-Security"),
            },
            "wrong_host": {"status": wrong_host.status_code},
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
