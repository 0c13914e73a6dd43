"""Forms of the staff money pages: payments, customer accounts, the seller and exchange rates.

They only shape input (types, lengths, choices); the rules (positive amounts, the
invoice's currency, no future dates, CUI and IBAN checksums, BNR's rates winning)
live in the services, whose errors the views put next to the fields they name.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from praho.billing.models import PaymentMethod
from praho.billing.models.fx import FOREIGN_CURRENCIES
from praho.core.formatting import typed_number
from praho.core.money import Currency
from praho.core.numbers import plain_decimal
from praho.core.validation import EARLIEST_DATE, LATEST_DATE, validate_date_range, validate_single_line
from praho.customers.rules.identifiers import BUCHAREST_SECTORS, ROMANIAN_COUNTIES


class DateInput(forms.DateInput):
    """The browser's date picker; it posts ISO dates (2026-02-10) whatever the language."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


def _iso_date(label: Any, **options: Any) -> forms.DateField:
    """A date in core.validation's range (2000-2099)."""
    return forms.DateField(
        label=label,
        input_formats=["%Y-%m-%d"],
        widget=DateInput(attrs={"min": EARLIEST_DATE.isoformat(), "max": LATEST_DATE.isoformat()}),
        validators=[validate_date_range],
        **options,
    )


class NumberField(forms.Field):
    """A decimal number as typed in Romania or elsewhere: "121.00", "121,00" or "1 210,50".

    Only the reading is done here; whether the number is allowed (positive, two
    decimals, at most four for a rate) is the service's rule and message.
    """

    max_length = 32

    def __init__(self, *, example: str, **kwargs: Any) -> None:
        attrs = {"inputmode": "decimal", "autocomplete": "off", "maxlength": str(self.max_length)}
        kwargs.setdefault("widget", forms.TextInput(attrs=attrs))
        super().__init__(**kwargs)
        self.example = example

    def prepare_value(self, value: Any) -> Any:
        """An initial amount (the amount due) shown as staff type it: "942,35" in ro and bg."""
        return typed_number(value, trim=False) if isinstance(value, Decimal) else value

    def to_python(self, value: Any) -> Decimal | None:
        text = str(value or "").strip().replace(" ", "").replace("\u00a0", "")
        if not text:
            return None
        text = _plain_decimal(text)
        # Strictly: Decimal() alone also reads "1_000", "1e3" and other scripts' digits.
        number = plain_decimal(text) if len(text) <= self.max_length else None
        if number is None:
            raise ValidationError(
                gettext("Enter a number, such as %(example)s.") % {"example": self.example}, code="invalid"
            )
        return number


def _plain_decimal(text: str) -> str:
    """ "1.210,50", "1,210.50", "1210,5", "1.000.000" → Python's form. With both separators
    the last one is the decimal point; one separator used once is the decimal point, used
    more often it groups thousands. A lone "1,210" therefore reads 1.210 and is refused by
    the service (amounts have two decimals) rather than silently taken for 1210."""
    marks = [mark for mark in ".," if mark in text]
    if len(marks) == 2:
        decimal_mark = "." if text.rfind(".") > text.rfind(",") else ","
        grouping = "," if decimal_mark == "." else "."
        return text.replace(grouping, "").replace(decimal_mark, ".")
    if marks and text.count(marks[0]) > 1:
        return text.replace(marks[0], "")
    return text.replace(",", ".")


