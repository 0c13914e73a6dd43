"""API routes (under /api/v1/): the public catalog."""

from django.urls import path

from praho.catalog.api.offer import CatalogView, PlanView

urlpatterns = [
    path("catalog/", CatalogView.as_view(), name="api-catalog"),
    path("catalog/plans/<str:plan>/", PlanView.as_view(), name="api-catalog-plan"),
]
