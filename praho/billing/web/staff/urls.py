"""Staff pages for proformas, invoices and credit notes, at /staff/billing/ in the "billing" namespace."""

from django.urls import path

from praho.billing.models import DocumentType
from praho.billing.web.staff import credit_views as staff_credit_views
from praho.billing.web.staff import document_views as staff_document_views
from praho.billing.web.staff import draft_views as staff_draft_views
from praho.billing.web.staff import views as staff_views

INVOICE, PROFORMA, CREDIT_NOTE = DocumentType.INVOICE, DocumentType.PROFORMA, DocumentType.CREDIT_NOTE

urlpatterns = [
    path("invoices/", staff_views.document_list, {"document_type": INVOICE}, name="invoices"),
    path("invoices/sums/", staff_views.document_sums, {"document_type": INVOICE}, name="invoice-sums"),
    path("invoices/new/", staff_draft_views.invoice_create, name="invoice-create"),
    path(
        "invoices/<int:document_id>/credit/", staff_credit_views.credit_note_create, name="credit-note-create"
    ),
    path("proformas/", staff_views.document_list, {"document_type": PROFORMA}, name="proformas"),
    path("proformas/sums/", staff_views.document_sums, {"document_type": PROFORMA}, name="proforma-sums"),
    path("proformas/new/", staff_draft_views.proforma_create, name="proforma-create"),
    path("credit-notes/", staff_views.document_list, {"document_type": CREDIT_NOTE}, name="credit-notes"),
    path(
        "credit-notes/sums/",
        staff_views.document_sums,
        {"document_type": CREDIT_NOTE},
        name="credit-note-sums",
    ),
    path("documents/customers/", staff_views.customer_picker, name="customer-picker"),
    path("documents/<int:document_id>/", staff_document_views.document_detail, name="document"),
    path("documents/<int:document_id>/edit/", staff_draft_views.document_edit, name="document-edit"),
    path("documents/<int:document_id>/pdf/", staff_document_views.document_pdf, name="document-pdf"),
    path("documents/<int:document_id>/issue/", staff_document_views.document_issue, name="document-issue"),
    path(
        "documents/<int:document_id>/issue/confirm/",
        staff_document_views.document_issue_confirm,
        name="document-issue-confirm",
    ),
    path("documents/<int:document_id>/email/", staff_document_views.document_email, name="document-email"),
    path("documents/<int:document_id>/cancel/", staff_document_views.proforma_cancel, name="proforma-cancel"),
    path(
        "documents/<int:document_id>/convert/", staff_document_views.proforma_convert, name="proforma-convert"
    ),
    path(
        "documents/<int:document_id>/convert/confirm/",
        staff_document_views.proforma_convert_confirm,
        name="proforma-convert-confirm",
    ),
]
