"""Token endpoints, /api/v1/me/ and revoking a user's tokens (staff)."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth import signals as auth_signals
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt import serializers as jwt_serializers
from rest_framework_simplejwt import views as jwt_views
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import RefreshToken

from praho.accounts.api.authentication import TokenRevoked
from praho.accounts.lockout import lockout_message
from praho.accounts.mfa import has_second_factor
from praho.accounts.models import User
from praho.accounts.roles import Role
from praho.accounts.services.tokens import (
    RevokeReason,
    issued_before_revocation,
    revoke_api_tokens,
    rotate_refresh_token,
)
from praho.audit.services import record_event
from praho.core.api import ErrorResponseSerializer, KnownFieldsOnly
from praho.core.validation import validate_single_line


class LockedOut(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked_out"


def _locked_out(request: Request) -> bool:
    """axes flags the request object it was handed: the DRF request when Django's
    authenticate() ran, the underlying HttpRequest when we reported a wrong code
    (attributes of the latter are visible through the former)."""
    return bool(getattr(request, "axes_locked_out", False))


class TokenObtainSerializer(KnownFieldsOnly, jwt_serializers.TokenObtainSerializer):
    """Email and password, plus the current TOTP code when the user has a second factor."""

    token_class = RefreshToken

    otp = serializers.CharField(
        required=False,
        allow_blank=True,
        write_only=True,
        max_length=16,
        help_text=_("Current code of the authenticator app; required when two-factor login is on."),
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, str]:
        request: Request = self.context["request"]
        try:
            # Checks the password (through axes) without issuing tokens yet.
            super().validate(attrs)
        except exceptions.AuthenticationFailed:
            if _locked_out(request):
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
        # A token is a login: forget earlier failures (AXES_RESET_ON_SUCCESS), as
        # a browser login does through the user_logged_in signal.
        AxesProxyHandler.user_logged_in(sender=type(self), request=request._request, user=user)
        refresh = self.get_token(user)
        record_event("api.token_obtained", actor=user, target=user)
        return {"refresh": str(refresh), "access": str(refresh.access_token)}  # type: ignore[attr-defined]

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
        code = code.strip()
        if not code:
            raise serializers.ValidationError(
                {"otp": [_("Enter the current code of your authenticator app.")]}, "required"
            )
        if not TOTP(authenticator).validate_code(code):
            # Counts towards the lockout like a wrong password; axes flags the
            # HttpRequest and AxesMiddleware answers 429 once the limit is reached.
            auth_signals.user_login_failed.send(
                sender=__name__,
                credentials={"email": user.email},
                request=request._request,
                reason="otp",
            )
            if _locked_out(request):
                raise LockedOut(lockout_message())
            raise serializers.ValidationError({"otp": [_("The code is wrong or expired.")]}, "invalid")


class TokenPairSerializer(serializers.Serializer[Any]):
    access = serializers.CharField(read_only=True, help_text=_("Valid for 5 minutes."))
    refresh = serializers.CharField(read_only=True, help_text=_("Valid for 1 day; usable once."))


class TokenRefreshSerializer(KnownFieldsOnly, jwt_serializers.TokenRefreshSerializer):
    """A new pair for a refresh token, which is blacklisted: once, however many requests send it
    at once (praho.accounts.services.tokens.rotate_refresh_token). Refused for a deleted or inactive user
    and for a token issued before the user's tokens were revoked."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, str]:
        refresh = self.token_class(attrs["refresh"])  # signature, expiry, not blacklisted
        user_id = refresh.payload.get(jwt_settings.USER_ID_CLAIM)
        user = User.objects.filter(pk=user_id).first() if user_id else None
        if user is None or not jwt_settings.USER_AUTHENTICATION_RULE(user):
            raise exceptions.AuthenticationFailed(
                self.error_messages["no_active_account"], "no_active_account"
            )
        if issued_before_revocation(user, refresh):
            raise TokenRevoked
        rotated = rotate_refresh_token(refresh)
        return {"access": str(rotated.access_token), "refresh": str(rotated)}


_ERRORS = {
    400: OpenApiResponse(
        ErrorResponseSerializer,
        description="Validation error (fields); unknown_field for keys the endpoint does not take.",
    ),
    401: OpenApiResponse(
        ErrorResponseSerializer,
        description="Wrong credentials or token; token_revoked for a token issued before a revocation.",
    ),
}


@extend_schema(
    tags=["auth"],
    responses={
        200: TokenPairSerializer,
        **_ERRORS,
        403: OpenApiResponse(ErrorResponseSerializer, description="second_factor_required or totp_required."),
        429: OpenApiResponse(ErrorResponseSerializer, description="locked_out after repeated failures."),
    },
)
class TokenObtainView(jwt_views.TokenObtainPairView):
    """An access and a refresh token for email, password and (with two-factor login) the TOTP code."""

    serializer_class = TokenObtainSerializer


@extend_schema(tags=["auth"], responses={200: TokenPairSerializer, **_ERRORS})
class TokenRefreshView(jwt_views.TokenRefreshView):
    """A new pair for a refresh token; the refresh token sent is blacklisted."""

    serializer_class = TokenRefreshSerializer


class MeSerializer(KnownFieldsOnly, serializers.ModelSerializer[User]):
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
        # One line, no control characters: customers see their users' names (core.validation).
        extra_kwargs = {
            "first_name": {"validators": [validate_single_line]},
            "last_name": {"validators": [validate_single_line]},
        }

    def get_roles(self, user: User) -> list[str]:
        return sorted(group.name for group in user.groups.all() if group.name in Role.values)

    def get_second_factor(self, user: User) -> bool:
        return has_second_factor(user)


_ME_DENIED = {
    401: _ERRORS[401],
    403: OpenApiResponse(ErrorResponseSerializer, description="Staff without a second factor."),
}


@extend_schema(tags=["accounts"])
@extend_schema_view(
    get=extend_schema(responses={200: MeSerializer, **_ME_DENIED}),
    patch=extend_schema(responses={200: MeSerializer, 400: _ERRORS[400], **_ME_DENIED}),
)
class MeView(generics.RetrieveUpdateAPIView[User]):
    """The authenticated user; PATCH changes name, language and time zone."""

    serializer_class = MeSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self) -> User:
        return self.request.user  # type: ignore[return-value]


class RevokedTokensSerializer(serializers.Serializer[Any]):
    user = serializers.IntegerField(help_text=_("The user's id."))
    revoked_refresh_tokens = serializers.IntegerField(
        help_text=_("Refresh tokens blacklisted now; access tokens issued until now are refused too.")
    )


@extend_schema(
    tags=["accounts"],
    request=None,
    responses={
        200: RevokedTokensSerializer,
        401: _ERRORS[401],
        403: OpenApiResponse(
            ErrorResponseSerializer, description="Staff without accounts.revoke_api_tokens."
        ),
        404: OpenApiResponse(
            ErrorResponseSerializer, description="No such user (customers' users: any user)."
        ),
    },
)
class RevokeTokensView(APIView):
    """Revoke every API token of a user (staff with accounts.revoke_api_tokens), audited."""

    def post(self, request: Request, user_id: int) -> Response:
        actor: User = request.user  # type: ignore[assignment]
        if not actor.is_staff:
            raise Http404  # a customer's user learns nothing about other users
        if not actor.has_perm("accounts.revoke_api_tokens"):
            raise exceptions.PermissionDenied
        user = get_object_or_404(User, pk=user_id)
        revoked = revoke_api_tokens(actor=actor, user=user, reason=RevokeReason.STAFF)
        return Response({"user": user.pk, "revoked_refresh_tokens": revoked})
