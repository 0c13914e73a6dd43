"""REST API v1 for billing: invoices, proformas, credit notes, payments and balances.

The views are in praho.billing.api.documents (invoices, proformas, credit notes) and
praho.billing.api.payments (payments, balances), the serializers in
praho.billing.api.serializers; this module holds the schema's error answers in billing's
words and the PDF renderer. Who the user is and may do, and parsing with the errors keyed
like the services', are praho.core.api's (user_of, require_staff_permission, validated).
Views parse, call one selector or service and shape the answer; the services check
the rules and audit.

- Isolation: documents come from `documents_visible_to`/`document_for` and payments
  from `payments_visible_to`/`payment_for` (praho.billing.selectors), so an id the
  user may not see answers 404 for every method, and an id of another kind of
  document (a proforma's id under /invoices/) too. A customer's user sees the
  documents of the customers where their role has the BILLING capability.
- Writes are for staff with the matching permission (billing.add_document,
  change_document, issue_document, credit_document, add_payment). A customer's
  user never writes: 403 on a document they can see, 404 on one they cannot.
- Errors: the shape of praho.core.api. A body's keys an endpoint does not take are
  refused (400 `unknown_field`), never ignored; numbers are read in ASCII digits only
  (core.api.StrictDecimalField, StrictIntegerField). Line errors are keyed by index the same
  way whether the serializer or the service finds them
  ({"lines": {"0": {"quantity": [...]}}}), so a client reads them one way.
- POST /proformas/{id}/convert/ answers 201 with the new, issued invoice;
  POST /invoices/{id}/credit-note/ answers 201 with the issued credit note.
  POST /proformas/{id}/issue/ numbers a proforma in its own series (it stays
  editable); a payment on an issued proforma converts it (payments.record_payment).
- Payments take and show the day received as "date" (the service's received_on).
- GET /customers/{id}/balance/ answers a list, one row per currency with ledger entries.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy
from rest_framework.renderers import BaseRenderer

from praho.core.api import ErrorResponses

error_responses = ErrorResponses(
    invalid=gettext_lazy("Validation error or refusal by a business rule: messages per field."),
    forbidden=gettext_lazy("Not allowed: missing staff permission (customers' users only read)."),
    not_found=gettext_lazy("No such document for this user (also when it belongs to someone else)."),
)


class PdfRenderer(BaseRenderer):
    """Lets clients ask for application/pdf; the view answers the PDF itself."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        return bytes(data)
