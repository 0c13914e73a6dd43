"""The staff page that issues a credit note for an issued invoice under /staff/billing/: the
invoice's lines with what is left to credit on each, crediting chosen quantities or everything
left. praho.billing.services.corrections.credit_note checks the limits; its errors are shown next to the
line they name. The lists and what the document pages share are in views.py.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from praho.billing import selectors
from praho.billing.display import decimal_text
from praho.billing.models import DocumentLine, DocumentStatus, DocumentType
from praho.billing.services import corrections
from praho.billing.web.staff.forms import CreditNoteForm
from praho.billing.web.staff.views import TEMPLATES, to_detail
from praho.core.http import AuthenticatedHttpRequest


def _credit_request(form: CreditNoteForm, everything: bool) -> list[tuple[DocumentLine, dict[str, Any]]]:
    if everything:
        return [(line, {"line": line.pk}) for line, remaining in form.lines if remaining > 0]
    return [(line, {"line": line.pk, "quantity": quantity}) for line, quantity in form.chosen()]


def _show_credit_errors(
    form: CreditNoteForm, error: ValidationError, chosen: list[tuple[DocumentLine, dict[str, Any]]]
) -> None:
    by_key = error.error_dict if hasattr(error, "error_dict") else {"": error.error_list}
    for key, errors in by_key.items():
        index, _dot, field = key.removeprefix("lines.").partition(".")
        target = None
        if field == "quantity" and index.isdigit() and int(index) < len(chosen):
            target = form.field_name(chosen[int(index)][0])
        for one in errors:
            form.add_error(target, one)


@permission_required("billing.credit_document", raise_exception=True)
def credit_note_create(request: AuthenticatedHttpRequest, document_id: int) -> HttpResponse:
    invoice = selectors.document_for(request.user, document_id, DocumentType.INVOICE)
    if invoice.status != DocumentStatus.ISSUED:
        messages.error(request, _("Only an issued invoice can be credited."))
        return to_detail(invoice)
    form = CreditNoteForm(
        request.POST if request.method == "POST" else None, lines=corrections.creditable_lines(invoice)
    )
    if request.method == "POST" and form.is_valid():
        chosen = _credit_request(form, everything=request.POST.get("action") == "all")
        if not chosen:
            form.add_error(None, _("Give the quantity to credit of at least one line."))
        else:
            try:
                note = corrections.credit_note(
                    actor=request.user, invoice=invoice, lines=[wanted for _line, wanted in chosen]
                )
            except ValidationError as error:
                _show_credit_errors(form, error, chosen)
            else:
                messages.success(
                    request,
                    _("Credit note %(note)s was issued for invoice %(invoice)s.")
                    % {"note": note.number, "invoice": invoice.number},
                )
                return to_detail(note)
    rows = [
        {
            "line": line,
            "invoiced": decimal_text(line.quantity),
            "remaining": decimal_text(remaining),
            "unit_price": decimal_text(line.unit_price),
            "field": field,
        }
        for line, remaining, field in form.rows()
    ]
    nothing_left = all(remaining <= 0 for _line, remaining in form.lines)
    context = {"invoice": invoice, "form": form, "rows": rows, "nothing_left": nothing_left}
    return render(request, TEMPLATES + "credit_note_form.html", context)
