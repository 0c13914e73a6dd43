"""The customer area's billing pages, under /app/billing/ (namespace "billing")."""

from django.urls import path

from praho.billing.web.area import views as area_views

urlpatterns = [
    path("", area_views.documents, name="area-documents"),
    path("documents/<int:document_id>/", area_views.document_detail, name="area-document"),
    path("documents/<int:document_id>/pdf/", area_views.document_pdf, name="area-document-pdf"),
]
