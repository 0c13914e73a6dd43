"""The customer area's panel password, shown on request.

Who: members whose role has the TECHNICAL capability (owners and technical users: those who
manage services); others get the area's 403 page. Only services of the customer the user acts
for: any other id is a 404, whether it exists or not. The password is only ever in the answer to
this POST (never in the service page, a URL or a redirect), the answer is not cached, and each
showing is audited."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from praho.core.http import AuthenticatedHttpRequest
from praho.customers.models import Membership
from praho.customers.roles import Capability
from praho.customers.web.area.views import area_page
from praho.orders.selectors import service_for
from praho.provisioning.services.passwords import reveal_password

TEMPLATES = "provisioning/area/"


@require_POST
@never_cache
@area_page(Capability.TECHNICAL)
def password(request: AuthenticatedHttpRequest, membership: Membership, service_id: int) -> HttpResponse:
    service = service_for(request.user, service_id)
    if service.customer_id != membership.customer_id:  # a service of another customer the user is in
        raise Http404
    context = {"service": service, "password": reveal_password(service=service, actor=request.user)}
    if request.htmx:
        return render(request, TEMPLATES + "_password.html", context)
    return render(request, TEMPLATES + "password.html", context)
