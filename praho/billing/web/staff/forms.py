"""Forms of the staff billing document pages.

They only shape input (types, lengths, choices). Amounts and quantities stay
text here: the services parse them (a comma is a decimal separator, as Romanian
staff type it) and say what is wrong, keyed "lines.0.quantity"; the views put
those errors next to these fields.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from praho.billing.display import PAYMENT_STATE_LABELS
from praho.billing.models import DocumentLine, DocumentStatus, DocumentType
from praho.billing.models.vat import VatCategory
from praho.billing.rules.document_input import DESCRIPTION_MAX_LENGTH, NOTES_MAX_LENGTH
from praho.billing.rules.units import UNIT_CODES
from praho.billing.selectors import PAYMENT_STATES
from praho.core.formatting import typed_number
from praho.core.money import Currency
from praho.core.validation import EARLIEST_DATE, LATEST_DATE, validate_date_range
from praho.core.widgets import AS_ONE_TYPES, live_filter

LIST_URLS: dict[str, str] = {
    DocumentType.INVOICE: "billing:invoices",
    DocumentType.PROFORMA: "billing:proformas",
    DocumentType.CREDIT_NOTE: "billing:credit-notes",
}
_STATUSES_BY_TYPE: dict[str, list[str]] = {
    DocumentType.INVOICE: [DocumentStatus.DRAFT, DocumentStatus.ISSUED],
    DocumentType.PROFORMA: list(DocumentStatus.values),
    DocumentType.CREDIT_NOTE: [DocumentStatus.ISSUED],
}


def plain_number(value: Decimal | None) -> str:
    """A stored quantity or price as staff would type it in their language: 12.0000 -> "12",
    49.9900 -> "49,99" in ro and bg, "49.99" in en."""
    return typed_number(value)


def _text(label: Any, *, max_length: int, **attrs: str) -> forms.CharField:
    return forms.CharField(
        label=label, required=False, max_length=max_length, widget=forms.TextInput(attrs=attrs)
    )


def _number(label: Any, **attrs: str) -> forms.CharField:
    return _text(label, max_length=32, inputmode="decimal", autocomplete="off", **attrs)


def _date(label: Any, **kwargs: Any) -> forms.DateField:
    """A date in core.validation's range (2000-2099), picked in the browser."""
    attrs = {"type": "date", "min": EARLIEST_DATE.isoformat(), "max": LATEST_DATE.isoformat()}
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs=attrs),
        validators=[validate_date_range],
        **kwargs,
    )


# --- list filters ------------------------------------------------------------------------------


