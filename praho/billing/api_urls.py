"""/api/v1/ billing endpoints (included at /api/v1/ by praho/urls.py)."""

from django.urls import path

from praho.billing import api

urlpatterns = [
    path("invoices/", api.InvoiceListView.as_view(), name="api-invoices"),
    path("invoices/<int:invoice_id>/", api.InvoiceDetailView.as_view(), name="api-invoice"),
    path("invoices/<int:invoice_id>/issue/", api.InvoiceIssueView.as_view(), name="api-invoice-issue"),
    path(
        "invoices/<int:invoice_id>/credit-note/",
        api.InvoiceCreditNoteView.as_view(),
        name="api-invoice-credit-note",
    ),
    path("invoices/<int:invoice_id>/pdf/", api.InvoicePdfView.as_view(), name="api-invoice-pdf"),
    path("proformas/", api.ProformaListView.as_view(), name="api-proformas"),
    path("proformas/<int:proforma_id>/", api.ProformaDetailView.as_view(), name="api-proforma"),
    path("proformas/<int:proforma_id>/issue/", api.ProformaIssueView.as_view(), name="api-proforma-issue"),
    path(
        "proformas/<int:proforma_id>/convert/", api.ProformaConvertView.as_view(), name="api-proforma-convert"
    ),
    path("proformas/<int:proforma_id>/cancel/", api.ProformaCancelView.as_view(), name="api-proforma-cancel"),
    path("proformas/<int:proforma_id>/pdf/", api.ProformaPdfView.as_view(), name="api-proforma-pdf"),
    path("credit-notes/", api.CreditNoteListView.as_view(), name="api-credit-notes"),
    path("credit-notes/<int:credit_note_id>/", api.CreditNoteDetailView.as_view(), name="api-credit-note"),
    path(
        "credit-notes/<int:credit_note_id>/pdf/", api.CreditNotePdfView.as_view(), name="api-credit-note-pdf"
    ),
    path("payments/", api.PaymentListView.as_view(), name="api-payments"),
    path("payments/<int:payment_id>/", api.PaymentDetailView.as_view(), name="api-payment"),
    path(
        "customers/<int:customer_id>/balance/", api.CustomerBalanceView.as_view(), name="api-customer-balance"
    ),
]
