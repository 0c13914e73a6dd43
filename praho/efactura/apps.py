from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EfacturaConfig(AppConfig):
    name = "praho.efactura"
    label = "efactura"
    verbose_name = _("e-Factura")