class DocumentFilterForm(forms.Form):
    """The filters of a document list; every change refreshes the results (the form's hx-trigger)."""

    number = forms.CharField(
        label=_("Number"),
        required=False,
        max_length=32,
        help_text=_("All or part of it, such as 2026-000013."),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off", "spellcheck": "false"}),
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    customer = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    customer_q = forms.CharField(required=False)  # the picker's search box (cut to 100 characters)
    issued_from = _date(_("Issued from"))
    issued_to = _date(_("Issued to"))
    currency = forms.ChoiceField(
        label=_("Currency"), required=False, choices=[("", _("Any")), *Currency.choices]
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args: Any, document_type: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The number box refreshes the results as one types (the other fields on change).
        list_url = reverse_lazy(LIST_URLS[document_type])
        self.fields["number"].widget.attrs.update(live_filter(list_url, AS_ONE_TYPES))
        statuses: list[tuple[str, StrOrPromise]] = [
            (value, DocumentStatus(value).label) for value in _STATUSES_BY_TYPE[document_type]
        ]
        if document_type == DocumentType.INVOICE:
            statuses += [(state, PAYMENT_STATE_LABELS[state]) for state in PAYMENT_STATES]
        else:
            del self.fields["overdue"]
        status = self.fields["status"]
        assert isinstance(status, forms.ChoiceField)
        status.choices = [("", _("Any")), *statuses]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("issued_from"), cleaned.get("issued_to")
        if start and end and start > end:
            self.add_error("issued_to", _("The end of the period is before its start."))
        return cleaned

    def shown_fields(self) -> list[forms.BoundField]:
        """The fields rendered one by one; the customer picker is rendered apart."""
        return [self[name] for name in self.fields if name not in ("customer", "customer_q")]


# --- create and edit a draft -------------------------------------------------------------------


class DocumentHeaderForm(forms.Form):
    """The document's header. Empty values take the services' defaults: the customer's currency,
    today's date, and a due date from the customer's payment terms."""

    customer = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    customer_q = forms.CharField(required=False)
    currency = forms.ChoiceField(
        label=_("Currency"),
        required=False,
        choices=[("", _("The customer's currency")), *Currency.choices],
    )
    issue_date = _date(_("Issue date"), help_text=_("Empty: today."))
    tax_point_date = _date(
        _("Tax point date"), help_text=_("When VAT becomes due, if not the issue date; it picks the rate.")
    )
    due_date = _date(_("Due date"), help_text=_("Empty: the issue date plus the customer's payment terms."))
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=NOTES_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def shown_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name not in ("customer", "customer_q")]

    def values(self) -> dict[str, Any]:
        """The keyword arguments of create_document / update_draft."""
        names = ("currency", "issue_date", "tax_point_date", "due_date", "notes")
        return {name: self.cleaned_data.get(name) for name in names}


def _unit_choices() -> list[tuple[str, str]]:
    return [(code, f"{code} · {name}") for code, name in UNIT_CODES.items()]


class LineForm(forms.Form):
    """One line. The VAT fields are an override of the computed treatment, with its reason."""

    description = _text(_("Description"), max_length=DESCRIPTION_MAX_LENGTH)
    quantity = _number(_("Quantity"), size="6")
    unit_code = forms.ChoiceField(label=_("Unit"), choices=_unit_choices, initial="H87")
    unit_price = _number(_("Unit price"), size="8")
    discount = _number(_("Discount (amount)"), size="6")  # an amount off the line, not a percentage
    vat_category = forms.ChoiceField(
        label=_("VAT category"),
        required=False,
        choices=[("", _("Computed")), *VatCategory.choices],
    )
    vat_rate = _number(_("VAT rate (%)"), size="4")
    vat_override_reason = _text(_("Why the VAT is overridden"), max_length=255)
    vat_exemption_reason = _text(_("Legal reason for the exemption"), max_length=255)

    OVERRIDE_FIELDS = ("vat_category", "vat_rate", "vat_override_reason", "vat_exemption_reason")

    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("description", "quantity", "unit_code", "unit_price", "discount")]

    def override_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.OVERRIDE_FIELDS]

    def has_override(self) -> bool:
        """Whether the override part is filled in (then it is shown open)."""
        return any(self[name].value() for name in self.OVERRIDE_FIELDS)

    def values(self) -> dict[str, Any]:
        """The line as create_document / update_draft take it; the VAT keys only when overridden."""
        data = {name: self.cleaned_data.get(name) or "" for name in self.fields if name != "DELETE"}
        if not (data["vat_category"] or data["vat_rate"]):
            for name in self.OVERRIDE_FIELDS:
                data.pop(name)
        return data


class _LineFormSet(forms.BaseFormSet):
    """The lines; the services refuse more than settings.BILLING_MAX_LINES. Far more forms than
    that are refused here, before they are built (Django's absolute_max)."""

    default_error_messages = {"too_many_forms": _("A document can have at most %(num)d lines.")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_num = settings.BILLING_MAX_LINES
        self.absolute_max = 2 * settings.BILLING_MAX_LINES

    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Remove this line")


LineFormSet = forms.formset_factory(LineForm, formset=_LineFormSet, extra=0, can_delete=True)


def line_initial(line: DocumentLine) -> dict[str, Any]:
    """A stored line as the form shows it; its VAT only when staff had overridden it, so that a
    computed treatment is computed again (a changed date may change the rate)."""
    initial = {
        "description": line.description,
        "quantity": plain_number(line.quantity),
        "unit_code": line.unit_code,
        "unit_price": plain_number(line.unit_price),
        "discount": plain_number(line.discount) if line.discount else "",
    }
    if line.vat_override_reason:
        initial |= {
            "vat_category": line.vat_category,
            "vat_rate": plain_number(line.vat_rate),
            "vat_override_reason": line.vat_override_reason,
            "vat_exemption_reason": line.vat_exemption_reason,
        }
    return initial


# --- credit note ---------------------------------------------------------------------------------


class CreditNoteForm(forms.Form):
    """A quantity to credit for each line of the invoice that still has something to credit."""

    def __init__(self, *args: Any, lines: list[tuple[DocumentLine, Decimal]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line, remaining in lines:
            self.fields[self.field_name(line)] = forms.CharField(
                label=_("Quantity to credit"),
                required=False,
                max_length=32,
                disabled=remaining <= 0,
                help_text=_("At most %(remaining)s.") % {"remaining": plain_number(remaining)},
                widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "size": "6"}),
            )

    @staticmethod
    def field_name(line: DocumentLine) -> str:
        return f"quantity_{line.pk}"

    def rows(self) -> list[tuple[DocumentLine, Decimal, forms.BoundField]]:
        return [(line, remaining, self[self.field_name(line)]) for line, remaining in self.lines]

    def chosen(self) -> list[tuple[DocumentLine, str]]:
        """The lines given a quantity, in the invoice's order."""
        return [
            (line, self.cleaned_data[self.field_name(line)].strip())
            for line, remaining in self.lines
            if remaining > 0 and self.cleaned_data.get(self.field_name(line), "").strip()
        ]
