"""Token endpoints and /api/v1/me/."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth import signals as auth_signals
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.request import Request
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer
from rest_framework_simplejwt.views import TokenObtainPairView

from praho.accounts.lockout import lockout_message
from praho.accounts.mfa import has_second_factor
from praho.accounts.models import User
from praho.accounts.roles import Role
from praho.audit.services import record_event


class LockedOut(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked_out"


class TokenObtainSerializer(TokenObtainPairSerializer):
    """Email and password, plus the current TOTP code when the user has a second factor."""

    otp = serializers.CharField(
        required=False,
        allow_blank=True,
        write_only=True,
        max_length=16,
        help_text=_("Current code of the authenticator app; required when two-factor login is on."),
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, str]:
        request = self.context["request"]
        try:
            data = super().validate(attrs)
        except exceptions.AuthenticationFailed:
            # axes marks the underlying request when the attempt hit a lock.
            if getattr(request, "axes_locked_out", False) or getattr(
                request._request, "axes_locked_out", False
            ):
                raise LockedOut(lockout_message()) from None
            raise
        user = self.user
        if user is None:  # super().validate() raises first; keeps the type checker honest
            raise exceptions.AuthenticationFailed()
        if not EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists():
            raise exceptions.AuthenticationFailed(
                _("Confirm your email address before using the API."), "email_unverified"
            )
        self._check_second_factor(user, attrs.get("otp", ""), request)
        record_event("api.token_obtained", actor=user, target=user)
        return data

    def _check_second_factor(self, user: User, code: str, request: Request) -> None:
        if not has_second_factor(user):
            if user.is_staff:
                raise exceptions.PermissionDenied(
                    _("Staff must set up two-factor authentication before using the API."),
                    "second_factor_required",
                )
            return
        authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
        if authenticator is None:
            raise exceptions.PermissionDenied(
                _("API tokens need an authenticator app (TOTP); passkeys cannot be used here."),
                "totp_required",
            )
        if not code:
            raise serializers.ValidationError(
                {"otp": [_("Enter the current code of your authenticator app.")]}, "required"
            )
        if not TOTP(authenticator).validate_code(code.strip()):
            # Counts towards the lockout like a wrong password.
            auth_signals.user_login_failed.send(
                sender=__name__,
                credentials={"email": user.email},
                request=request._request,
                reason="otp",
            )
            raise serializers.ValidationError({"otp": [_("The code is wrong or expired.")]}, "invalid")


class TokenObtainView(TokenObtainPairView):
    serializer_class = TokenObtainSerializer


class MeSerializer(serializers.ModelSerializer[User]):
    roles = serializers.SerializerMethodField()
    second_factor = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "first_name",
            "last_name",
            "language",
            "timezone",
            "is_staff",
            "roles",
            "second_factor",
            "date_joined",
        ]
        read_only_fields = ["id", "email", "is_staff", "date_joined"]

    def get_roles(self, user: User) -> list[str]:
        return sorted(group.name for group in user.groups.all() if group.name in Role.values)

    def get_second_factor(self, user: User) -> bool:
        return has_second_factor(user)


@extend_schema(tags=["accounts"])
class MeView(generics.RetrieveUpdateAPIView):
    """The authenticated user; PATCH changes name, language and time zone."""

    serializer_class = MeSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self) -> User:
        return self.request.user  # type: ignore[return-value]
