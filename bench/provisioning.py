"""Provisioning benchmark (issue 14): 1,000 create operations dispatched to two real Celery
workers (Redis broker, PostgreSQL) against the local fake panels: Virtualmin, HestiaCP and
Proxmox VE (a multi-step create: clone, wait for the task, config, resize, password, start).

Reports operations per second (the first operation queued to the last one finished), the
end-to-end latency of each (queued -> succeeded) p50/p95/max, and checks that every panel has
exactly one account or machine per service.

Run by hand (not in the test suite), against a throw-away database it creates and migrates:

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/praho_provbench
    export CELERY_BROKER_URL=redis://127.0.0.1:6379/12
    .venv/bin/python bench/provisioning.py            # --operations 1000 --workers 2
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "praho.settings.dev")
os.environ.setdefault("PROVISIONING_HTTP_TIMEOUT", "30")

import django  # noqa: E402
import psycopg  # noqa: E402


def fresh_database(url: str) -> None:
    parts = urlsplit(url)
    name = parts.path.strip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def start_workers(count: int, log_dir: Path) -> list[subprocess.Popen[bytes]]:
    celery = ROOT / ".venv" / "bin" / "celery"
    workers = []
    for n in range(count):
        log = (log_dir / f"worker{n}.log").open("wb")
        workers.append(
            subprocess.Popen(
                [
                    str(celery),
                    "-A",
                    "praho",
                    "worker",
                    "--pool=solo",
                    "-n",
                    f"bench{n}@%h",
                    "--without-gossip",
                    "--without-mingle",
                    "--loglevel=WARNING",
                ],
                cwd=ROOT,
                env=dict(os.environ),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
    return workers


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--operations", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    url, broker = os.environ.get("DATABASE_URL", ""), os.environ.get("CELERY_BROKER_URL", "")
    if not url.startswith("postgres") or not broker:
        sys.exit("Set DATABASE_URL (a throw-away PostgreSQL database) and CELERY_BROKER_URL (Redis).")
    fresh_database(url)
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    run(args.operations, args.workers)


def run(count: int, worker_count: int) -> None:
    import redis
    from django.utils import timezone

    from bench._timing import spread
    from praho.catalog.models import Plan
    from praho.customers.models import Customer
    from praho.orders.models import Service, ServiceStatus
    from praho.provisioning.models import Operation, OperationState
    from praho.provisioning.services import actions
    from praho.testing.fakes import hestiacp, proxmox, virtualmin
    from praho.testing.provisioning import make_server, make_service
    from praho.testing.shop import build_shop

    redis.Redis.from_url(os.environ["CELERY_BROKER_URL"]).flushdb()
    shop = build_shop()
    hestia_plan = Plan.objects.create(
        group=shop.groups["hosting"],
        code="mail-start",
        name_en="Mail start",
        module="hestiacp",
        module_params={"package": "default"},
    )
    panels = {
        "virtualmin": virtualmin.FakeVirtualmin().start(),
        "hestiacp": hestiacp.FakeHestia().start(),
        "proxmox": proxmox.FakeProxmox().start(),
    }
    make_server("virtualmin", panels["virtualmin"].url, username="root", secret="virtualmin-secret")
    make_server("hestiacp", panels["hestiacp"].url, username=hestiacp.ACCESS_KEY, secret=hestiacp.SECRET_KEY)
    vm = panels["proxmox"]
    vm.storage_free_gb["local-lvm"] = 1_000_000.0  # room for every clone
    make_server(
        "proxmox",
        vm.url,
        username="praho@pve!provisioning",
        secret="0b9d5a7e-3c1f-4e2a-9b8d-6f4a2c1e7d35",
        node="pve1",
    )
    customer = Customer.objects.create(kind="company", name="Bench SRL", country="RO", email="ops@bench.ro")
    mix = [(shop.plans["web-start"], 6), (hestia_plan, 3), (shop.plans["vps-s"], 1)]
    services = []
    for n in range(count):
        plan = mix[0][0] if n % 10 < 6 else mix[1][0] if n % 10 < 9 else mix[2][0]
        services.append(make_service(plan, customer, domain=f"bench{n}.ro"))

    log_dir = Path("/tmp/praho-bench-provisioning")
    log_dir.mkdir(exist_ok=True)
    workers = start_workers(worker_count, log_dir)
    time.sleep(3)  # the workers connect to the broker
    began = time.perf_counter()
    for service in services:
        actions.create(service_id=service.pk, actor=None)  # committed: the task is sent
    queued_in = time.perf_counter() - began
    ops = Operation.objects.filter(service__in=[s.pk for s in services])
    try:
        while ops.filter(state__in=[OperationState.QUEUED, OperationState.RUNNING]).exists():
            if time.perf_counter() - began > 1800:
                sys.exit("Not done in 30 minutes; see the worker logs in " + str(log_dir))
            time.sleep(0.5)
    finally:
        for worker in workers:
            worker.terminate()
    finished = list(ops.values_list("state", "created_at", "finished_at", "attempts"))
    latencies = [(done - queued).total_seconds() * 1000 for _, queued, done, _ in finished]
    worked = {
        code: [
            (done - started).total_seconds() * 1000
            for started, done in ops.filter(service__plan__code=code).values_list("started_at", "finished_at")
        ]
        for code in ("web-start", "mail-start", "vps-s")
    }
    first = min(queued for _, queued, _, _ in finished)
    last = max(done for _, _, done, _ in finished)
    states = {state: sum(1 for s, *_ in finished if s == state) for state in OperationState.values}
    active = Service.objects.filter(pk__in=[s.pk for s in services], status=ServiceStatus.ACTIVE).count()
    print(f"{count} creates with {worker_count} workers; queued in {queued_in:.1f} s")
    print(f"states: {states}; services active: {active}; retried: {sum(1 for *_, a in finished if a > 1)}")
    print(f"throughput: {count / (last - first).total_seconds():.1f} operations/s")
    print(f"end-to-end latency (queued -> succeeded): {spread(latencies)}")
    for code, samples in worked.items():
        print(f"  one {code} create, claimed -> succeeded: {spread(samples)}")
    print(
        "panels: virtualmin domains",
        len(panels["virtualmin"].domains),
        "| hestiacp users",
        len(panels["hestiacp"].users),
        "| proxmox guests (with 2 templates)",
        len(vm.guests),
    )
    for fake in panels.values():
        fake.stop()
    print(f"(timestamps at {timezone.now():%H:%M:%S})")


if __name__ == "__main__":
    main()
