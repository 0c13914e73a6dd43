"""Row locks recurring billing takes (docs/decisions/0006-locking.md).

Billing runs: billing's customer (every money action of one customer queues there; several
customers in id order) → the customers' services, by id (provisioning's) → what billing locks
next when the renewal documents are issued (series counter) → the audit chain. A payment takes
customer → documents → series → services, so it queues behind a run billing the same customer
instead of meeting it in a circle.

Dunning: the renewal document it chases → its services, by id (provisioning's, in its actions) →
their operations → the audit chain. Two dunning runs, or a run and staff confirming a
termination, act on one document one after the other; a payment (customer → that document →
services) waits for dunning's document or dunning waits for it, and then sees it paid.

A charge's outcome: inbound event (inbox) → customer → documents (billing.locks) → payments'
rows → automatic charges, billing preferences (these) → the audit chain. It arrives inside the
transaction that recorded its payment (billing's locks first), so the charge's row comes after.

A plan change or a cancellation (services.plan_change, services.cancellation): customer → the
service's renewal documents awaiting payment, by id (the next period's proforma it may cancel) →
the service → what provisioning and billing lock next (operations, series counter) → the audit
chain: a payment of that proforma and a plan change queue in the same order."""

from __future__ import annotations

from collections.abc import Iterable

from praho.billing.locks import lock_customer, locked_documents
from praho.billing.models import Document
from praho.customers.models import Customer
from praho.orders.models import Service
from praho.provisioning.locks import locked_services
from praho.recurring.models import AutoCharge, BillingPreference, Renewal, RenewalStatus


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


def locked_autocharge(pk: int) -> AutoCharge | None:
    return AutoCharge.objects.select_for_update(no_key=True).filter(pk=pk).first()


def locked_preference(customer_id: int) -> BillingPreference | None:
    return BillingPreference.objects.select_for_update(no_key=True).filter(customer_id=customer_id).first()


def locked_document(pk: int) -> Document:
    """A renewal document as stored, locked FOR NO KEY UPDATE until the caller's transaction ends
    (its customer read along, not locked)."""
    return Document.objects.select_for_update(no_key=True, of=("self",)).select_related("customer").get(pk=pk)


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
