from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProvisioningConfig(AppConfig):
    name = "praho.provisioning"
    verbose_name = _("Provisioning")

    def ready(self) -> None:
        from praho.provisioning import receivers  # noqa: F401  (connects orders' signals)
