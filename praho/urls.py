from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from praho.accounts.api.views import MeView, RevokeTokensView, TokenObtainView, TokenRefreshView
from praho.payments.web.intake import stripe_webhook

api_v1: list[URLPattern | URLResolver] = [
    path("auth/token/", TokenObtainView.as_view(), name="api-token"),
    path("auth/token/refresh/", TokenRefreshView.as_view(), name="api-token-refresh"),
    path("me/", MeView.as_view(), name="api-me"),
    path("users/<int:user_id>/revoke-tokens/", RevokeTokensView.as_view(), name="api-revoke-tokens"),
    path("", include("praho.customers.api.urls")),
    path("", include("praho.billing.api.urls")),
    path("", include("praho.efactura.api.urls")),
    path("", include("praho.payments.api.urls")),
    path("", include("praho.catalog.api.urls")),
    path("", include("praho.recurring.api.urls")),  # before provisioning's: cancel, change-plan
    path("", include("praho.provisioning.api.urls")),  # before orders': a service's detail
    path("", include("praho.orders.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="core/api_swagger.html"),
        name="api-docs",
    ),
    path(
        "redoc/",
        # Redoc builds its styles at run time (styled-components) and cannot render
        # without inline styles, and runs its search in a worker made from a blob;
        # scripts stay restricted to our own host.
        csp_update({"style-src": [UNSAFE_INLINE], "worker-src": [SELF, "blob:"]})(
            SpectacularRedocView.as_view(url_name="api-schema", template_name="core/api_redoc.html")
        ),
        name="api-redoc",
    ),
]

# Unknown API routes and crashes answer in the API's error shape; pages keep Django's.
handler404 = "praho.core.api.errors.not_found"
handler500 = "praho.core.api.errors.server_error"

urlpatterns = [
    path("webhooks/stripe/", stripe_webhook, name="webhook-stripe"),
    path("", include("praho.core.urls")),
    path("", include("praho.accounts.web.urls")),
    path("staff/audit/", include("praho.audit.urls")),
    path("staff/inbox/", include("praho.inbox.web.urls")),
    path("", include("praho.customers.urls")),
    path("", include("praho.billing.urls")),
    path("staff/efactura/", include("praho.efactura.web.staff.urls")),
    path("", include("praho.payments.urls")),
    path("", include("praho.catalog.urls")),
    path("", include("praho.orders.urls")),
    path("", include("praho.provisioning.urls")),
    path("", include("praho.recurring.urls")),
    path("app/services/", include("praho.provisioning.web.area.urls")),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", include(api_v1)),
]
