"""REST API v1 for billing: invoices, proformas, credit notes, payments and balances.

Views parse, call one selector or service and shape the answer (serializers in
praho.billing.api_serializers); the services check the rules and audit.

- Isolation: documents come from `documents_visible_to`/`document_for` and payments
  from `payments_visible_to`/`payment_for` (praho.billing.selectors), so an id the
  user may not see answers 404 for every method, and an id of another kind of
  document (a proforma's id under /invoices/) too. A customer's user sees the
  documents of the customers where their role has the BILLING capability.
- Writes are for staff with the matching permission (billing.add_document,
  change_document, issue_document, credit_document, add_payment). A customer's
  user never writes: 403 on a document they can see, 404 on one they cannot.
- Errors: the shape of praho.core.api. Line errors are keyed by index the same
  way whether the serializer or the service finds them
  ({"lines": {"0": {"quantity": [...]}}}), so a client reads them one way.
- POST /proformas/{id}/convert/ answers 201 with the new, issued invoice;
  POST /invoices/{id}/credit-note/ answers 201 with the issued credit note.
  POST /proformas/{id}/issue/ numbers a proforma in its own series (it stays
  editable); a payment on an issued proforma converts it (payments.record_payment).
- Payments take and show the day received as "date" (the service's received_on).
- GET /customers/{id}/balance/ answers a list, one row per currency with ledger entries.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, ClassVar, cast

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_stubs_ext import StrOrPromise
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from praho.accounts.models import User
from praho.billing import corrections, documents, ledger, payments, pdf
from praho.billing.api_serializers import (
    BalanceSerializer,
    CreditNoteFilterSerializer,
    CreditNoteRequestSerializer,
    DocumentCreateSerializer,
    DocumentSerializer,
    DocumentUpdateSerializer,
    InvoiceFilterSerializer,
    PaymentFilterSerializer,
    PaymentSerializer,
    PaymentWriteSerializer,
    ProformaFilterSerializer,
)
from praho.billing.models import Document, DocumentType, Payment
from praho.billing.selectors import (
    DocumentFilters,
    billing_customers_of,
    document_for,
    documents_visible_to,
    filter_documents,
    payment_for,
    payments_visible_to,
)
from praho.core.api import ErrorResponseSerializer
from praho.customers.models import Customer
from praho.customers.selectors import customer_for

# --- Access and parsing -----------------------------------------------------------


def _user(request: Request) -> User:
    return cast(User, request.user)


def _require_staff_permission(user: User, permission: str) -> None:
    """Billing writes are for staff with the permission; a customer's user only reads."""
    if not (user.is_staff and user.has_perm(permission)):
        raise PermissionDenied


def _flat(detail: Any, prefix: str = "") -> dict[str, list[DjangoValidationError]]:
    """A serializer's errors keyed like the services' ("lines.0.quantity")."""
    if isinstance(detail, dict):
        flat: dict[str, list[DjangoValidationError]] = {}
        for key, value in detail.items():
            # A list's own error ("This list may not be empty.") belongs to the list's field.
            nested = prefix if key == api_settings.NON_FIELD_ERRORS_KEY and prefix else f"{prefix}{key}."
            flat.update(_flat(value, nested))
        return flat
    if any(isinstance(item, dict) for item in detail):
        flat = {}
        for index, item in enumerate(detail):
            flat.update(_flat(item, f"{prefix}{index}."))
        return flat
    return {prefix.rstrip("."): [DjangoValidationError(str(item), code=item.code) for item in detail]}


