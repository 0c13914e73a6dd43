"""Forms of the customer area and of the users pages (staff and customer).

They only parse input; the services check the rules and their errors are put
back on the form's fields with `add_service_errors`.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from praho.core.validation import add_service_errors, validate_single_line
from praho.customers.models import MembershipRole
from praho.customers.services.customers import MAX_NAME

_ONE_LINE = [validate_single_line]

__all__ = ["add_service_errors"]  # where the customer views import it from

_ROLE_HELP = _("What each role may do is listed under “Roles and permissions”.")


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254, validators=_ONE_LINE)
    role = forms.ChoiceField(
        label=_("Role"), choices=MembershipRole.choices, initial=MembershipRole.VIEWER, help_text=_ROLE_HELP
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=MembershipRole.choices)


class SwitchCustomerForm(forms.Form):
    customer = forms.IntegerField(min_value=1)


class CustomerDetailsForm(forms.Form):
    """What a customer's owner may change about the customer.

    Kind, country and tax identifier are the fiscal identity that invoices are
    issued to; only staff change them (on the customer's request), so a typo
    here cannot move invoices to another company.
    """

    name = forms.CharField(
        label=_("Name"),
        max_length=MAX_NAME,
        validators=_ONE_LINE,
        help_text=_("Legal name of a company, full name of a person."),
    )
    trade_name = forms.CharField(
        label=_("Trade name"), max_length=MAX_NAME, required=False, validators=_ONE_LINE
    )
    trade_register_number = forms.CharField(
        label=_("Trade register number"),
        max_length=32,
        required=False,
        validators=_ONE_LINE,
        help_text=_("For example J40/123/2020."),
    )
    iban = forms.CharField(label=_("IBAN"), max_length=42, required=False, validators=_ONE_LINE)
    email = forms.CharField(label=_("Email"), max_length=254, required=False, validators=_ONE_LINE)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=32,
        required=False,
        validators=_ONE_LINE,
        help_text=_("For example +40721234567 or 0721 234 567."),
    )

    FIELDS = ("name", "trade_name", "trade_register_number", "iban", "email", "phone")
