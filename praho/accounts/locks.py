"""Every row lock the accounts app takes, in one place (docs/decisions/0006-locking.md)."""

from __future__ import annotations

from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from praho.accounts.models import StaffInvitation, User


def locked_user(user_id: int) -> User:
    return User.objects.select_for_update().get(pk=user_id)


def locked_outstanding_token(jti: str) -> OutstandingToken | None:
    # By id: the model's ordering (by user) would join the users, which FOR UPDATE refuses.
    return OutstandingToken.objects.select_for_update().filter(jti=jti).order_by("pk").first()


def locked_staff_invitation(token_hash: str) -> StaffInvitation | None:
    return StaffInvitation.objects.select_for_update().filter(token_hash=token_hash).first()
