from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

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
