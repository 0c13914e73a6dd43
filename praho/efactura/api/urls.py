"""/api/v1/ e-Factura endpoints (included at /api/v1/ by praho/urls.py), beside billing's documents."""

from django.urls import path

from praho.efactura.api import views as api

urlpatterns = [
    path("invoices/<int:invoice_id>/efactura.xml", api.InvoiceXmlView.as_view(), name="api-invoice-xml"),
    path(
        "credit-notes/<int:credit_note_id>/efactura.xml",
        api.CreditNoteXmlView.as_view(),
        name="api-credit-note-xml",
    ),
]
