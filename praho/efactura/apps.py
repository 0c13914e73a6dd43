from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class EfacturaConfig(AppConfig):
    name = "praho.efactura"
    label = "efactura"
    verbose_name = _("e-Factura")

    def ready(self) -> None:
        from praho.billing.signals import documents_issued

        documents_issued.connect(_submit_issued, dispatch_uid="efactura.submit_issued")


def _submit_issued(sender: Any, document_ids: list[int], **kwargs: Any) -> None:
    """Billing issued invoices or credit notes (after commit): submit them now, in a worker.
    The periodic efactura.submit_new intake catches any this misses (a lost message, the setting off)."""
    if settings.EFACTURA_SUBMIT_ON_ISSUE:
        from praho.efactura.tasks import submit_issued

        submit_issued.delay(list(document_ids))
