"""Row locks recurring billing takes, in the project's order (docs/decisions/0006-locking.md):
customer → documents (by id) → services (by id, provisioning's locks) → their operations → the
audit chain, last. Dunning locks the renewal document it chases first, so two runs (or a run and
staff confirming a termination) act on one document one after the other, and a payment (which
locks the document after the customer) is either seen whole or not at all."""

from __future__ import annotations

from praho.billing.models import Document


def locked_document(pk: int) -> Document:
    """The document as stored, locked FOR NO KEY UPDATE until the caller's transaction ends (its
    customer read along, not locked)."""
    return Document.objects.select_for_update(no_key=True, of=("self",)).select_related("customer").get(pk=pk)
