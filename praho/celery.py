"""Celery application.

Without CELERY_BROKER_URL tasks run in-process (the embedded default, see
settings); with it they go to the workers started by `make worker`.
"""

import gc
import logging
import os
from typing import Any

from celery import Celery
from celery.signals import worker_process_init

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
    from praho.billing import pdf

    try:
        pdf.warm_up()
    except Exception:
        # A worker that cannot make PDFs still sends e-mails and e-Factura; the PDF task
        # itself fails with the same error, where it is retried and reported.
        logger.exception("PDF warm-up failed in a Celery worker process")
    gc.collect()
    gc.freeze()
