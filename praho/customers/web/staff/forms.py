"""Forms of the staff customer pages.

They only shape input (types, lengths, choices); the rules (checksums, a CUI
for every Romanian company, counties and sectors) live in the services, whose
errors the views put next to the fields they name.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.urls import reverse_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from praho.core.countries import ISO_COUNTRIES
from praho.core.formatting import babel_locale
from praho.core.validation import validate_multiline, validate_single_line
from praho.core.widgets import AS_ONE_TYPES, LongSelect, live_filter
from praho.customers.models import (
    MAX_PAYMENT_TERMS_DAYS,
    PAYMENT_TERMS_MESSAGE,
    Currency,
    CustomerKind,
    ViesStatus,
)
from praho.customers.rules.identifiers import BUCHAREST_SECTORS, ROMANIAN_COUNTIES
from praho.customers.services.customers import MAX_CITY, MAX_NAME


def country_choices() -> list[tuple[str, str]]:
    """Every country by its name in the active language, Romania first (most customers are Romanian)."""
    from babel import Locale

    names = Locale.parse(babel_locale()).territories
    countries = sorted(
        ((code, str(names.get(code) or code)) for code in ISO_COUNTRIES),
        key=lambda item: item[1].casefold(),
    )
    romania = [item for item in countries if item[0] == "RO"]
    return romania + [item for item in countries if item[0] != "RO"]


def county_choices() -> list[tuple[str, str]]:
    counties = sorted(ROMANIAN_COUNTIES.items(), key=lambda item: item[1])
    return [("", gettext("— not in Romania —")), *((code, f"{name} ({code})") for code, name in counties)]


def _text(
    label: Any, *, required: bool = False, max_length: int = 255, help_text: Any = "", **attrs: str
) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        help_text=help_text,
        validators=[validate_single_line],
        widget=forms.TextInput(attrs=attrs),
    )


class _IdentityForm(forms.Form):
    """Identity fields shared by companies and individuals (services.IDENTITY_FIELDS without kind)."""

    name = _text(_("Name"), required=True, max_length=MAX_NAME, autocomplete="organization")
    country = forms.ChoiceField(label=_("Country"), choices=country_choices, initial="RO", widget=LongSelect)
    tax_id = _text(_("Tax identifier"), max_length=32, autocomplete="off")
    email = forms.CharField(
        label=_("Email"),
        required=False,
        max_length=254,
        validators=[validate_single_line],
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Phone"),
        required=False,
        max_length=32,
        validators=[validate_single_line],
        help_text=_("Romanian numbers may be typed as 0721 234 567."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )


class CompanyForm(_IdentityForm):
    kind = CustomerKind.COMPANY
    name = _text(_("Legal name"), required=True, max_length=MAX_NAME, autocomplete="organization")
    trade_name = _text(_("Trade name"), max_length=MAX_NAME)
    tax_id = _text(
        _("Tax identifier (CUI or VAT number)"),
        max_length=32,
        autocomplete="off",
        inputmode="text",
    )
    trade_register_number = _text(
        _("Trade register number"), max_length=32, placeholder="J40/123/2020", autocomplete="off"
    )
    iban = _text(_("IBAN"), max_length=42, autocomplete="off")

    field_order = [
        "name",
        "trade_name",
        "country",
        "tax_id",
        "trade_register_number",
        "iban",
        "email",
        "phone",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tax_id"].help_text = _(
            "Romanian companies: the CUI, with or without RO. Other EU companies: the VAT number."
        )


class IndividualForm(_IdentityForm):
    kind = CustomerKind.INDIVIDUAL
    name = _text(_("Full name"), required=True, max_length=MAX_NAME, autocomplete="name")
    tax_id = _text(_("CNP"), max_length=32, autocomplete="off", inputmode="numeric")

    field_order = ["name", "country", "tax_id", "email", "phone"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tax_id"].help_text = _("Optional. Romanian personal numeric code (13 digits).")


class NewCompanyForm(CompanyForm):
    """A new company also states its VAT status: the first version of its tax profile."""

    vat_payer = forms.BooleanField(label=_("VAT payer"), required=False)
    vat_on_cash_basis = forms.BooleanField(label=_("VAT on cash basis (TVA la încasare)"), required=False)

    field_order = [*CompanyForm.field_order[:5], "vat_payer", "vat_on_cash_basis", "iban", "email", "phone"]


IDENTITY_FORMS: dict[str, type[_IdentityForm]] = {
    CustomerKind.COMPANY: CompanyForm,
    CustomerKind.INDIVIDUAL: IndividualForm,
}
NEW_CUSTOMER_FORMS: dict[str, type[_IdentityForm]] = {
    CustomerKind.COMPANY: NewCompanyForm,
    CustomerKind.INDIVIDUAL: IndividualForm,
}


class AddressForm(forms.Form):
    """A postal address; in Romania the county is an ISO 3166-2:RO code and a Bucharest city a sector."""

    street = _text(_("Street and number"), required=True, autocomplete="street-address")
    city = _text(
        _("City"),
        required=True,
        max_length=MAX_CITY,
        autocomplete="address-level2",
        list="bucharest-sectors",
    )
    postal_code = _text(_("Postal code"), max_length=16, autocomplete="postal-code", inputmode="numeric")
    county = forms.ChoiceField(
        label=_("County"),
        required=False,
        choices=county_choices,
        help_text=_("Required in Romania. In Bucharest (RO-B) the city is a sector: Sector 1 to Sector 6."),
    )
    country = forms.ChoiceField(label=_("Country"), choices=country_choices, initial="RO", widget=LongSelect)

    sectors = BUCHAREST_SECTORS

    FIELDS: tuple[str, ...] = ("street", "city", "postal_code", "county", "country")


class BillingAddressForm(AddressForm):
    """The address beside the customer's details: prefixed like the services' "address.<field>" errors."""

    prefix = "address"


class TaxProfileForm(forms.Form):
    """A new version of the tax and billing profile (services.PROFILE_FIELDS)."""

    vat_payer = forms.BooleanField(label=_("VAT payer"), required=False)
    vat_on_cash_basis = forms.BooleanField(label=_("VAT on cash basis (TVA la încasare)"), required=False)
    currency = forms.ChoiceField(label=_("Default currency"), choices=Currency.choices)
    payment_terms_days = forms.IntegerField(
        label=_("Payment terms (days)"),
        min_value=0,
        max_value=MAX_PAYMENT_TERMS_DAYS,
        error_messages={"max_value": PAYMENT_TERMS_MESSAGE},
        widget=forms.NumberInput(),
    )
    invoice_email = forms.EmailField(
        label=_("Invoice email"),
        required=False,
        validators=[validate_single_line],
        help_text=_("Where invoices are sent, when not to the customer's email."),
    )
    document_language = forms.ChoiceField(label=_("Document language"), choices=settings.LANGUAGES)

    FIELDS = (
        "vat_payer",
        "vat_on_cash_basis",
        "currency",
        "payment_terms_days",
        "invoice_email",
        "document_language",
    )


class CustomerProfileForm(forms.Form):
    """The part of the tax and billing profile a customer's owner changes; the rest decides how
    the customer is invoiced (services.STAFF_ONLY_PROFILE) and is changed on request."""

    invoice_email = TaxProfileForm.base_fields["invoice_email"]
    document_language = TaxProfileForm.base_fields["document_language"]

    FIELDS = ("invoice_email", "document_language")


class CustomerAddressForm(AddressForm):
    """An address as a customer's user edits it: the country stays the address's (or, for a new
    one, the customer's) since it is the buyer's country on invoices."""

    country = None  # type: ignore[assignment]

    FIELDS = ("street", "city", "postal_code", "county")


def _reason(label: Any, help_text: Any, *, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=1000,
        validators=[validate_multiline],
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ChangeRequestForm(forms.Form):
    """What a customer's user asks staff to change (change_requests.REQUESTABLE_FIELDS but the
    address, which is a BillingAddressForm beside it). It starts from the current values; only
    those changed are asked for."""

    kind = forms.ChoiceField(label=_("Kind"), choices=CustomerKind.choices)
    country = forms.ChoiceField(label=_("Country"), choices=country_choices, widget=LongSelect)
    tax_id = _text(
        _("Tax identifier"),
        max_length=32,
        autocomplete="off",
        help_text=_("Romanian companies: the CUI. Other EU companies: the VAT number. People: the CNP."),
    )
    vat_payer = TaxProfileForm.base_fields["vat_payer"]
    vat_on_cash_basis = TaxProfileForm.base_fields["vat_on_cash_basis"]
    currency = TaxProfileForm.base_fields["currency"]
    payment_terms_days = TaxProfileForm.base_fields["payment_terms_days"]
    reason = _reason(_("Why"), _("For example: we moved to Germany on 1 March; our VAT number is DE…"))

    FIELDS = ("kind", "country", "tax_id", "vat_payer", "vat_on_cash_basis", "currency", "payment_terms_days")


class DecisionForm(forms.Form):
    """Staff's note on a change request: optional to approve, required to reject (the services say)."""

    note = _reason(
        _("Note to the customer"), _("Sent with the decision. Required to reject."), required=False
    )


LIST_URL = reverse_lazy("customers:list")


class CustomerFilterForm(forms.Form):
    """The search box and filters of the staff customer list; results follow as one types."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        help_text=_("Name, trade name, CUI or VAT number, email or phone."),
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "autocomplete": "off",
                "spellcheck": "false",
                **live_filter(LIST_URL, AS_ONE_TYPES),
            }
        ),
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("Any")), *CustomerKind.choices],
        widget=forms.Select(attrs=live_filter(LIST_URL)),
    )
    country = forms.ChoiceField(
        label=_("Country"),
        required=False,
        choices=lambda: [("", _("Any")), *country_choices()],
        widget=LongSelect(attrs=live_filter(LIST_URL)),
    )
    vies_status = forms.ChoiceField(
        label=_("VIES"),
        required=False,
        choices=[("", _("Any")), *ViesStatus.choices],
        widget=forms.Select(attrs=live_filter(LIST_URL)),
    )
