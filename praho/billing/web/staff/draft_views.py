"""Staff pages that create and change drafts (proformas and invoices) under /staff/billing/: the
header form and the lines formset on one page, with the services' errors placed next to the field
they name ("lines.2.quantity" on the third line sent). The lists and what the document pages
share are in views.py.

The page works without JavaScript: "add a line" and "find the customer" post the form back and
redraw it with what was typed, and only a save calls the service (praho.billing.services.drafts).
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
from praho.billing.models import Document, DocumentType
from praho.billing.services import drafts as documents
from praho.billing.web.staff.forms import DocumentHeaderForm, LineFormSet, line_initial
from praho.billing.web.staff.views import (
    KINDS,
    TEMPLATES,
    error_text,
    picker_context,
    to_detail,
    visible_customer,
)
from praho.core.http import AuthenticatedHttpRequest

LINES_PREFIX = "lines"


class _Editor:
    """The header form and the lines formset of a draft, and where the services' errors go."""

    def __init__(self, data: Any, *, header_initial: dict[str, Any], lines_initial: list[dict[str, Any]]):
        self.header = DocumentHeaderForm(data, initial=header_initial)
        self.lines = LineFormSet(data, initial=lines_initial, prefix=LINES_PREFIX)
        self.line_errors: list[str] = []
        self.positions: list[int] = []  # the form index of each line sent to the service

    def is_valid(self) -> bool:
        return self.header.is_valid() & self.lines.is_valid()

    def line_values(self) -> list[dict[str, Any]]:
        """The lines to save: not removed, and not a blank line added but never filled in."""
        values = []
        self.positions = []
        for index, form in enumerate(self.lines.forms):
            if form in self.lines.deleted_forms or (form.empty_permitted and not form.has_changed()):
                continue
            self.positions.append(index)
            values.append(form.values())
        return values

    def show(self, error: ValidationError) -> None:
        """Each service error next to its field: "lines.2.quantity" on the third line sent."""
        if not hasattr(error, "error_dict"):
            self.header.add_error(None, error)
            return
        for key, errors in error.error_dict.items():
            for one in errors:
                self._place(key, one)

    def _place(self, key: str, error: ValidationError) -> None:
        index, _dot, field = key.removeprefix(f"{LINES_PREFIX}.").partition(".")
        if key.startswith(f"{LINES_PREFIX}.") and index.isdigit() and int(index) < len(self.positions):
            form = self.lines.forms[self.positions[int(index)]]
            form.add_error(field if field in form.fields else None, error)
        elif key == LINES_PREFIX:
            self.line_errors.extend(error.messages)
        else:
            self.header.add_error(key if key in self.header.fields else None, error)


def _with_one_more_line(data: Any) -> Any:
    """The posted data asking for one more (blank) line: the add-line button without JavaScript."""
    data = data.copy()
    total = f"{LINES_PREFIX}-TOTAL_FORMS"
    data[total] = str(int(data.get(total) or 0) + 1)
    return data


def _editor_page(request: AuthenticatedHttpRequest, editor: _Editor, **context: Any) -> HttpResponse:
    return render(
        request,
        TEMPLATES + "document_form.html",
        {"form": editor.header, "lines": editor.lines, "line_errors": editor.line_errors, **context},
    )


def _document_create(request: AuthenticatedHttpRequest, document_type: str) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    if data is not None and "add_line" in data:
        data = _with_one_more_line(data)
    editor = _Editor(data, header_initial={}, lines_initial=[])
    if data is None:
        editor.lines.extra = 1
    customer = visible_customer(request, data.get("customer") if data else request.GET.get("customer"))
    saving = data is not None and not ({"add_line", "find_customer"} & set(data))
    if saving and editor.is_valid():
        if customer is None:
            editor.header.add_error("customer", _("Choose the customer."))
        else:
            try:
                document = documents.create_document(
                    actor=request.user,
                    document_type=document_type,
                    customer=customer,
                    lines=editor.line_values(),
                    **editor.header.values(),
                )
            except ValidationError as error:
                editor.show(error)
            else:
                messages.success(request, _("The draft was saved."))
                return to_detail(document)
    picker = picker_context(
        request, selected=customer, query=data.get("customer_q", "") if data else "", optional=False
    )
    return _editor_page(
        request, editor, kind=KINDS[document_type], document_type=document_type, picker=picker
    )


@permission_required("billing.add_document", raise_exception=True)
def invoice_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _document_create(request, DocumentType.INVOICE)


@permission_required("billing.add_document", raise_exception=True)
def proforma_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _document_create(request, DocumentType.PROFORMA)


def _header_initial(document: Document) -> dict[str, Any]:
    return {
        "currency": document.currency,
        "issue_date": document.issue_date,
        "tax_point_date": document.tax_point_date,
        "due_date": document.due_date,
        "notes": document.notes,
    }


@permission_required("billing.change_document", raise_exception=True)
def document_edit(request: AuthenticatedHttpRequest, document_id: int) -> HttpResponse:
    document = selectors.document_for(request.user, document_id)
    try:
        documents.refuse_unless_editable(document)
    except ValidationError as error:
        messages.error(request, error_text(error))
        return to_detail(document)
    data = request.POST if request.method == "POST" else None
    if data is not None and "add_line" in data:
        data = _with_one_more_line(data)
    editor = _Editor(
        data,
        header_initial=_header_initial(document),
        lines_initial=[line_initial(line) for line in document.lines.all()],
    )
    if data is not None and "add_line" not in data and editor.is_valid():
        try:
            documents.update_draft(
                actor=request.user, document=document, lines=editor.line_values(), **editor.header.values()
            )
        except ValidationError as error:
            editor.show(error)
        else:
            messages.success(request, _("The changes were saved."))
            return to_detail(document)
    return _editor_page(request, editor, kind=KINDS[document.document_type], document=document)