def _validated(serializer_class: type[serializers.Serializer[Any]], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    if not serializer.is_valid():
        raise DjangoValidationError(_flat(serializer.errors))
    return dict(serializer.validated_data)


def _refused(field: str, message: str, code: str) -> DjangoValidationError:
    return DjangoValidationError({field: DjangoValidationError(message, code=code)})


def _renamed(error: DjangoValidationError, names: dict[str, str]) -> DjangoValidationError:
    """The service's error with its fields named as the API names them."""
    if not hasattr(error, "error_dict"):
        return error
    return DjangoValidationError({names.get(key, key): value for key, value in error.error_dict.items()})


def _shown_documents(user: User, document_type: str) -> QuerySet[Document]:
    """Documents of one type as the API shows them: lines prefetched, invoices with ledger amounts."""
    shown = documents_visible_to(user).filter(document_type=document_type)
    if document_type == DocumentType.INVOICE:
        shown = ledger.with_ledger_amounts(shown)
    return shown.select_related("converted_to").prefetch_related("lines")


def _shown(user: User, document: Document) -> dict[str, Any]:
    """A document as GET shows it, read again after a write."""
    shown = get_object_or_404(_shown_documents(user, document.document_type), pk=document.pk)
    return dict(DocumentSerializer(shown).data)


def _customer(user: User, customer_id: int) -> Customer:
    try:
        return customer_for(user, customer_id)
    except Http404:
        raise _refused("customer", _("There is no such customer."), "does_not_exist") from None


def _payable(user: User, document_id: int) -> Document:
    """The document a payment is for: the service decides whether it can be paid."""
    try:
        return document_for(user, document_id)
    except Http404:
        raise _refused("invoice", _("There is no such invoice."), "does_not_exist") from None


def _billing_customer(user: User, customer_id: int) -> Customer:
    """A customer whose billing the user may see: staff with billing.view_document, or a
    customer's user whose role has the BILLING capability; 404 for anyone else."""
    if user.is_staff:
        if not user.has_perm("billing.view_document"):
            raise Http404
        return customer_for(user, customer_id)
    return get_object_or_404(billing_customers_of(user), pk=customer_id)


# --- Schema helpers --------------------------------------------------------------


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    described = {
        400: gettext_lazy("Validation error or refusal by a business rule: messages per field."),
        401: gettext_lazy("Not authenticated."),
        403: gettext_lazy("Not allowed: missing staff permission (customers' users only read)."),
        404: gettext_lazy("No such document for this user (also when it belongs to someone else)."),
    }
    return {code: OpenApiResponse(ErrorResponseSerializer, description=described[code]) for code in codes}


def _id(name: str) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.INT, OpenApiParameter.PATH)


