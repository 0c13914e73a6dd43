"""REST API v1 for e-Factura: the XML of an issued invoice or credit note.

GET /api/v1/invoices/{id}/efactura.xml and /api/v1/credit-notes/{id}/efactura.xml answer the
UBL 2.1 CIUS-RO XML (praho.efactura.ubl.document) as an attachment named after the document's number.

- Who: whoever may see the document, exactly as for its PDF (billing's `documents_visible_to`).
  A customer's user may download their own customer's documents (their accountant files
  them), never another customer's: 404, as for any id the user may not see, or an id of
  the other kind of document.
- A draft has no XML: staff, who can see drafts, get 400 with the code "not_issued" and a
  message saying why (the document exists, so 404 would mislead); customers' users never see
  drafts and get 404.
- Errors keep the API's JSON shape even for a client that accepts only XML.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.http import Http404, HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from praho.billing.models import Document, DocumentType
from praho.billing.selectors import documents_visible_to
from praho.core.api import ErrorResponses, id_parameter, user_of
from praho.efactura.selectors import with_xml_data
from praho.efactura.ubl import document as ubl

XML_CONTENT_TYPE = "application/xml"

# The XML of billing's documents: refused, missing or hidden as billing's API answers them.
error_responses = ErrorResponses(
    invalid=gettext_lazy("Validation error or refusal by a business rule: messages per field."),
    forbidden=gettext_lazy("Not allowed: missing staff permission (customers' users only read)."),
    not_found=gettext_lazy("No such document for this user (also when it belongs to someone else)."),
)


class XmlRenderer(BaseRenderer):
    """Lets clients ask for application/xml; the view answers the XML itself."""

    media_type = XML_CONTENT_TYPE
    format = "xml"
    charset = None  # the XML declares its own encoding (UTF-8)
    render_style = "binary"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        return bytes(data)


def xml_filename(document: Document) -> str:
    return f"{document.number}.xml"


def xml_response(document: Document) -> HttpResponse:
    """The document's e-Factura XML as a download (ValidationError for a draft, from ubl)."""
    return HttpResponse(
        ubl.document_xml(document),
        content_type=XML_CONTENT_TYPE,
        headers={"Content-Disposition": content_disposition_header(True, xml_filename(document))},
    )


class _DocumentXmlView(APIView):
    renderer_classes = [JSONRenderer, XmlRenderer]
    metadata_class = None  # OPTIONS would render its JSON description as "XML": answer 405 instead
    document_type: ClassVar[str]
    id_kwarg: ClassVar[str]

    def get(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        visible = documents_visible_to(user_of(request)).filter(document_type=self.document_type)
        try:
            document = with_xml_data(visible).get(pk=int(kwargs[self.id_kwarg]))
        except (Document.DoesNotExist, ValueError):
            raise Http404 from None
        return xml_response(document)

    def handle_exception(self, exc: Exception) -> Response:
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)


def _xml_schema(id_kwarg: str, operation_id: str) -> Any:
    return extend_schema(
        # The generated id would keep the path's dot ("invoices_efactura.xml_retrieve").
        operation_id=operation_id,
        parameters=[id_parameter(id_kwarg)],
        responses={
            (200, XML_CONTENT_TYPE): OpenApiResponse(
                OpenApiTypes.STR,
                description=gettext_lazy(
                    "The UBL 2.1 CIUS-RO XML (RO e-Factura), named after the document's number."
                ),
            ),
            **error_responses(400, 401, 404),
        },
        description=gettext_lazy(
            "The document's e-Factura XML, for whoever may see the document. "
            "A draft has none (400, code not_issued)."
        ),
    )


@extend_schema(tags=["invoices"])
@extend_schema_view(get=_xml_schema("invoice_id", "invoices_efactura_xml_retrieve"))
class InvoiceXmlView(_DocumentXmlView):
    document_type = DocumentType.INVOICE
    id_kwarg = "invoice_id"


@extend_schema(tags=["credit notes"])
@extend_schema_view(get=_xml_schema("credit_note_id", "credit_notes_efactura_xml_retrieve"))
class CreditNoteXmlView(_DocumentXmlView):
    document_type = DocumentType.CREDIT_NOTE
    id_kwarg = "credit_note_id"
