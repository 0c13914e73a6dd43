"""Row locks recurring billing takes, in the order of docs/decisions/0006-locking.md: billing's
(the customer, then documents by id) → the service → provisioning's (the service again, its
operations) → the audit chain.

A plan change or a cancellation bills or credits the customer (billing locks the customer's row
for the postings) and may cancel the service's renewal proforma of the next period: those are
locked first, then the service, so a payment of that proforma (customer → document → the
renewal's service) and a plan change queue on the same rows in the same order."""

from __future__ import annotations

from praho.billing.locks import lock_customer, locked_documents
from praho.orders.models import Service
from praho.recurring.models import Renewal, RenewalStatus


def locked_service(service_id: int) -> Service:
    """The service, locked after its customer and its renewal documents awaiting payment; with its
    plan and customer read along. Service.DoesNotExist for an unknown id."""
    customer_id = Service.objects.filter(pk=service_id).values_list("customer_id", flat=True).first()
    if customer_id is None:
        raise Service.DoesNotExist
    lock_customer(customer_id)
    open_documents = Renewal.objects.filter(service_id=service_id, status=RenewalStatus.BILLED).values_list(
        "document_id", flat=True
    )
    if documents := list(open_documents):
        locked_documents(documents)
    return (
        Service.objects.select_for_update(no_key=True, of=("self",))
        .select_related("plan", "plan__group", "customer")
        .get(pk=service_id)
    )
