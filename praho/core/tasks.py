import socket

from celery import shared_task


@shared_task(name="core.ping")
def ping(payload: str) -> dict[str, str]:
    """Round-trip probe: proves a worker took the task and answered."""
    return {"echo": payload, "worker": socket.gethostname()}
