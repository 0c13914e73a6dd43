"""The welcome e-mail: how to log in to the panel, sent to the customer when a service becomes
active and again when staff ask."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from praho.audit.services import record_event
from praho.customers.selectors import current_profile_or_none
from praho.orders.models import Service
from praho.provisioning.models import Account
from praho.provisioning.secrets import unseal_password


def recipients(service: Service) -> list[str]:
    profile = current_profile_or_none(service.customer)
    addresses = [service.customer.email, profile.invoice_email if profile is not None else ""]
    return list(dict.fromkeys(address for address in addresses if address))


def language_of(service: Service) -> str:
    profile = current_profile_or_none(service.customer)
    return profile.document_language if profile is not None else "ro"


def send_welcome(service_id: int, *, actor: Any = None) -> bool:
    """Send it; False when the customer has no e-mail address."""
    service = Service.objects.select_related("customer", "plan").get(pk=service_id)
    account = Account.objects.select_related("server").filter(service=service).first()
    to = recipients(service)
    if not to:
        return False
    with translation.override(language_of(service)):
        context = {
            "service": service,
            "account": account,
            "password": unseal_password(account.password_sealed) if account is not None else "",
            "panel_url": account.server.base_url if account is not None and account.server else "",
        }
        subject = " ".join(render_to_string("provisioning/email/welcome_subject.txt", context).split())
        body = render_to_string("provisioning/email/welcome.txt", context)
    send_mail(subject, body, None, to)
    record_event("provisioning.welcome_sent", actor=actor, target=service, data={"to": to})
    return True


def send_welcome_after_commit(service_id: int) -> None:
    """Queue the e-mail as a task of its own once the activation commits (SMTP is no part of
    the panel operation)."""
    transaction.on_commit(partial(_queue_welcome, service_id), robust=True)


def _queue_welcome(service_id: int) -> None:
    from praho.provisioning.tasks import send_welcome_email  # the task module imports this one

    send_welcome_email.delay(service_id)
