"""Calling the API as a user and reading its errors, for every app's API tests.

`bearer(user)` is a DRF test client with a JWT access token for `user` (as the customer portal
and integrators call the API). `error_of(response)` is the body's {"error": ...} without its
request id (checked against the X-Request-ID header); `invalid(fields)` and `refused(code,
fields)` are the error bodies of bad input and of a business rule's refusal (praho.core.api).
"""

from __future__ import annotations

from typing import Any

from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from praho.accounts.models import User

NOT_FOUND = {"status": 404, "code": "not_found", "message": "Not found."}
DENIED = {
    "status": 403,
    "code": "permission_denied",
    "message": "You do not have permission to perform this action.",
}


def bearer(user: User) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


def error_of(response: Any) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}
    error: dict[str, Any] = body["error"]
    assert error.pop("request_id") == response["X-Request-ID"]
    return error


def invalid(fields: dict[str, Any]) -> dict[str, Any]:
    return {"status": 400, "code": "invalid", "message": "Some fields are not valid.", "fields": fields}


def refused(code: str, fields: dict[str, Any]) -> dict[str, Any]:
    """A refusal by one business rule: its code and message lead the error (core.api RULE_CODES)."""
    leaf: Any = fields
    while isinstance(leaf, dict | list):
        leaf = next(iter(leaf.values())) if isinstance(leaf, dict) else leaf[0]
    return {"status": 400, "code": code, "message": leaf, "fields": fields}
