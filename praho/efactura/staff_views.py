"""Staff pages of the ANAF connection under /staff/efactura/anaf/: where the authorization
stands, the button that starts it at ANAF, and the callback ANAF redirects back to.

Only staff allowed to manage the connection (efactura.manage_anaf, the admin role) reach
them; the rules and their messages live in praho.efactura.tokens.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from praho.core.http import AuthenticatedHttpRequest
from praho.efactura import tokens

TEMPLATES = "efactura/staff/"
PERMISSION = "efactura.manage_anaf"


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
