"""Serializers of the billing REST API (views in praho.billing.api.documents and api_payments).

Reading: a document is shown with its lines, the VAT breakdown computed from them
(praho.billing.display.vat_breakdown: the arithmetic that stored the totals, as the
staff pages, the customer area and the PDF show it) and, for issued
invoices, the payment status and outstanding amount from the ledger (annotated by
`with_ledger_amounts`, so lists run a fixed number of queries).

Writing: serializers check types and lengths only; the services check the rules
(quantity > 0, currency of a payment, crediting limits...). Amounts and quantities
are decimal strings ("121.00").
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.settings import api_settings

from praho.billing import display, ledger_queries
from praho.billing.models import Document, DocumentLine, DocumentStatus, Payment, PaymentMethod
from praho.billing.rules.document_input import DESCRIPTION_MAX_LENGTH, NOTES_MAX_LENGTH
from praho.billing.selectors import PAYMENT_STATES
from praho.core.api import BoundedDateField, LineField, StrictDecimalField, StrictIntegerField, TextField
from praho.core.money import Currency

# Field limits of the model, repeated so a too-long value is a 400, not a database error; a
# description and notes are bounded by what the documents carry (praho.billing.services.drafts).
REASON_MAX_LENGTH = DocumentLine._meta.get_field("vat_override_reason").max_length or 255
REFERENCE_MAX_LENGTH = Payment._meta.get_field("reference").max_length or 140
EXTERNAL_ID_MAX_LENGTH = Payment._meta.get_field("external_id").max_length or 128


def _quantity(**options: Any) -> serializers.DecimalField:
    return StrictDecimalField(max_digits=14, decimal_places=4, **options)


# --- Reading ------------------------------------------------------------------------


class DocumentLineSerializer(serializers.ModelSerializer[DocumentLine]):
    class Meta:
        model = DocumentLine
        fields = [
            "id",
            "position",
            "description",
            "quantity",
            "unit_code",
            "unit_price",
            "discount",
            "net_amount",
            "vat_category",
            "vat_rate",
            "vat_override_reason",
            "vat_exemption_reason_code",
            "vat_exemption_reason",
            "credited_line",
        ]
        read_only_fields = fields


class VatGroupSerializer(serializers.Serializer[Any]):
    """One row of the VAT breakdown: the lines of one category and rate."""

    category = serializers.CharField(help_text=_("EN 16931 VAT category: S, AE, O, E, Z..."))
    rate = serializers.DecimalField(max_digits=5, decimal_places=2, help_text=_("Percent, e.g. 21.00."))
    taxable_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    vat_amount = serializers.DecimalField(max_digits=14, decimal_places=2)


# One serializer for every document's VAT rows: building one per document (its fields deep-copied
# each time) was a sixth of an API list's time (bench/billing_lists.py).
_VAT_GROUP = VatGroupSerializer()


class DocumentSerializer(serializers.ModelSerializer[Document]):
    """A proforma, invoice or credit note as the API shows it."""

    customer_name = serializers.CharField(source="customer.name", read_only=True)
    lines = DocumentLineSerializer(many=True, read_only=True)
    vat_breakdown = serializers.SerializerMethodField()
    converted_to = serializers.SerializerMethodField(
        help_text=_("Proformas: the id of the invoice it was converted into.")
    )
    payment_status = serializers.SerializerMethodField(
        help_text=_(
            "Issued invoices only (from the ledger): issued, partially_paid, paid, overdue, credited."
        )
    )
    outstanding = serializers.SerializerMethodField(
        help_text=_("Issued invoices only: what is still to be paid, from the ledger.")
    )

    class Meta:
        model = Document
        fields = [
            "id",
            "document_type",
            "status",
            "number",
            "customer",
            "customer_name",
            "currency",
            "issue_date",
            "tax_point_date",
            "due_date",
            "valid_until",
            "notes",
            "lines",
            "vat_breakdown",
            "net_total",
            "vat_total",
            "total",
            "exchange_rate",
            "vat_total_ron",
            "mentions",
            "buyer",
            "converted_from",
            "converted_to",
            "credited_document",
            "payment_status",
            "outstanding",
            "issued_at",
            "created_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "exchange_rate": {"help_text": _("BNR rate of the tax date (RON per unit), set at issue.")},
            "vat_total_ron": {
                "help_text": _("Non-RON documents: the VAT in RON at the BNR rate, set at issue.")
            },
            "mentions": {"help_text": _("Legal mentions printed on the document, set at issue.")},
            "buyer": {"help_text": _("The customer's identity and address as issued; empty for drafts.")},
        }

    @extend_schema_field(VatGroupSerializer(many=True))
    def get_vat_breakdown(self, document: Document) -> list[dict[str, Any]]:
        groups = display.vat_breakdown(document, document.lines.all())
        return [dict(_VAT_GROUP.to_representation(group)) for group in groups]

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_converted_to(self, document: Document) -> int | None:
        invoice = getattr(document, "converted_to", None)  # select_related by the views
        return invoice.pk if invoice is not None else None

    @extend_schema_field(
        serializers.ChoiceField(choices=ledger_queries.PaymentStatus.choices, allow_null=True)
    )
    def get_payment_status(self, document: Document) -> str | None:
        return str(ledger_queries.payment_status(document)) if display.is_issued_invoice(document) else None

    @extend_schema_field(serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True))
    def get_outstanding(self, document: Document) -> str | None:
        if not display.is_issued_invoice(document):
            return None
        amount: Decimal = getattr(document, "ledger_outstanding", None)  # type: ignore[assignment]
        if amount is None:
            amount = ledger_queries.document_outstanding(document)
        return f"{amount:.2f}"


class IssueWarningSerializer(serializers.Serializer[Any]):
    code = serializers.CharField(
        help_text="issued_late, efactura_late, oss_threshold_near, oss_threshold_crossed",  # codes, not prose
    )
    message = serializers.CharField()


class IssuedDocumentSerializer(DocumentSerializer):
    """The answer of a call that issued a document: the document, and what issuing found (only there)."""

    vat_changes = serializers.ListField(
        child=serializers.DictField(),
        read_only=True,
        help_text=_(
            "Lines whose VAT issuing determined again from the chargeable date and the buyer as it is "
            "now: position, from and to (category, rate, exemption)."
        ),
    )
    warnings = IssueWarningSerializer(many=True, read_only=True)

    class Meta(DocumentSerializer.Meta):
        fields = [*DocumentSerializer.Meta.fields, "vat_changes", "warnings"]
        read_only_fields = fields


class PaymentSerializer(serializers.ModelSerializer[Payment]):
    invoice = serializers.IntegerField(
        source="document_id", read_only=True, allow_null=True, help_text=_("The id of the invoice paid.")
    )
    invoice_number = serializers.SerializerMethodField()
    date = serializers.DateField(source="received_on", read_only=True, help_text=_("When it was received."))

    class Meta:
        model = Payment
        fields = [
            "id",
            "customer",
            "invoice",
            "invoice_number",
            "amount",
            "currency",
            "method",
            "reference",
            "date",
            "external_id",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_invoice_number(self, payment: Payment) -> str | None:
        return payment.document.number if payment.document is not None else None  # select_related


# A sum of many amounts may pass the 14 digits of the amount columns (two payments of
# 999,999,999,999.99 do): sums are shown with as many digits as they have (docs/decisions/0004).
def _sum_field(help_text: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=None, decimal_places=2, help_text=help_text)


class BalanceSerializer(serializers.Serializer[Any]):
    """A customer's position in one currency, derived from the ledger."""

    currency = serializers.ChoiceField(choices=Currency.choices)
    receivable = _sum_field(_("Owed on issued invoices."))
    credit = _sum_field(_("Owed to the customer (overpayments, credit notes)."))
    overdue = _sum_field(_("The part of the receivable past its due date."))


