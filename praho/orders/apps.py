from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "praho.orders"
    label = "orders"
    verbose_name = _("Orders and services")

    def ready(self) -> None:
        from praho.orders import signals  # noqa: F401  (connects the payment receiver)