class PdfRenderer(BaseRenderer):
    """Lets clients ask for application/pdf; the view answers the PDF itself."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        return bytes(data)


# --- Documents --------------------------------------------------------------------


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
        filters = _validated(self.filter_serializer, self.request.query_params)
        return filter_documents(
            _shown_documents(_user(self.request), self.document_type),
            DocumentFilters(
                status=filters.get("status", ""),
                customer_id=filters.get("customer"),
                currency=filters.get("currency", ""),
                issued_from=filters.get("issued_from"),
                issued_to=filters.get("issued_to"),
                overdue=filters.get("overdue", False),
            ),
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actor = _user(request)
        _require_staff_permission(actor, "billing.add_document")
        data = _validated(DocumentCreateSerializer, request.data)
        customer = _customer(actor, data.pop("customer"))
        document = documents.create_document(
            actor=actor, document_type=self.document_type, customer=customer, **data
        )
        return Response(_shown(actor, document), status=status.HTTP_201_CREATED)


class _DocumentDetailView(_DocumentKind, generics.RetrieveUpdateAPIView[Document]):
    serializer_class = DocumentSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self) -> Document:
        shown = _shown_documents(_user(self.request), self.document_type)
        return get_object_or_404(shown, pk=self.document_id())

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actor = _user(request)
        document = document_for(actor, self.document_id(), self.document_type)
        _require_staff_permission(actor, "billing.change_document")
        data = _validated(DocumentUpdateSerializer, request.data)
        changed = documents.update_draft(actor=actor, document=document, **data)
        return Response(_shown(actor, changed))


class _DocumentActionView(_DocumentKind, APIView):
    """POST on one document: find it (404), check the permission (403), call one service."""

    permission: ClassVar[str]
    success_status: ClassVar[int] = status.HTTP_200_OK

    def act(self, actor: User, document: Document, request: Request) -> Document:
        raise NotImplementedError

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actor = _user(request)
        document = document_for(actor, self.document_id(), self.document_type)
        _require_staff_permission(actor, self.permission)
        result = self.act(actor, document, request)
        return Response(_shown(actor, result), status=self.success_status)


class _IssueView(_DocumentActionView):
    permission = "billing.issue_document"

    def act(self, actor: User, document: Document, request: Request) -> Document:
        return documents.issue_document(actor=actor, document=document)


class _DocumentPdfView(_DocumentKind, APIView):
    renderer_classes = [JSONRenderer, PdfRenderer]
    metadata_class = None  # OPTIONS would render its JSON description as "PDF": answer 405 instead

    def get(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        document = document_for(_user(request), self.document_id(), self.document_type)
        filename = f"{document.number or f'{document.document_type}-{document.pk}'}.pdf"
        return HttpResponse(
            pdf.render_document_pdf(document),
            content_type="application/pdf",
            headers={"Content-Disposition": content_disposition_header(True, filename)},
        )

    def handle_exception(self, exc: Exception) -> Response:
        # Errors keep the API's JSON shape even for a client that accepts only PDF.
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)


def _list_schema(filters: type[serializers.Serializer[Any]], create: StrOrPromise) -> Any:
    """GET with the filters as query parameters; POST creates a draft (`create` describes it)."""
    return extend_schema_view(
        get=extend_schema(
            parameters=[filters], responses={200: DocumentSerializer(many=True), **_errors(400, 401)}
        ),
        post=extend_schema(
            request=DocumentCreateSerializer,
            responses={201: DocumentSerializer, **_errors(400, 401, 403)},
            description=create,
        ),
    )


def _detail_schema(id_kwarg: str, *, update: bool) -> Any:
    views: dict[str, Any] = {"get": extend_schema(responses={200: DocumentSerializer, **_errors(401, 404)})}
    if update:
        views["patch"] = extend_schema(
            request=DocumentUpdateSerializer,
            responses={200: DocumentSerializer, **_errors(400, 401, 403, 404)},
            description=gettext_lazy(
                "Change a draft; `lines`, when given, replaces all lines. An issued invoice is refused (400)."
            ),
        )
    return extend_schema(parameters=[_id(id_kwarg)]), extend_schema_view(**views)


def _action_schema(id_kwarg: str, answer: int, description: StrOrPromise, request: Any = None) -> Any:
    return extend_schema(
        parameters=[_id(id_kwarg)],
        request=request,
        responses={answer: DocumentSerializer, **_errors(400, 401, 403, 404)},
        description=description,
    )


def _pdf_schema(id_kwarg: str) -> Any:
    return extend_schema(
        parameters=[_id(id_kwarg)],
        responses={
            (200, "application/pdf"): OpenApiResponse(
                OpenApiTypes.BINARY, description=gettext_lazy("The PDF, named after the document's number.")
            ),
            **_errors(401, 404),
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


_invoice_detail_parameters, _invoice_detail_views = _detail_schema("invoice_id", update=True)


@extend_schema(tags=["invoices"])
@_invoice_detail_parameters
@_invoice_detail_views
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
        data = _validated(CreditNoteRequestSerializer, request.data)
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


_proforma_detail_parameters, _proforma_detail_views = _detail_schema("proforma_id", update=True)


@extend_schema(tags=["proformas"])
@_proforma_detail_parameters
@_proforma_detail_views
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
        responses={200: DocumentSerializer(many=True), **_errors(400, 401)},
    )
)
class CreditNoteListView(_CreditNote, _DocumentListView):
    """Credit notes the user may see; they are issued from an invoice (POST /invoices/{id}/credit-note/)."""

    http_method_names = ["get", "head", "options"]


_credit_note_detail_parameters, _credit_note_detail_views = _detail_schema("credit_note_id", update=False)


@extend_schema(tags=["credit notes"])
@_credit_note_detail_parameters
@_credit_note_detail_views
class CreditNoteDetailView(_CreditNote, _DocumentDetailView):
    """One credit note; issued credit notes never change."""

    http_method_names = ["get", "head", "options"]


@extend_schema(tags=["credit notes"])
@extend_schema_view(get=_pdf_schema("credit_note_id"))
class CreditNotePdfView(_CreditNote, _DocumentPdfView):
    pass


# --- Payments ---------------------------------------------------------------------


def _filter_payments(payments_shown: QuerySet[Payment], filters: dict[str, Any]) -> QuerySet[Payment]:
    lookups = {
        "customer": "customer_id",
        "currency": "currency",
        "method": "method",
        "received_from": "received_on__gte",
        "received_to": "received_on__lte",
    }
    return payments_shown.filter(
        **{lookup: filters[name] for name, lookup in lookups.items() if filters.get(name) not in (None, "")}
    )


@extend_schema(tags=["payments"])
@extend_schema_view(
    get=extend_schema(
        parameters=[PaymentFilterSerializer],
        responses={200: PaymentSerializer(many=True), **_errors(400, 401)},
    ),
    post=extend_schema(
        request=PaymentWriteSerializer,
        responses={201: PaymentSerializer, **_errors(400, 401, 403)},
        description=gettext_lazy(
            "Record money received for an issued invoice, in its currency; beyond what the invoice owes "
            "it becomes customer credit."
        ),
    ),
)
class PaymentListView(generics.ListCreateAPIView[Payment]):
    """Payments the user may see, newest first, and recording one (staff)."""

    serializer_class = PaymentSerializer

    def get_queryset(self) -> QuerySet[Payment]:
        if getattr(self, "swagger_fake_view", False):
            return Payment.objects.none()
        filters = _validated(PaymentFilterSerializer, self.request.query_params)
        return _filter_payments(payments_visible_to(_user(self.request)), filters)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actor = _user(request)
        _require_staff_permission(actor, "billing.add_payment")
        data = _validated(PaymentWriteSerializer, request.data)
        document = _payable(actor, data["invoice"])
        try:
            payment = payments.record_payment(
                actor=actor,
                invoice=document,
                amount=data["amount"],
                currency=data["currency"],
                method=data["method"],
                reference=data["reference"],
                received_on=data["date"],
                external_id=data.get("external_id", ""),
            )
        except DjangoValidationError as error:
            raise _renamed(error, {"received_on": "date"}) from None
        shown = payment_for(actor, payment.pk)
        return Response(PaymentSerializer(shown).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["payments"], parameters=[_id("payment_id")])
@extend_schema_view(get=extend_schema(responses={200: PaymentSerializer, **_errors(401, 404)}))
class PaymentDetailView(generics.RetrieveAPIView[Payment]):
    """One payment; payments are never changed (a correction is a new movement)."""

    serializer_class = PaymentSerializer

    def get_object(self) -> Payment:
        return payment_for(_user(self.request), self.kwargs["payment_id"])


# --- Balances ---------------------------------------------------------------------


@extend_schema(tags=["customers"], parameters=[_id("customer_id")])
@extend_schema_view(
    get=extend_schema(
        responses={200: BalanceSerializer(many=True), **_errors(401, 404)},
        description=gettext_lazy(
            "The customer's receivable, credit and overdue amounts per currency, from the ledger."
        ),
    )
)
class CustomerBalanceView(APIView):
    """A customer's balance per currency (only currencies with ledger entries)."""

    def get(self, request: Request, customer_id: int) -> Response:
        customer = _billing_customer(_user(request), customer_id)
        balances = ledger.customer_balance(customer)
        rows = [{"currency": currency, **asdict(balances[currency])} for currency in sorted(balances)]
        return Response(BalanceSerializer(rows, many=True).data)
