"""/api/v1/ billing endpoints (included at /api/v1/ by praho/urls.py).

Invoices, proformas and credit notes share one set of URLs, made by document_urls() for each
kind: the list, one document, issuing it (not credit notes: they are issued from an invoice), its
actions and its PDF, named "api-<kind>s", "api-<kind>", "api-<kind>-<action>" and "api-<kind>-pdf".
"""

from collections.abc import Sequence

from django.urls import URLPattern, path
from rest_framework.views import APIView

from praho.billing.api import documents, exchange_rates, payments


def document_urls(
    segment: str,
    name: str,
    id_kwarg: str,
    *,
    list_view: type[APIView],
    detail_view: type[APIView],
    pdf_view: type[APIView],
    actions: Sequence[tuple[str, type[APIView]]] = (),
    collection_actions: Sequence[URLPattern] = (),
) -> list[URLPattern]:
    """One kind's URLs, in this order: list, `collection_actions`, one document, `actions`
    (POST <segment>/<id>/<action>/, named "api-<name>-<action>"), PDF."""
    item = f"{segment}/<int:{id_kwarg}>/"
    return [
        path(f"{segment}/", list_view.as_view(), name=f"api-{segment}"),
        *collection_actions,
        path(item, detail_view.as_view(), name=f"api-{name}"),
        *(path(f"{item}{action}/", view.as_view(), name=f"api-{name}-{action}") for action, view in actions),
        path(f"{item}pdf/", pdf_view.as_view(), name=f"api-{name}-pdf"),
    ]


urlpatterns = [
    *document_urls(
        "invoices",
        "invoice",
        "invoice_id",
        list_view=documents.InvoiceListView,
        detail_view=documents.InvoiceDetailView,
        pdf_view=documents.InvoicePdfView,
        actions=[("issue", documents.InvoiceIssueView), ("credit-note", documents.InvoiceCreditNoteView)],
        collection_actions=[
            path("invoices/issue/", documents.InvoiceBatchIssueView.as_view(), name="api-invoices-issue")
        ],
    ),
    *document_urls(
        "proformas",
        "proforma",
        "proforma_id",
        list_view=documents.ProformaListView,
        detail_view=documents.ProformaDetailView,
        pdf_view=documents.ProformaPdfView,
        actions=[
            ("issue", documents.ProformaIssueView),
            ("convert", documents.ProformaConvertView),
            ("cancel", documents.ProformaCancelView),
        ],
    ),
    *document_urls(
        "credit-notes",
        "credit-note",
        "credit_note_id",
        list_view=documents.CreditNoteListView,
        detail_view=documents.CreditNoteDetailView,
        pdf_view=documents.CreditNotePdfView,
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
