"""/api/v1/bank-statements/: staff upload a CAMT.053 or MT940 statement (multipart `file`).

201 with the statement's `id`, `format` and what it added: `transactions` (new credit
transfers), `matched` (a document proposed or booked), `unmatched`; the same file again is 200
with zero of each; a file that is not a statement is 400 naming the problem on `file`. Staff with
payments.add_bankstatement only; customers' users get 403.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from praho.core.api import ErrorResponses, refused, require_staff_permission, user_of
from praho.payments.models import BankStatement
from praho.payments.services.bank_import import import_statement
from praho.payments.statements import MAX_FILE_BYTES

error_responses = ErrorResponses(
    invalid=gettext_lazy(
        "The file is missing or is not a CAMT.053 or MT940 statement; `error.fields.file` says why."
    ),
    forbidden=gettext_lazy("Only staff who import bank statements may upload one."),
    not_found=gettext_lazy("Not found."),
)


class StatementUploadSerializer(serializers.Serializer[Any]):
    file = serializers.FileField(
        help_text=gettext_lazy("The statement: CAMT.053 (.001.02 to .001.08) or MT940.")
    )


class ImportedStatementSerializer(serializers.ModelSerializer[BankStatement]):
    class Meta:
        model = BankStatement
        fields: ClassVar[list[str]] = ["id", "format", "transactions", "matched", "unmatched"]


NOTHING_NEW = {"transactions": 0, "matched": 0, "unmatched": 0}


class BankStatementUploadView(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": StatementUploadSerializer},
        responses={
            201: ImportedStatementSerializer,
            200: ImportedStatementSerializer,
            **error_responses(400, 401, 403),
        },
        summary=gettext_lazy("Import a bank statement"),
    )
    def post(self, request: Request) -> Response:
        user = user_of(request)
        require_staff_permission(user, "payments.add_bankstatement")
        unknown = sorted(set(request.data) - {"file"})
        if unknown:
            raise refused(
                unknown[0],
                str(gettext_lazy("Unknown field: send the statement as `file` only.")),
                "unknown_field",
            )
        upload = request.FILES.get("file")
        if upload is None:
            raise refused(
                "file", str(gettext_lazy("Send the statement as the multipart field `file`.")), "required"
            )
        if upload.size and upload.size > MAX_FILE_BYTES:  # refused before it is read into memory
            raise refused("file", str(gettext_lazy("The file is larger than 20 MB.")), "too_large")
        imported = import_statement(actor=user, data=upload.read(), filename=upload.name or "")
        body = ImportedStatementSerializer(imported.statement).data
        if not imported.created:
            return Response(dict(body) | NOTHING_NEW, status=status.HTTP_200_OK)
        return Response(body, status=status.HTTP_201_CREATED)
