"""`manage.py fakes`: every local fake (ANAF, VIES, BNR, e-Factura, Virtualmin, Proxmox VE,
HestiaCP, Stripe) on its fixed loopback port (praho/testing/offline.py), until Ctrl-C."""

from __future__ import annotations

import contextlib
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from praho.testing import offline


class Command(BaseCommand):
    help = "Run the local fakes of the external services on fixed ports of 127.0.0.1, until Ctrl-C."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--base-port",
            type=int,
            default=offline.BASE_PORT,
            help=(
                f"The first port (default {offline.BASE_PORT}); the fakes take it and the next "
                f"{len(offline.OFFSETS) - 1}."
            ),
        )
        parser.add_argument(
            "--stripe-webhook-url",
            default=None,
            help=(
                f"Where the Stripe fake posts its events (default PRAHO_BASE_URL + "
                f"{offline.STRIPE_WEBHOOK_PATH}, PRAHO's own webhook); an empty value turns them off."
            ),
        )
        parser.add_argument(
            "--seconds",
            type=float,
            default=0,
            help="Stop after this many seconds (default: run until Ctrl-C).",
        )

    def handle(
        self, *args: Any, base_port: int, seconds: float, stripe_webhook_url: str | None, **options: Any
    ) -> None:
        running = offline.start_all(base_port, stripe_webhook=stripe_webhook_url)
        try:
            self.stdout.write("Local fakes on 127.0.0.1:")
            for line in offline.describe(running):
                self.stdout.write(line)
            if base_port != offline.BASE_PORT:
                first, last = (
                    offline.port_of(panel, offline.BASE_PORT) for panel in ("virtualmin", "hestiacp")
                )
                self.stdout.write(
                    self.style.WARNING(
                        f"The demo's servers expect the panels on ports {first}-{last}: "
                        "change their ports on the staff Servers page."
                    )
                )
            self.stdout.write(self.style.SUCCESS("Running; Ctrl-C stops them."))
            self._wait(seconds)
        finally:
            offline.stop_all(running)
        self.stdout.write("Stopped.")

    @staticmethod
    def _wait(seconds: float) -> None:
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C: stop the fakes and say so
            threading.Event().wait(seconds if seconds > 0 else None)
