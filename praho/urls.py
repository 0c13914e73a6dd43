from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from rest_framework_simplejwt.views import TokenRefreshView

from praho.accounts.api import MeView, TokenObtainView

api_v1 = [
    path("auth/token/", TokenObtainView.as_view(), name="api-token"),
    path("auth/token/refresh/", TokenRefreshView.as_view(), name="api-token-refresh"),
    path("me/", MeView.as_view(), name="api-me"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]

urlpatterns = [
    path("", include("praho.core.urls")),
    path("", include("praho.accounts.urls")),
    path("staff/audit/", include("praho.audit.urls")),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", include(api_v1)),
]
