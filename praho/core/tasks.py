"""Celery tasks of the core: the probe that shows a worker runs tasks, and under which request ID."""

from __future__ import annotations

import logging
import socket

from celery import shared_task

from praho.core import request_id

logger = logging.getLogger(__name__)


@shared_task(name="core.ping")
def ping(payload: str) -> dict[str, str]:
    """Round-trip probe: proves a worker took the task and answered, and shows the request ID it
    ran under (the enqueuing request's, or a fresh one; praho.celery)."""
    logger.info("core.ping: %s", payload)
    return {"echo": payload, "worker": socket.gethostname(), "request_id": request_id.current().request_id}
