"""Every row lock the customers app takes, in one place (docs/decisions/0006-locking.md).

Order: the customer first, then its rows (memberships, change requests, invitations), then
whatever billing locks after it. Rows are locked FOR NO KEY UPDATE (what an UPDATE takes), so
other transactions' foreign-key checks pass; memberships FOR UPDATE, as a demotion decides who
stays owner and two at once must queue.
"""

from __future__ import annotations

from praho.customers.models import ChangeRequest, Customer, Invitation, Membership


def locked_customer(customer_id: int) -> Customer:
    return Customer.objects.select_for_update(no_key=True).get(pk=customer_id)


def locked_change_request(request_id: int) -> ChangeRequest:
    """The request (with its customer joined, not locked: lock the customer first)."""
    return (
        ChangeRequest.objects.select_for_update(no_key=True, of=("self",))
        .select_related("customer")
        .get(pk=request_id)
    )


def locked_invitation(token_hash: str) -> Invitation | None:
    return Invitation.objects.select_for_update(no_key=True).filter(token_hash=token_hash).first()


def locked_memberships(customer: Customer) -> list[Membership]:
    # Two owners demoting each other at once must not leave none: lock every row, by id.
    return list(Membership.objects.select_for_update().filter(customer=customer).order_by("pk"))
