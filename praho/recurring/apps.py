from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecurringConfig(AppConfig):
    name = "praho.recurring"
    verbose_name = _("Recurring billing")

    def ready(self) -> None:
        from praho.recurring import charge_receivers, receivers  # noqa: F401  (billing's, payments' signals)
