"""Row locks recurring billing takes. Order: billing's customer (every money action of one
customer queues there) → billing's documents, by id → the customer's services, by id
(provisioning's) → what billing locks next when a document is issued (series counter) → the audit
chain (docs/decisions/0006-locking.md). A payment takes customer → documents → series → services,
so it queues behind a run billing the same customer instead of meeting it in a circle.

A plan change or a cancellation (services.plan_change, services.cancellation) bills or credits the
customer and may cancel the service's renewal proforma of the next period: the customer, then
those documents, then the service are locked first, so a payment of that proforma and a plan
change queue on the same rows in the same order."""

from __future__ import annotations

from collections.abc import Iterable

from praho.billing.locks import lock_customer, locked_documents
from praho.customers.models import Customer
from praho.orders.models import Service
from praho.provisioning.locks import locked_services
from praho.recurring.models import Renewal, RenewalStatus


def locked_customers_and_services(
    customer_ids: Iterable[int], service_ids: Iterable[int]
) -> tuple[dict[int, Customer], list[Service]]:
    """The customers by id (locked as billing's lock_customer locks one, in id order), then their
    services (by id, with their plans)."""
    customers = Customer.objects.select_for_update(no_key=True, of=("self",)).filter(
        pk__in=list(customer_ids)
    )
    found = {customer.pk: customer for customer in customers.order_by("pk")}
    return found, locked_services(service_ids)


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