class PaymentFilterForm(forms.Form):
    """The filters of the staff payment list; the results follow each change (the form's hx-trigger,
    as on the document lists). The customer is chosen with the search-as-you-type picker
    (billing/staff/_customer_picker.html), not a list of every customer."""

    customer = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    customer_q = forms.CharField(required=False)  # the picker's search box (cut to 100 characters)
    currency = forms.ChoiceField(
        label=_("Currency"), required=False, choices=[("", _("Any")), *Currency.choices]
    )
    method = forms.ChoiceField(
        label=_("Method"), required=False, choices=[("", _("Any")), *PaymentMethod.choices]
    )
    received_from = _iso_date(_("Received from"), required=False)
    received_to = _iso_date(_("Received until"), required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("received_from"), cleaned.get("received_to")
        if start and end and end < start:
            self.add_error("received_to", gettext("The end of the period is before its start."))
        return cleaned

    def shown_fields(self) -> list[forms.BoundField]:
        """The fields rendered one by one; the customer picker is rendered apart."""
        return [self[name] for name in self.fields if name not in ("customer", "customer_q")]


class PaymentForm(forms.Form):
    """A payment received for an invoice (payments.record_payment)."""

    amount = NumberField(label=_("Amount"), example="121.00")
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices)
    method = forms.ChoiceField(label=_("Method"), choices=PaymentMethod.choices)
    received_on = _iso_date(_("Received on"), help_text=_("The day the money arrived."))
    reference = forms.CharField(
        label=_("Reference"),
        required=False,
        max_length=140,
        help_text=_("The bank transfer's details, the card receipt or the cash receipt number."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class ApplyCreditForm(forms.Form):
    """Pay one open invoice from the customer's credit (payments.apply_customer_credit)."""

    invoice = forms.IntegerField(widget=forms.HiddenInput)
    amount = NumberField(
        label=_("Credit to apply"),
        example="50.00",
        required=False,
        help_text=_("Leave empty to apply as much as possible."),
    )


def _county_choices() -> list[tuple[str, str]]:
    counties = sorted(ROMANIAN_COUNTIES.items(), key=lambda item: item[1])
    return [("", gettext("— choose —")), *((code, f"{name} ({code})") for code, name in counties)]


def _text(
    label: Any, *, required: bool = True, max_length: int = 255, help_text: Any = "", **attrs: str
) -> forms.CharField:
    """One line of text (the seller's data is printed on every document and sent to ANAF)."""
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        help_text=help_text,
        widget=forms.TextInput(attrs=attrs),
        validators=[validate_single_line],
    )


class SellerForm(forms.Form):
    """The seller's data (seller.update_seller_profile); saving adds a version."""

    name = _text(_("Legal name"), autocomplete="organization")
    tax_id = _text(
        _("CUI"), max_length=32, autocomplete="off", help_text=_("With or without RO, e.g. RO18547290.")
    )
    trade_register_number = _text(
        _("Trade register number"), max_length=32, placeholder="J40/123/2020", autocomplete="off"
    )
    street = _text(_("Street and number"), autocomplete="street-address")
    city = _text(_("City"), max_length=128, autocomplete="address-level2", list="bucharest-sectors")
    county = forms.ChoiceField(
        label=_("County"),
        choices=_county_choices,
        help_text=_("In Bucharest (RO-B) the city is a sector: Sector 1 to Sector 6."),
    )
    postal_code = _text(_("Postal code"), required=False, max_length=16, inputmode="numeric")
    iban = _text(_("IBAN"), max_length=42, autocomplete="off")
    bank_name = _text(_("Bank"), max_length=128)
    email = forms.CharField(
        label=_("Email"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = _text(_("Phone"), required=False, max_length=32, type="tel", autocomplete="tel")
    vat_payer = forms.BooleanField(label=_("VAT payer"), required=False)
    vat_on_cash_basis = forms.BooleanField(label=_("VAT on cash basis (TVA la încasare)"), required=False)
    oss_registered = forms.BooleanField(
        label=_("Registered for OSS"),
        required=False,
        help_text=_("EU consumers are charged their own country's VAT."),
    )

    sectors = BUCHAREST_SECTORS


class ManualRateForm(forms.Form):
    """A rate entered by hand for a day BNR has not published (fx.set_manual_rate)."""

    currency = forms.ChoiceField(label=_("Currency"), choices=[(code, code) for code in FOREIGN_CURRENCIES])
    on = _iso_date(_("Day"))
    rate = NumberField(
        label=_("Rate (RON for one unit)"),
        example="5.0915",
        help_text=_("At most four decimals, as BNR publishes."),
    )
