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
    """An existing account is given the roles at once; any other address gets an invitation."""

    email = forms.EmailField(
        label=_("Email address"),
        help_text=_("Someone without an account receives an invitation by e-mail to set a password."),
    )

    field_order = ["email", "roles"]

    def clean_email(self) -> User | str:
        email = self.cleaned_data["email"]
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            return str(email).strip().lower()
        if not user.is_active:
            raise forms.ValidationError(
                _("The account using this email address is deactivated; it cannot be made staff."),
                code="inactive",
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


class StaffInvitationAcceptForm(forms.Form):
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password (again)"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error(
                "password2",
                forms.ValidationError(_("You must type the same password each time."), code="mismatch"),
            )
        return cleaned
