"""Row locks billing takes, in the one order every billing action follows.

1. the customer's row (money postings of one customer queue on it: ledger, payments);
2. documents, by id (the one being issued, converted, credited or paid);
3. the series counter (numbering.py, while a number is taken);
4. the audit chain, last of all, when the action's events are linked just before commit
   (praho.audit.services, praho.core.transactions).

Rows are locked FOR NO KEY UPDATE: that is what an UPDATE of them takes anyway, and it lets
the foreign-key checks of other transactions (FOR KEY SHARE: a new draft or ledger entry
pointing at the same customer) through, where FOR UPDATE would make them wait. The reasons and
the deadlock this order removes are in docs/decisions/0006-locking.md.
"""

from __future__ import annotations

from praho.billing.models import Document
from praho.customers.models import Customer


def lock_customer(customer_id: int) -> None:
    """Serialise the money postings of one customer. Inside the caller's transaction; a no-op
    on SQLite, which has one writer at a time anyway."""
    list(Customer.objects.select_for_update(no_key=True).filter(pk=customer_id).values_list("pk", flat=True))


def locked_document(pk: int) -> Document:
    """The document as stored, locked until the caller's transaction ends (its customer is read
    along, not locked)."""
    return Document.objects.select_for_update(no_key=True, of=("self",)).select_related("customer").get(pk=pk)
