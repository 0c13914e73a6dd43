"""Forms of the bank pages: they shape input (types, lengths); the services check the rest."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from praho.core.validation import validate_single_line
from praho.payments.models import TransactionStatus
from praho.payments.selectors import TO_REVIEW
from praho.payments.statements import MAX_FILE_BYTES

SPLIT_ROWS = 5


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Statement file"), help_text=_("CAMT.053 (XML) or MT940, at most 20 MB."))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB."), code="too_large")
        return upload


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)
    statement = forms.IntegerField(
        label=_("Statement"), required=False, min_value=1, widget=forms.HiddenInput
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(TO_REVIEW, _("To review")), ("", _("Any")), *TransactionStatus.choices]
        self.fields["status"].choices = choices  # type: ignore[attr-defined]


class SplitForm(forms.Form):
    """Up to five documents (by number) and the part of the transfer each gets."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for row in range(1, SPLIT_ROWS + 1):
            self.fields[f"document_{row}"] = forms.CharField(
                label=_("Document %(row)d") % {"row": row},
                required=False,
                max_length=64,
                validators=[validate_single_line],
            )
            self.fields[f"amount_{row}"] = forms.DecimalField(
                label=_("Amount %(row)d") % {"row": row},
                required=False,
                max_digits=14,
                decimal_places=2,
                min_value=Decimal("0.01"),
            )

    def rows(self) -> list[tuple[int, str, Decimal | None]]:
        found = []
        for row in range(1, SPLIT_ROWS + 1):
            number = (self.cleaned_data.get(f"document_{row}") or "").strip()
            amount = self.cleaned_data.get(f"amount_{row}")
            if number or amount is not None:
                found.append((row, number, amount))
        return found

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors:
            for row, number, amount in self.rows():
                if not number:
                    self.add_error(f"document_{row}", _("Enter the document's number."))
                if amount is None:
                    self.add_error(f"amount_{row}", _("Enter the part of the transfer it gets."))
            if not self.rows():
                self.add_error(None, _("Enter at least one document and its amount."))
        return cleaned


class CreditForm(forms.Form):
    customer = forms.IntegerField(
        label=_("Customer"), min_value=1, error_messages={"required": _("Choose a customer.")}
    )


class IgnoreForm(forms.Form):
    note = forms.CharField(label=_("Why"), max_length=500, validators=[validate_single_line])
