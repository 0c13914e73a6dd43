import gc
import logging
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "praho.settings.prod")
application = get_wsgi_application()

from praho.billing.pdf import rendering as pdf  # noqa: E402  (needs the apps loaded by get_wsgi_application)

# The PDF stylesheet and fonts are loaded now so that they are frozen with the rest and the
# first PDF download costs what the others do. A failure must not keep the site down: the PDF
# views report it themselves.
try:
    pdf.warm_up()
except Exception:
    logging.getLogger(__name__).exception("PDF warm-up failed in a web process")
# Start-up objects live as long as the worker: frozen, full collections stop scanning them
# (~100 ms every ~25 requests; bench/billing_lists.py, stage S2; ~100 ms every ~8 PDFs,
# bench/billing.py).
gc.collect()
gc.freeze()