# --- Writing ------------------------------------------------------------------------


class _LinesSerializer(serializers.ListSerializer[Any]):
    """A document's lines: at most settings.BILLING_MAX_LINES, refused before any is read."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, list) and len(data) > settings.BILLING_MAX_LINES:
            message = gettext("A document can have at most %(max)s lines.") % {
                "max": settings.BILLING_MAX_LINES
            }
            raise serializers.ValidationError(
                {api_settings.NON_FIELD_ERRORS_KEY: [message]}, code="too_many_lines"
            )
        return super().to_internal_value(data)


class LineWriteSerializer(serializers.Serializer[Any]):
    class Meta:
        list_serializer_class = _LinesSerializer

    description = LineField(max_length=DESCRIPTION_MAX_LENGTH, help_text=_("One line."))
    quantity = _quantity(help_text=_("Greater than zero; to take something back, issue a credit note."))
    unit_code = LineField(
        max_length=3, required=False, help_text=_("UN/ECE Rec. 20: H87 piece (default), MON month, ANN year.")
    )
    unit_price = _quantity(help_text=_("Without VAT, in the document's currency."))
    discount = StrictDecimalField(
        max_digits=14, decimal_places=2, required=False, help_text=_("An amount off the line.")
    )
    vat_rate = StrictDecimalField(
        max_digits=5,
        decimal_places=2,
        required=False,
        help_text=_("Only to override the computed VAT (with vat_override_reason)."),
    )
    vat_category = LineField(
        max_length=2, required=False, help_text=_("Only to override the computed VAT category.")
    )
    vat_override_reason = LineField(max_length=REASON_MAX_LENGTH, required=False, allow_blank=True)
    vat_exemption_reason_code = LineField(max_length=32, required=False, allow_blank=True)
    vat_exemption_reason = LineField(max_length=REASON_MAX_LENGTH, required=False, allow_blank=True)


class _DocumentHeaderSerializer(serializers.Serializer[Any]):
    currency = serializers.ChoiceField(choices=Currency.choices, required=False)
    issue_date = BoundedDateField(required=False)
    tax_point_date = BoundedDateField(
        required=False, allow_null=True, help_text=_("When VAT becomes due, if not the issue date.")
    )
    due_date = BoundedDateField(required=False)
    notes = TextField(
        max_length=NOTES_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text=_("Printed on the document; several lines allowed."),
    )


class DocumentUpdateSerializer(_DocumentHeaderSerializer):
    """What a draft may change; `lines`, when given, replaces all its lines."""

    lines = LineWriteSerializer(
        many=True, required=False, allow_empty=False, help_text=_("At most BILLING_MAX_LINES (500) lines.")
    )
    # core.api.unknown_fields leaves "customer" to validate(), which says why it is refused.
    explained_keys = frozenset({"customer"})

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # Left out of the fields, "customer" would be ignored without a word: say why instead.
        if "customer" in self.initial_data:
            message = _("The customer of a document cannot be changed; create a new document instead.")
            raise serializers.ValidationError({"customer": message}, code="customer_fixed")
        return attrs


class DocumentCreateSerializer(_DocumentHeaderSerializer):
    """A new draft. Defaults: the customer's currency, today, and the customer's payment terms."""

    customer = StrictIntegerField(help_text=_("The customer's id."))
    lines = LineWriteSerializer(
        many=True, allow_empty=False, help_text=_("At most BILLING_MAX_LINES (500) lines.")
    )


class CreditLineSerializer(serializers.Serializer[Any]):
    line = StrictIntegerField(help_text=_("The id of a line of the invoice."))
    quantity = _quantity(required=False, help_text=_("Default: all that is left to credit on the line."))


class CreditNoteRequestSerializer(serializers.Serializer[Any]):
    lines = CreditLineSerializer(
        many=True,
        required=False,
        allow_empty=False,
        help_text=_("Lines and quantities to credit; leave out to credit the whole invoice."),
    )


# The batch size bench/billing.py --batch measures (1,600 invoices/s in batches of 500).
BATCH_ISSUE_MAX = 500


class BatchIssueSerializer(serializers.Serializer[Any]):
    invoices = serializers.ListField(
        child=StrictIntegerField(min_value=1),
        min_length=1,
        max_length=BATCH_ISSUE_MAX,
        help_text=_("Ids of draft invoices to issue together: all of them, or none."),
    )


class BatchIssueResultSerializer(serializers.Serializer[Any]):
    count = serializers.IntegerField()
    results = DocumentSerializer(many=True)


class PaymentWriteSerializer(serializers.Serializer[Any]):
    invoice = StrictIntegerField(
        help_text=_("The id of the issued invoice paid (or of a proforma, which payment converts).")
    )
    amount = StrictDecimalField(max_digits=14, decimal_places=2, help_text=_("e.g. 121.00"))
    currency = serializers.ChoiceField(choices=Currency.choices, help_text=_("The invoice's currency."))
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    reference = LineField(max_length=REFERENCE_MAX_LENGTH, allow_blank=True)
    date = BoundedDateField(help_text=_("When the money was received (not in the future)."))
    external_id = LineField(
        max_length=EXTERNAL_ID_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text=_("A gateway's id of the payment: the same id is recorded once."),
    )


# --- Filters ------------------------------------------------------------------------


class _FilterSerializer(serializers.Serializer[Any]):
    """What every list filters on (selectors.DocumentFilters and PaymentFilters)."""

    customer = StrictIntegerField(required=False, help_text=_("A customer's id."))
    currency = serializers.ChoiceField(choices=Currency.choices, required=False, allow_blank=True)


class _DocumentFilterSerializer(_FilterSerializer):
    issued_from = BoundedDateField(required=False, help_text=_("Issued on or after this date."))
    issued_to = BoundedDateField(required=False, help_text=_("Issued on or before this date."))


INVOICE_STATES = [DocumentStatus.DRAFT.value, DocumentStatus.ISSUED.value, *PAYMENT_STATES]
PROFORMA_STATES = DocumentStatus.values


class InvoiceFilterSerializer(_DocumentFilterSerializer):
    status = serializers.ChoiceField(
        choices=INVOICE_STATES,
        required=False,
        allow_blank=True,
        help_text=_("Payment states (unpaid, partially_paid, paid, overdue) are read from the ledger."),
    )
    overdue = serializers.BooleanField(
        required=False, default=False, help_text=_("Only issued invoices past their due date, still owed.")
    )


class ProformaFilterSerializer(_DocumentFilterSerializer):
    status = serializers.ChoiceField(choices=PROFORMA_STATES, required=False, allow_blank=True)


class CreditNoteFilterSerializer(_DocumentFilterSerializer):
    pass


class PaymentFilterSerializer(_FilterSerializer):
    method = serializers.ChoiceField(choices=PaymentMethod.choices, required=False, allow_blank=True)
    received_from = BoundedDateField(required=False, help_text=_("Received on or after this date."))
    received_to = BoundedDateField(required=False, help_text=_("Received on or before this date."))
