"""Staff pages of the efactura app, at /staff/efactura/ in the "efactura" namespace."""

from django.urls import path

from praho.efactura.web.staff import views

app_name = "efactura"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("documents/<int:document_id>/xml/", views.document_xml, name="document-xml"),
    path("documents/<int:document_id>/answer/", views.document_answer, name="document-answer"),
    path("documents/<int:document_id>/submit/", views.document_submit, name="document-submit"),
    path("anaf/", views.anaf_connection, name="anaf"),
    path("anaf/connect/", views.anaf_connect, name="anaf-connect"),
    # ANAF's redirect URI (EFACTURA_REDIRECT_URI): registered at ANAF exactly as written here.
    path("anaf/callback/", views.anaf_callback, name="anaf-callback"),
]
