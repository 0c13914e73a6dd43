"""/api/v1/ billing endpoints (included at /api/v1/ by praho/urls.py)."""

from django.urls import path

from praho.billing.api import documents, exchange_rates, payments

urlpatterns = [
    path("invoices/", documents.InvoiceListView.as_view(), name="api-invoices"),
    path("invoices/issue/", documents.InvoiceBatchIssueView.as_view(), name="api-invoices-issue"),
    path("invoices/<int:invoice_id>/", documents.InvoiceDetailView.as_view(), name="api-invoice"),
    path("invoices/<int:invoice_id>/issue/", documents.InvoiceIssueView.as_view(), name="api-invoice-issue"),
    path(
        "invoices/<int:invoice_id>/credit-note/",
        documents.InvoiceCreditNoteView.as_view(),
        name="api-invoice-credit-note",
    ),
    path("invoices/<int:invoice_id>/pdf/", documents.InvoicePdfView.as_view(), name="api-invoice-pdf"),
    path("proformas/", documents.ProformaListView.as_view(), name="api-proformas"),
    path("proformas/<int:proforma_id>/", documents.ProformaDetailView.as_view(), name="api-proforma"),
    path(
        "proformas/<int:proforma_id>/issue/", documents.ProformaIssueView.as_view(), name="api-proforma-issue"
    ),
    path(
        "proformas/<int:proforma_id>/convert/",
        documents.ProformaConvertView.as_view(),
        name="api-proforma-convert",
    ),
    path(
        "proformas/<int:proforma_id>/cancel/",
        documents.ProformaCancelView.as_view(),
        name="api-proforma-cancel",
    ),
    path("proformas/<int:proforma_id>/pdf/", documents.ProformaPdfView.as_view(), name="api-proforma-pdf"),
    path("credit-notes/", documents.CreditNoteListView.as_view(), name="api-credit-notes"),
    path(
        "credit-notes/<int:credit_note_id>/", documents.CreditNoteDetailView.as_view(), name="api-credit-note"
    ),
    path(
        "credit-notes/<int:credit_note_id>/pdf/",
        documents.CreditNotePdfView.as_view(),
        name="api-credit-note-pdf",
    ),
    path("payments/", payments.PaymentListView.as_view(), name="api-payments"),
    path("payments/<int:payment_id>/", payments.PaymentDetailView.as_view(), name="api-payment"),
    path("exchange-rates/", exchange_rates.ExchangeRateListView.as_view(), name="api-exchange-rates"),
    path(
        "customers/<int:customer_id>/balance/",
        payments.CustomerBalanceView.as_view(),
        name="api-customer-balance",
    ),
]
