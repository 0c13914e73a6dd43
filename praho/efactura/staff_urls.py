"""Staff pages of the efactura app, at /staff/efactura/ in the "efactura" namespace."""

from django.urls import path

from praho.efactura import staff_views

app_name = "efactura"

urlpatterns = [
    path("anaf/", staff_views.anaf_connection, name="anaf"),
    path("anaf/connect/", staff_views.anaf_connect, name="anaf-connect"),
    # ANAF's redirect URI (EFACTURA_REDIRECT_URI): registered at ANAF exactly as written here.
    path("anaf/callback/", staff_views.anaf_callback, name="anaf-callback"),
]
