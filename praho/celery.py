"""Celery application.

Without CELERY_BROKER_URL tasks run in-process (the embedded default, see
settings); with it they go to the workers started by `make worker`.

Workers log as the web processes do (Django's LOGGING: JSON lines in production),
and each task runs under a request ID: the one of the request that enqueued it,
carried in the message's praho_request_id header, or a fresh one for a task no
request enqueued (Celery beat, a command). So an API call can be followed into the
task it enqueued and on to the gateways that task calls.
"""

import gc
import logging
import os
from typing import Any

from celery import Celery, Task
from celery.signals import before_task_publish, setup_logging, task_postrun, task_prerun, worker_process_init
from django.conf import settings
from django.utils.log import configure_logging

from praho.core import request_id

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "praho.settings.dev")

app = Celery("praho")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)


@worker_process_init.connect
def freeze_start_up_objects(**_kwargs: Any) -> None:
    """In each worker process (prefork child or solo), before its first task: load the PDF
    stylesheet and fonts, then gc.freeze() everything alive so far (Django, the task modules,
    WeasyPrint and its stylesheets). Full collections then no longer rescan those long-lived
    objects: unfrozen, such a collection cost ~100 ms on every eighth PDF or so
    (bench/billing.py, issue 4)."""
    from praho.billing.pdf import rendering as pdf

    try:
        pdf.warm_up()
    except Exception:
        # A worker that cannot make PDFs still sends e-mails and e-Factura; the PDF task
        # itself fails with the same error, where it is retried and reported.
        logger.exception("PDF warm-up failed in a Celery worker process")
    gc.collect()
    gc.freeze()


@setup_logging.connect
def log_as_the_web_processes_do(**_kwargs: Any) -> None:
    """Django's LOGGING rather than Celery's own format, which has no request ID (a receiver of
    this signal also stops Celery from configuring logging itself)."""
    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)


@before_task_publish.connect
def carry_the_request_id(headers: dict[str, Any] | None = None, **_kwargs: Any) -> None:
    """A task enqueued while a request is served carries that request's ID to the worker."""
    current = request_id.current().request_id
    if current and headers is not None:
        headers.setdefault(request_id.TASK_HEADER, current)


# The request context each running task entered, by task id, to leave when it ends.
_entered: dict[str, object] = {}


@task_prerun.connect
def enter_the_request_id(task_id: str, task: Task, **_kwargs: Any) -> None:
    """Run the task under the request ID its message carries. In-process (no broker) the task
    runs inside the request that enqueued it and keeps its context; a task no request enqueued
    gets a fresh ID, so its log lines still belong together."""
    carried = getattr(task.request, request_id.TASK_HEADER, None) or (task.request.headers or {}).get(
        request_id.TASK_HEADER
    )
    if not request_id.well_formed(carried):
        if request_id.current().request_id:
            return
        carried = request_id.new_request_id()
    _entered[task_id] = request_id.activate(request_id.RequestContext(request_id=carried))


@task_postrun.connect
def leave_the_request_id(task_id: str, **_kwargs: Any) -> None:
    token = _entered.pop(task_id, None)
    if token is not None:
        request_id.deactivate(token)
