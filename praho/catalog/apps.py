from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "praho.catalog"
    label = "catalog"
    verbose_name = _("Catalog")

    def ready(self) -> None:
        from praho.catalog import signals

        signals.connect()
