"""Serving a document's PDF over HTTP: the API, the staff pages and the customer area call this.

The PDF comes from pdf_archive (the stored copy; a draft rendered on demand). A render made for a
request counts against the user's rate (setting BILLING_PDF_RENDER_RATE, kept in the cache as
DRF's throttles keep theirs); past it the API answers 429 in its error shape and the pages answer
429 with a page saying when to try again, both with Retry-After. Serving a stored PDF is free.
"""

from __future__ import annotations

import math
from typing import Any, cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.utils.translation import ngettext
from rest_framework import exceptions
from rest_framework.throttling import UserRateThrottle

from praho.billing.models import Document
from praho.billing.pdf import archive as pdf_archive

RenderRefusedError = pdf_archive.RenderRefusedError


class PdfRenderThrottle(UserRateThrottle):
    """PDF renders per user (per client address for a visitor, who never reaches a PDF)."""

    scope = "pdf_render"

    def get_rate(self) -> str:
        # Read at each request rather than from DRF's settings, captured when DRF is imported.
        rate: str = settings.BILLING_PDF_RENDER_RATE
        return rate


def render_gate(request: HttpRequest) -> pdf_archive.RenderGate:
    """Lets a render through while the user's rate allows, and counts it; refuses it otherwise."""
    throttle = PdfRenderThrottle()

    def take() -> None:
        # DRF's throttles read only request.user and request.META, which a Django request has too.
        if not throttle.allow_request(cast(Any, request), cast(Any, None)):
            raise RenderRefusedError(throttle.wait())

    return take


def pdf_response(
    request: HttpRequest, document: Document, *, attachment: bool, filename: str
) -> HttpResponse:
    """The PDF, named `filename`; raises RenderRefusedError when it needs a render the rate refuses."""
    served = pdf_archive.pdf_file(document, gate=render_gate(request))
    disposition = content_disposition_header(attachment, filename) or (
        "attachment" if attachment else "inline"
    )
    return HttpResponse(
        served.content,
        content_type="application/pdf",
        headers={"Content-Disposition": disposition, "ETag": f'"{served.sha256}"'},
    )


def retry_after(refused: RenderRefusedError) -> int:
    """Whole seconds until a render may be tried again (a minute when the throttle cannot say)."""
    return math.ceil(refused.wait) if refused.wait is not None else 60


def _message(seconds: int) -> str:
    return ngettext(
        "Too many PDFs were made for you in a short time; try again in %(seconds)s second.",
        "Too many PDFs were made for you in a short time; try again in %(seconds)s seconds.",
        seconds,
    ) % {"seconds": seconds}


class PdfRendersThrottled(exceptions.Throttled):
    """The API's 429: code "throttled", the message above; DRF sets Retry-After from `wait`."""

    def __init__(self, seconds: int) -> None:
        super().__init__(detail=_message(seconds))  # DRF would add its own sentence for a wait
        self.wait = seconds


def api_refusal(refused: RenderRefusedError) -> PdfRendersThrottled:
    return PdfRendersThrottled(retry_after(refused))


def refusal_page(
    request: HttpRequest, refused: RenderRefusedError, template: str, **context: Any
) -> HttpResponse:
    """A page (status 429) saying that too many PDFs were made and when to try again."""
    seconds = retry_after(refused)
    response = render(request, template, {"seconds": seconds, **context}, status=429)
    response["Retry-After"] = str(seconds)
    return response
