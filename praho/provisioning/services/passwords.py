"""Showing a customer their panel password: read from the sealed account row, audited each time
(`provisioning.password_shown`), never logged. Who may ask is the view's business (members whose
role has the TECHNICAL capability, for their own customer's services)."""

from __future__ import annotations

from typing import Any

from praho.audit.services import record_event
from praho.core.transactions import service_transaction
from praho.orders.models import Service
from praho.provisioning.models import Account
from praho.provisioning.secrets import unseal_password


@service_transaction
def reveal_password(*, service: Service, actor: Any) -> str:
    """The account's panel password ("" when the service has no account with one yet, and then
    nothing is recorded)."""
    account = Account.objects.filter(service=service).first()
    if account is None or not account.password_sealed:
        return ""
    data = {"account": account.username}
    record_event("provisioning.password_shown", actor=actor, target=service, data=data)
    return unseal_password(account.password_sealed)
