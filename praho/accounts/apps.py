from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "praho.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        # Login, logout and second-factor events come from django and allauth
        # flows we do not own; their signals are the only place to audit them.
        from praho.accounts import audit_receivers  # noqa: F401
