"""Celery application.

Without CELERY_BROKER_URL tasks run in-process (the embedded default, see
settings); with it they go to the workers started by `make worker`.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "praho.settings.dev")

app = Celery("praho")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
