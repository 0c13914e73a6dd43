"""The API's JWT authentication: simplejwt's, refusing tokens issued before a revocation."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework import exceptions
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.tokens import Token

from praho.accounts.models import User
from praho.accounts.services.tokens import issued_before_revocation


class TokenRevoked(exceptions.AuthenticationFailed):
    default_detail = _("This token was revoked (password changed or revoked by staff); obtain a new one.")
    default_code = "token_revoked"


class RevocableJWTAuthentication(JWTAuthentication):
    """Access tokens are not stored, so revoking them (praho.accounts.services.tokens) means refusing
    those issued up to the moment of the revocation."""

    def get_user(self, validated_token: Token) -> Any:
        user = super().get_user(validated_token)
        if isinstance(user, User) and issued_before_revocation(user, validated_token):
            raise TokenRevoked
        return user


class RevocableJWTScheme(SimpleJWTScheme):
    """The OpenAPI schema describes it as simplejwt's bearer token ("jwtAuth")."""

    target_class = "praho.accounts.api.authentication.RevocableJWTAuthentication"
