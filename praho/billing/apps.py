from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "praho.billing"
    label = "billing"
    verbose_name = _("Billing")

    def ready(self) -> None:
        from praho.audit.labels import register_label
        from praho.billing import signals  # noqa: F401  (connects billing's own receivers)
        from praho.billing.audit_labels import document_label

        register_label("billing.document", document_label)
