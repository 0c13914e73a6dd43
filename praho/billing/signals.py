"""What billing tells other apps, without importing them.

`documents_issued` is sent once the transaction that issued invoices or credit notes has
committed (never for a rollback), with `document_ids`; e-Factura submits them from it.
"""

from __future__ import annotations

from django.dispatch import Signal

documents_issued = Signal()
