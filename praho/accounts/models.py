from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from praho.core.invitations import InvitationBase


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=username)


def default_language() -> str:
    """The site's default language (DJANGO_LANGUAGE_CODE), read when a user is created."""
    return str(settings.LANGUAGE_CODE)


TIMEZONE_CHOICES = [
    ("Europe/Bucharest", "Europe/Bucharest"),
    ("Europe/Sofia", "Europe/Sofia"),
    ("Europe/London", "Europe/London"),
    ("Europe/Berlin", "Europe/Berlin"),
    ("UTC", "UTC"),
]


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in: staff of the provider or a customer's user.

    Identified by email only; there is no username.
    """

    email = models.EmailField(_("email address"), unique=True)
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    is_staff = models.BooleanField(
        _("staff"),
        default=False,
        help_text=_("Staff work in the staff area and must use a second factor."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default=default_language
    )
    timezone = models.CharField(
        _("time zone"), max_length=64, choices=TIMEZONE_CHOICES, default="Europe/Bucharest"
    )
    api_tokens_revoked_at = models.DateTimeField(
        _("API tokens revoked at"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("API tokens issued up to this moment are refused (praho.accounts.services.tokens)."),
    )

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ("email",)
        constraints = [models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique")]
        permissions = [
            ("manage_roles", _("Can assign staff roles")),
            ("manage_lockouts", _("Can see and lift login lockouts")),
            ("revoke_api_tokens", _("Can revoke a user's API tokens")),
        ]

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email

    def get_short_name(self) -> str:
        return self.first_name or self.email


class StaffInvitation(InvitationBase):
    """An emailed link that makes its recipient staff with `roles` once they set a password
    (and then, at their first login, a second factor). See accounts.staff_invitations."""

    roles = models.JSONField(_("roles"), default=list)

    class Meta:
        verbose_name = _("staff invitation")
        verbose_name_plural = _("staff invitations")
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"{self.email} ({', '.join(self.roles)})"
