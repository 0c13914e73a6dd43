from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

from praho.core import request_id
from praho.core.request_id import RequestContext

HEADER = "X-Request-ID"


def client_ip(request: HttpRequest) -> str | None:
    # The reverse proxy is configured to set REMOTE_ADDR correctly (see README);
    # trusting X-Forwarded-For here would let clients forge audit records.
    return request.META.get("REMOTE_ADDR") or None


class RequestIDMiddleware:
    """Gives every request an ID, returns it in X-Request-ID and exposes the
    request's ID, client address and user agent to logs and the audit trail."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        rid = request_id.accept_request_id(request.headers.get(HEADER))
        request.request_id = rid  # type: ignore[attr-defined]
        token = request_id.activate(
            RequestContext(
                request_id=rid,
                ip_address=client_ip(request),
                user_agent=request.headers.get("User-Agent", "")[:500],
            )
        )
        try:
            response = self.get_response(request)
        finally:
            request_id.deactivate(token)
        response[HEADER] = rid
        return response


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every API answer and every answer to a logged-in user.

    They carry private data (documents, PDFs, e-Factura XML, balances) or secrets (the token
    endpoints answer anonymous requests with tokens); no browser cache or proxy may keep them.
    The user is the one the API authenticated too: DRF sets it on the underlying request.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Static files answered before authentication ran have no user: nothing private.
        user = getattr(request, "user", None)
        if request.path.startswith("/api/") or (user is not None and user.is_authenticated):
            patch_cache_control(response, no_store=True)
        return response
