"""API tokens (simplejwt): revoking all of a user's tokens, and rotating a refresh token once.

Refresh tokens are listed in simplejwt's token_blacklist (OutstandingToken) and stop working
when blacklisted. Access tokens are not listed (they live five minutes), so a revocation also
stamps the user (`User.api_tokens_revoked_at`): tokens issued up to that second are refused by
praho.accounts.api.authentication and by the refresh endpoint. A token obtained in the same second
as the revocation is refused too; the client obtains another.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken, Token

from praho.accounts import locks
from praho.accounts.models import User
from praho.audit.services import record_event


class RevokeReason:
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 (a reason, not a password)
    STAFF = "staff"


def revoke_api_tokens(*, actor: User | None, user: User, reason: str) -> int:
    """Every API token `user` holds stops working now; returns how many refresh tokens were
    blacklisted. Audited (api.tokens_revoked) whether or not any was outstanding, since access
    tokens are cut too."""
    with transaction.atomic():
        now = timezone.now()
        User.objects.filter(pk=user.pk).update(api_tokens_revoked_at=now)
        user.api_tokens_revoked_at = now
        active = active_refresh_tokens(user).values_list("pk", flat=True)
        revoked = BlacklistedToken.objects.bulk_create(
            [BlacklistedToken(token_id=pk) for pk in active], ignore_conflicts=True
        )
        record_event(
            "api.tokens_revoked",
            actor=actor,
            target=user,
            data={"reason": reason, "refresh_tokens": len(revoked)},
        )
    return len(revoked)


def active_refresh_tokens(user: User) -> QuerySet[OutstandingToken]:
    """The user's refresh tokens that still work: not expired, not blacklisted."""
    return OutstandingToken.objects.filter(
        user=user, expires_at__gt=timezone.now(), blacklistedtoken__isnull=True
    ).order_by()


def issued_before_revocation(user: User, token: Token) -> bool:
    """Whether `token` was issued up to the second the user's tokens were last revoked."""
    revoked: datetime | None = user.api_tokens_revoked_at
    if revoked is None:
        return False
    issued = token.get("iat")
    return issued is None or int(issued) <= int(revoked.timestamp())


def rotate_refresh_token(refresh: RefreshToken) -> RefreshToken:
    """The new refresh token for `refresh`, which is blacklisted: exactly once, however many
    requests send it at once. TokenError for all but the first.

    The token's outstanding row is locked, and blacklisting it is an INSERT the blacklist's
    unique constraint allows once: a request that checked the token before another rotated it
    fails here (simplejwt's own get_or_create would let every one of them through).
    """
    with transaction.atomic():
        jti = refresh[api_settings.JTI_CLAIM]
        outstanding = locks.locked_outstanding_token(jti)
        if outstanding is None:
            raise TokenError(_("Token is invalid"))
        try:
            with transaction.atomic():
                BlacklistedToken.objects.create(token=outstanding)
        except IntegrityError:
            raise TokenError(_("Token is blacklisted")) from None
        refresh.set_jti()
        refresh.set_exp()
        refresh.set_iat()
        refresh.outstand()
    return refresh
