"""The billing API's documents: invoices, proformas and credit notes (list, create, read,
change a draft, issue, convert, cancel, credit, PDF). The rules these endpoints share with
payments (isolation, who writes, the error shape) are in praho.billing.api.schema and praho.core.api.

Each kind is served by the same generic views, given its document type and the name of its
id in the URL (`_Invoice`, `_Proforma`, `_CreditNote`), so an id of another kind answers 404
and every kind lists, reads and renders its PDF one way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_stubs_ext import StrOrPromise
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from praho.accounts.models import User
from praho.billing import ledger_queries
from praho.billing.api.schema import PdfRenderer, error_responses
from praho.billing.api.serializers import (
    BatchIssueResultSerializer,
    BatchIssueSerializer,
    CreditNoteFilterSerializer,
    CreditNoteRequestSerializer,
    DocumentCreateSerializer,
    DocumentSerializer,
    DocumentUpdateSerializer,
    InvoiceFilterSerializer,
    IssuedDocumentSerializer,
    ProformaFilterSerializer,
)
from praho.billing.models import Document, DocumentType
from praho.billing.pdf import downloads as pdf_downloads
from praho.billing.selectors import DocumentFilters, document_for, documents_visible_to, filter_documents
from praho.billing.services import corrections, issuing, issuing_batch
from praho.billing.services import drafts as documents
from praho.core.api import (
    ErrorResponseSerializer,
    id_parameter,
    refused,
    renamed,
    require_staff_permission,
    user_of,
    validated,
)
from praho.core.validation import FieldErrors
from praho.customers.models import Customer
from praho.customers.selectors import customer_for

ViewClass = TypeVar("ViewClass", bound=type[APIView])

# --- Reading and parsing -------------------------------------------------------------


def _shown_documents(user: User, document_type: str) -> QuerySet[Document]:
    """Documents of one type as the API shows them: lines prefetched, invoices with ledger amounts."""
    shown = documents_visible_to(user).filter(document_type=document_type)
    if document_type == DocumentType.INVOICE:
        shown = ledger_queries.with_ledger_amounts(shown)
    return shown.select_related("converted_to").prefetch_related("lines", "vat_subtotals")


def _shown(user: User, document: Document) -> dict[str, Any]:
    """A document as GET shows it, read again after a write."""
    shown = get_object_or_404(_shown_documents(user, document.document_type), pk=document.pk)
    return dict(DocumentSerializer(shown).data)


def _customer(user: User, customer_id: int) -> Customer:
    try:
        return customer_for(user, customer_id)
    except Http404:
        raise refused("customer", _("There is no such customer."), "does_not_exist") from None


# --- The views every kind of document shares ----------------------------------------


class _DocumentKind:
    """The document type a view serves and the name of its id in the URL."""

    document_type: ClassVar[str]
    id_kwarg: ClassVar[str]
    filter_serializer: ClassVar[type[serializers.Serializer[Any]]]
    kwargs: dict[str, Any]

    def document_id(self) -> int:
        return int(self.kwargs[self.id_kwarg])


class _DocumentListView(_DocumentKind, generics.ListCreateAPIView[Document]):
    serializer_class = DocumentSerializer

    def get_queryset(self) -> QuerySet[Document]:
        if getattr(self, "swagger_fake_view", False):
            return Document.objects.none()
        filters = DocumentFilters.from_values(
            validated(self.filter_serializer, self.request.query_params, query=True)
        )
        return filter_documents(_shown_documents(user_of(self.request), self.document_type), filters)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actor = user_of(request)
        require_staff_permission(actor, "billing.add_document")
        data = validated(DocumentCreateSerializer, request.data)
        customer = _customer(actor, data.pop("customer"))
        document = documents.create_document(
            actor=actor, document_type=self.document_type, customer=customer, **data
        )
        return Response(_shown(actor, document), status=status.HTTP_201_CREATED)


class _DocumentDetailView(_DocumentKind, generics.RetrieveUpdateAPIView[Document]):
    serializer_class = DocumentSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self) -> Document:
        shown = _shown_documents(user_of(self.request), self.document_type)
        return get_object_or_404(shown, pk=self.document_id())

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actor = user_of(request)
        document = document_for(actor, self.document_id(), self.document_type)
        require_staff_permission(actor, "billing.change_document")
        data = validated(DocumentUpdateSerializer, request.data)
        changed = documents.update_draft(actor=actor, document=document, **data)
        return Response(_shown(actor, changed))


class _DocumentActionView(_DocumentKind, APIView):
    """POST on one document: find it (404), check the permission (403), call one service."""

    permission: ClassVar[str]
    success_status: ClassVar[int] = status.HTTP_200_OK

    def act(self, actor: User, document: Document, request: Request) -> Document:
        raise NotImplementedError

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actor = user_of(request)
        document = document_for(actor, self.document_id(), self.document_type)
        require_staff_permission(actor, self.permission)
        result = self.act(actor, document, request)
        return Response(_shown(actor, result) | issue_report(result), status=self.success_status)


class _IssueView(_DocumentActionView):
    permission = "billing.issue_document"

    def act(self, actor: User, document: Document, request: Request) -> Document:
        return issuing.issue_document(actor=actor, document=document)


class _DocumentPdfView(_DocumentKind, APIView):
    renderer_classes = [JSONRenderer, PdfRenderer]
    metadata_class = None  # OPTIONS would render its JSON description as "PDF": answer 405 instead

    def get(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        document = document_for(user_of(request), self.document_id(), self.document_type)
        filename = f"{document.number or f'{document.document_type}-{document.pk}'}.pdf"
        try:  # the stored PDF (pdf_archive); a render beyond the user's rate answers 429
            return pdf_downloads.pdf_response(request, document, attachment=True, filename=filename)
        except pdf_downloads.RenderRefusedError as refused:
            raise pdf_downloads.api_refusal(refused) from None

    def handle_exception(self, exc: Exception) -> Response:
        # Errors keep the API's JSON shape even for a client that accepts only PDF.
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)


def _list_schema(filters: type[serializers.Serializer[Any]], create: StrOrPromise) -> Any:
    """GET with the filters as query parameters; POST creates a draft (`create` describes it)."""
    return extend_schema_view(
        get=extend_schema(
            parameters=[filters], responses={200: DocumentSerializer(many=True), **error_responses(400, 401)}
        ),
        post=extend_schema(
            request=DocumentCreateSerializer,
            responses={201: DocumentSerializer, **error_responses(400, 401, 403)},
            description=create,
        ),
    )


def _detail_schema(id_kwarg: str, *, update: bool) -> Callable[[ViewClass], ViewClass]:
    """GET one document, its id in the path; with `update`, PATCH a draft too."""
    views: dict[str, Any] = {
        "get": extend_schema(responses={200: DocumentSerializer, **error_responses(401, 404)})
    }
    if update:
        views["patch"] = extend_schema(
            request=DocumentUpdateSerializer,
            responses={200: DocumentSerializer, **error_responses(400, 401, 403, 404)},
            description=gettext_lazy(
                "Change a draft; `lines`, when given, replaces all lines. An issued invoice is refused (400)."
            ),
        )

    def decorate(view: ViewClass) -> ViewClass:
        return extend_schema(parameters=[id_parameter(id_kwarg)])(extend_schema_view(**views)(view))

    return decorate


def issue_report(document: Document) -> dict[str, Any]:
    """What issuing found, on the answer of the call that issued (not stored in the document):
    the lines whose VAT it determined again and its warnings (billing.issuing, issue_checks, oss)."""
    if not hasattr(document, "warnings"):
        return {}
    return {
        "vat_changes": getattr(document, "vat_changes", []),
        "warnings": [{"code": warning.code, "message": warning.message} for warning in document.warnings],
    }


def _action_schema(id_kwarg: str, answer: int, description: StrOrPromise, request: Any = None) -> Any:
    return extend_schema(
        parameters=[id_parameter(id_kwarg)],
        request=request,
        responses={answer: IssuedDocumentSerializer, **error_responses(400, 401, 403, 404)},
        description=description,
    )


def _pdf_schema(id_kwarg: str) -> Any:
    return extend_schema(
        parameters=[id_parameter(id_kwarg)],
        responses={
            (200, "application/pdf"): OpenApiResponse(
                OpenApiTypes.BINARY, description=gettext_lazy("The PDF, named after the document's number.")
            ),
            **error_responses(401, 404),
            429: OpenApiResponse(
                ErrorResponseSerializer,
                description=gettext_lazy("Too many PDFs rendered for this user; see Retry-After."),
            ),
        },
    )


# Invoices


class _Invoice(_DocumentKind):
    document_type = DocumentType.INVOICE
    id_kwarg = "invoice_id"
    filter_serializer = InvoiceFilterSerializer


@extend_schema(tags=["invoices"])
@_list_schema(
    InvoiceFilterSerializer,
    gettext_lazy("Create a draft invoice; the VAT of each line is computed unless overridden with a reason."),
)
class InvoiceListView(_Invoice, _DocumentListView):
    """Invoices the user may see, newest first, and creating a draft (staff)."""


@extend_schema(tags=["invoices"])
@_detail_schema("invoice_id", update=True)
class InvoiceDetailView(_Invoice, _DocumentDetailView):
    """One invoice; PATCH changes a draft."""


@extend_schema(tags=["invoices"])
@extend_schema_view(
    post=_action_schema(
        "invoice_id", 200, gettext_lazy("Number and freeze the invoice; issuing twice is refused (400).")
    )
)
class InvoiceIssueView(_Invoice, _IssueView):
    pass


@extend_schema(tags=["invoices"])
@extend_schema_view(
    post=extend_schema(
        operation_id="invoices_issue_batch",
        request=BatchIssueSerializer,
        responses={200: BatchIssueResultSerializer, **error_responses(400, 401, 403)},
        description=gettext_lazy(
            "Issue up to 500 draft invoices in one transaction, numbered in (issue date, id) order: all "
            "of them, or none (400 naming each invoice that cannot be issued)."
        ),
    )
)
class InvoiceBatchIssueView(APIView):
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actor = user_of(request)
        require_staff_permission(actor, "billing.issue_document")
        ids = validated(BatchIssueSerializer, request.data)["invoices"]
        drafts = _visible_invoices(actor, ids)
        try:
            issued = issuing_batch.issue_documents(actor=actor, documents=drafts)
        except DjangoValidationError as error:
            raise renamed(error, {"documents": "invoices"}) from None
        shown = {d.pk: d for d in _shown_documents(actor, DocumentType.INVOICE).filter(pk__in=ids)}
        results = DocumentSerializer([shown[document.pk] for document in issued], many=True).data
        return Response({"count": len(issued), "results": results})


def _visible_invoices(user: User, ids: list[int]) -> list[Document]:
    """The invoices of `ids` the user may see; an id that is not one is refused, never issued."""
    found = documents_visible_to(user).filter(document_type=DocumentType.INVOICE, pk__in=ids).in_bulk()
    errors = FieldErrors()
    for pk in dict.fromkeys(ids):
        if pk not in found:
            errors.add("invoices", _("There is no invoice #%(id)s.") % {"id": pk}, "does_not_exist")
    errors.raise_if_any()
    return [found[pk] for pk in ids]


@extend_schema(tags=["invoices"])
@extend_schema_view(
    post=_action_schema(
        "invoice_id",
        201,
        gettext_lazy(
            "Issue a credit note for chosen lines and quantities, or for the whole invoice when the body "
            "is empty. Never more than was invoiced (400)."
        ),
        request=CreditNoteRequestSerializer,
    )
)
class InvoiceCreditNoteView(_Invoice, _DocumentActionView):
    permission = "billing.credit_document"
    success_status = status.HTTP_201_CREATED

    def act(self, actor: User, document: Document, request: Request) -> Document:
        data = validated(CreditNoteRequestSerializer, request.data)
        return corrections.credit_note(actor=actor, invoice=document, lines=data.get("lines"))


@extend_schema(tags=["invoices"])
@extend_schema_view(get=_pdf_schema("invoice_id"))
class InvoicePdfView(_Invoice, _DocumentPdfView):
    pass


# Proformas


class _Proforma(_DocumentKind):
    document_type = DocumentType.PROFORMA
    id_kwarg = "proforma_id"
    filter_serializer = ProformaFilterSerializer


@extend_schema(tags=["proformas"])
@_list_schema(
    ProformaFilterSerializer,
    gettext_lazy(
        "Create a draft proforma; the VAT of each line is computed unless overridden with a reason."
    ),
)
class ProformaListView(_Proforma, _DocumentListView):
    """Proformas the user may see, newest first, and creating a draft (staff)."""


@extend_schema(tags=["proformas"])
@_detail_schema("proforma_id", update=True)
class ProformaDetailView(_Proforma, _DocumentDetailView):
    """One proforma; PATCH changes it until it is converted or cancelled."""


@extend_schema(tags=["proformas"])
@extend_schema_view(
    post=_action_schema(
        "proforma_id", 200, gettext_lazy("Number the proforma in its own series (it stays editable).")
    )
)
class ProformaIssueView(_Proforma, _IssueView):
    pass


@extend_schema(tags=["proformas"])
@extend_schema_view(
    post=_action_schema(
        "proforma_id",
        201,
        gettext_lazy("Issue the invoice for the proforma (same lines, linked back); answers the invoice."),
    )
)
class ProformaConvertView(_Proforma, _DocumentActionView):
    permission = "billing.issue_document"
    success_status = status.HTTP_201_CREATED

    def act(self, actor: User, document: Document, request: Request) -> Document:
        return corrections.convert_proforma(actor=actor, proforma=document)


@extend_schema(tags=["proformas"])
@extend_schema_view(
    post=_action_schema(
        "proforma_id", 200, gettext_lazy("Cancel the proforma; a converted one cannot be cancelled.")
    )
)
class ProformaCancelView(_Proforma, _DocumentActionView):
    permission = "billing.change_document"

    def act(self, actor: User, document: Document, request: Request) -> Document:
        return corrections.cancel_proforma(actor=actor, proforma=document)


@extend_schema(tags=["proformas"])
@extend_schema_view(get=_pdf_schema("proforma_id"))
class ProformaPdfView(_Proforma, _DocumentPdfView):
    pass


# Credit notes


class _CreditNote(_DocumentKind):
    document_type = DocumentType.CREDIT_NOTE
    id_kwarg = "credit_note_id"
    filter_serializer = CreditNoteFilterSerializer


@extend_schema(tags=["credit notes"])
@extend_schema_view(
    get=extend_schema(
        parameters=[CreditNoteFilterSerializer],
        responses={200: DocumentSerializer(many=True), **error_responses(400, 401)},
    )
)
class CreditNoteListView(_CreditNote, _DocumentListView):
    """Credit notes the user may see; they are issued from an invoice (POST /invoices/{id}/credit-note/)."""

    http_method_names = ["get", "head", "options"]


@extend_schema(tags=["credit notes"])
@_detail_schema("credit_note_id", update=False)
class CreditNoteDetailView(_CreditNote, _DocumentDetailView):
    """One credit note; issued credit notes never change."""

    http_method_names = ["get", "head", "options"]


@extend_schema(tags=["credit notes"])
@extend_schema_view(get=_pdf_schema("credit_note_id"))
class CreditNotePdfView(_CreditNote, _DocumentPdfView):
    pass
