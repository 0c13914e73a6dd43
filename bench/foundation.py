"""Foundation benchmark: audit trail throughput, audit browser, token API, probes.

Run by hand (not part of the test suite), against a throw-away test database:

    .venv/bin/python bench/foundation.py                       # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/praho .venv/bin/python bench/foundation.py

Options: --events N (default 20000), --requests N (default 200).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "praho.settings.test")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")

import warnings

import django

warnings.filterwarnings("ignore", "No directory at", UserWarning)

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from bench._timing import p50_p95  # noqa: E402


def percentiles(samples_ms: list[float]) -> str:
    p50, p95 = p50_p95(samples_ms)
    return f"p50 {p50:7.2f} ms   p95 {p95:7.2f} ms   (n={len(samples_ms)})"


def timed(call: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    # Real password hashing for the token endpoint, like production.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    setup_test_environment()
    test_db = connection.creation.create_test_db(verbosity=0)
    try:
        from praho.accounts.tests.factories import UserFactory, add_totp
        from praho.audit.integrity import verify_chain
        from praho.audit.services import record_event

        print(f"database: {connection.vendor} ({test_db})")
        admin = UserFactory(email="bench-admin@praho.test", is_staff=True, roles=["admin"])
        add_totp(admin)
        customer = UserFactory(email="bench-customer@praho.test")

        start = time.perf_counter()
        for n in range(args.events):
            record_event("bench.event", actor=admin, target=customer, data={"n": n, "note": "benchmark"})
        elapsed = time.perf_counter() - start
        each_us = elapsed * 1e6 / args.events
        print(f"audit append:       {args.events / elapsed:9.0f} events/s ({each_us:.0f} µs each)")

        start = time.perf_counter()
        report = verify_chain()
        elapsed = time.perf_counter() - start
        if not report.intact or report.checked != args.events:
            raise SystemExit(f"chain check failed: {report}")
        rate = report.checked / elapsed
        print(f"audit_verify:       {rate:9.0f} events/s ({elapsed:.2f} s for {report.checked})")

        staff = Client()
        staff.force_login(admin)
        print("audit list page     ", percentiles(timed(lambda: staff.get("/staff/audit/"), args.requests)))
        print(
            "audit list filtered ",
            percentiles(
                timed(
                    lambda: staff.get("/staff/audit/", {"actor": "bench-admin", "action": "bench."}),
                    args.requests,
                )
            ),
        )
        print("staff dashboard     ", percentiles(timed(lambda: staff.get("/staff/"), args.requests)))

        api = Client()
        body = {"email": customer.email, "password": "correct horse battery staple"}
        print(
            "token obtain (PBKDF2)",
            percentiles(
                timed(lambda: api.post("/api/v1/auth/token/", body, content_type="application/json"), 20)
            ),
        )
        access = api.post("/api/v1/auth/token/", body, content_type="application/json").json()["access"]
        print(
            "GET /api/v1/me/     ",
            percentiles(
                timed(lambda: api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {access}"), args.requests)
            ),
        )
        print("GET /health/ready/  ", percentiles(timed(lambda: api.get("/health/ready/"), args.requests)))
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)


if __name__ == "__main__":
    main()
