import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "praho.settings.prod")
application = get_wsgi_application()
# Start-up objects live as long as the worker: frozen, full collections stop scanning them
# (~100 ms every ~25 requests; bench/billing_lists.py, stage S2).
gc.freeze()
