from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from praho.accounts.models import TIMEZONE_CHOICES, User
from praho.accounts.roles import Role
from praho.core.validation import validate_single_line


class PreferencesForm(forms.Form):
    # Names are shown to the customers one acts for and put in emails: one line, no control characters.
    first_name = forms.CharField(
        label=_("First name"), max_length=150, required=False, validators=[validate_single_line]
    )
    last_name = forms.CharField(
        label=_("Last name"), max_length=150, required=False, validators=[validate_single_line]
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    timezone = forms.ChoiceField(label=_("Time zone"), choices=TIMEZONE_CHOICES)


class StaffRolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label=_("Roles"),
        choices=Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("A user with no role is no longer staff."),
    )


class AddStaffForm(StaffRolesForm):
    email = forms.EmailField(label=_("Email address of an existing account"))

    field_order = ["email", "roles"]

    def clean_email(self) -> User:
        email = self.cleaned_data["email"]
        user = User.objects.filter(email__iexact=email, is_active=True).first()
        if user is None:
            raise forms.ValidationError(
                _("No active account uses this email address. The person must sign up first."),
                code="unknown",
            )
        if user.is_staff:
            # Adding would silently replace their roles; that is what the edit page is for.
            raise forms.ValidationError(
                _("%(email)s is already staff. Change their roles from the list above."),
                code="already_staff",
                params={"email": user.email},
            )
        return user

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("roles") and "roles" not in self.errors:
            self.add_error("roles", forms.ValidationError(_("Choose at least one role."), code="required"))
        return cleaned


class LiftLockForm(forms.Form):
    kind = forms.ChoiceField(choices=[("username", "username"), ("ip_address", "ip_address")])
    value = forms.CharField(max_length=255)
