"""Staff pages of e-Factura under /staff/efactura/.

- The dashboard (efactura.view_submission): counts by state, documents near or past their
  deadline, rejected and invalid ones, issued documents not tracked yet (panels.dashboard).
- A document's XML (whoever may see the document, as its PDF), ANAF's archived signed answer
  (efactura.view_submission) and "Submit to ANAF" (efactura.submit_efactura, which calls
  praho.efactura.submissions.submit). Documents are reached through billing's selectors, so an
  id the user may not see is a 404.
- The ANAF connection under anaf/ (efactura.manage_anaf, the admin role): where the
  authorization stands, the button that starts it at ANAF, and the callback ANAF redirects
  back to; the rules and their messages live in praho.efactura.tokens.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from praho.audit.services import record_event
from praho.billing.models import Document
from praho.billing.selectors import document_for, documents_visible_to
from praho.core.http import AuthenticatedHttpRequest
from praho.core.validation import fiscal_today
from praho.efactura import submissions, tokens
from praho.efactura.api.views import xml_response
from praho.efactura.models import Submission
from praho.efactura.selectors import with_xml_data
from praho.efactura.web.staff import panels

TEMPLATES = "efactura/staff/"
PERMISSION = "efactura.manage_anaf"
VIEW_SUBMISSIONS = "efactura.view_submission"


@require_GET
@permission_required(VIEW_SUBMISSIONS, raise_exception=True)
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    context = panels.dashboard(fiscal_today()) | {"environment": settings.EFACTURA_ENVIRONMENT}
    return render(request, TEMPLATES + "dashboard.html", context)


@require_GET
@permission_required("billing.view_document", raise_exception=True)
def document_xml(request: AuthenticatedHttpRequest, document_id: int) -> HttpResponse:
    """The e-Factura XML as a download; a draft has none (back to its page, saying so)."""
    try:
        document = with_xml_data(documents_visible_to(request.user)).get(pk=document_id)
    except Document.DoesNotExist:
        raise Http404 from None
    try:
        return xml_response(document)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("billing:document", document.pk)


@require_GET
@permission_required(VIEW_SUBMISSIONS, raise_exception=True)
def document_answer(request: AuthenticatedHttpRequest, document_id: int) -> HttpResponse:
    """ANAF's signed answer (ZIP) as archived when the document was accepted or rejected."""
    document = document_for(request.user, document_id)
    submission = Submission.objects.filter(document=document, answer__isnull=False).first()
    if submission is None or submission.answer is None:
        raise Http404
    filename = f"{document.number}-ANAF-{submission.download_id or 'answer'}.zip"
    # The signed answer is the proof of reporting an auditor asks for: who took a copy is recorded.
    record_event(
        "efactura.answer_copied", actor=request.user, target=submission, data={"document": document.number}
    )
    return HttpResponse(
        bytes(submission.answer),
        content_type="application/zip",
        headers={"Content-Disposition": content_disposition_header(True, filename)},
    )


@require_POST
@permission_required("efactura.submit_efactura", raise_exception=True)
def document_submit(request: AuthenticatedHttpRequest, document_id: int) -> HttpResponse:
    document = document_for(request.user, document_id)
    try:
        submission = submissions.submit(document=document, actor=request.user)
    except ValidationError as error:
        messages.error(request, _refusal(error))
    else:
        messages.success(
            request,
            _("%(document)s is on its way to ANAF (%(state)s); its state here follows ANAF's answer.")
            % {"document": document, "state": submission.get_state_display()},
        )
    return redirect("billing:document", document.pk)


def _refusal(error: ValidationError) -> str:
    """The service's words; while PRAHO is not connected, with the way to the connection page."""
    text = " ".join(error.messages)
    if "connection" not in getattr(error, "error_dict", {}):
        return text
    link = format_html('<a href="{}">{}</a>', reverse("efactura:anaf"), _("Open the ANAF connection page"))
    return format_html("{} {}", text, link)


@require_GET
@permission_required(PERMISSION, raise_exception=True)
def anaf_connection(request: AuthenticatedHttpRequest) -> HttpResponse:
    context = {
        "status": tokens.token_state(),
        "states": tokens.TokenState,
        "environment": settings.EFACTURA_ENVIRONMENT,
        "api_url": settings.EFACTURA_API_URL,
        "client_id": settings.EFACTURA_CLIENT_ID,
        "redirect_uri": settings.EFACTURA_REDIRECT_URI,
    }
    response = render(request, TEMPLATES + "anaf_connection.html", context)
    # Browsers apply form-action to the redirect a form submission leads to: the "Connect"
    # button posts here and is redirected on to ANAF's login, which must be allowed too.
    authorize = urlsplit(settings.EFACTURA_OAUTH_AUTHORIZE_URL)
    response._csp_update = {"form-action": [f"{authorize.scheme}://{authorize.netloc}"]}  # type: ignore[attr-defined]
    return response


@require_POST
@permission_required(PERMISSION, raise_exception=True)
def anaf_connect(request: AuthenticatedHttpRequest) -> HttpResponse:
    try:
        url = tokens.authorization_url(actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("efactura:anaf")
    return redirect(url)


@require_GET
@permission_required(PERMISSION, raise_exception=True)
def anaf_callback(request: AuthenticatedHttpRequest) -> HttpResponse:
    """ANAF sends the browser back here with ?code=&state= (or ?error=&error_description=)."""
    try:
        tokens.exchange_code(
            actor=request.user,
            state=request.GET.get("state", ""),
            code=request.GET.get("code", ""),
            error=request.GET.get("error", "")[:200],
            description=request.GET.get("error_description", "")[:500],
        )
    except ValidationError as error:
        return render(request, TEMPLATES + "anaf_callback_error.html", {"errors": error.messages}, status=400)
    messages.success(request, _("PRAHO is connected to ANAF."))
    # Redirected so that reloading the page does not send the spent code to ANAF again.
    return redirect("efactura:anaf")
