"""Recording payments and applying customer credit.

A payment pays one issued invoice, in the invoice's currency, fully or in part; money
beyond what the invoice still owes becomes the customer's credit, which staff apply to
other invoices (or PRAHO does at once when BILLING_AUTO_APPLY_CREDIT is on). What is
paid, owed and available is always read from the ledger (praho.billing.services.ledger).

A payment on a proforma (Romanian practice: the customer pays the proforma, the invoice
follows) converts it into an invoice in the same transaction and pays that, unless
BILLING_CONVERT_PAID_PROFORMAS is off; see record_payment.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from praho.audit.services import record_event
from praho.billing import ledger_queries
from praho.billing.locks import lock_customer, locked_document
from praho.billing.models import (
    AccountKind,
    Document,
    DocumentStatus,
    DocumentType,
    LedgerTransaction,
    Payment,
    PaymentMethod,
)
from praho.billing.services import ledger
from praho.billing.services.corrections import convert_proforma
from praho.core.money import Currency, round_money
from praho.core.numbers import column_max, plain_decimal
from praho.core.transactions import service_transaction
from praho.core.validation import date_error, fiscal_today, text_error
from praho.customers.models import Customer

REFERENCE_MAX_LENGTH = Payment._meta.get_field("reference").max_length or 140
EXTERNAL_ID_MAX_LENGTH = Payment._meta.get_field("external_id").max_length or 128
MAX_AMOUNT = column_max(Payment._meta.get_field("amount"))


def _amount(value: Any, errors: dict[str, ValidationError]) -> Decimal | None:
    if isinstance(value, float):
        raise TypeError("Money is a Decimal, not a float.")
    # A Decimal from a form or serializer as it is; text strictly (praho.core.numbers).
    amount = (
        (value if value.is_finite() else None) if isinstance(value, Decimal) else plain_decimal(str(value))
    )
    if amount is None:
        errors["amount"] = ValidationError(_("Enter an amount, e.g. 121.00."), code="invalid")
        return None
    if amount != round_money(amount):
        errors["amount"] = ValidationError(_("Use at most 2 decimals."), code="decimals")
        return None
    if amount <= 0:
        errors["amount"] = ValidationError(_("The amount must be greater than zero."), code="not_positive")
        return None
    if amount > MAX_AMOUNT:
        errors["amount"] = ValidationError(
            _("Enter at most %(max)s.") % {"max": MAX_AMOUNT}, code="max_value"
        )
        return None
    return amount


def _proforma_error(proforma: Document) -> ValidationError | None:
    """Why a payment cannot be recorded on this proforma (None: it can, see record_payment)."""
    if proforma.status == DocumentStatus.CANCELLED:
        return ValidationError(
            _("Proforma %(proforma)s was cancelled and cannot be paid; issue a new proforma or an invoice.")
            % {"proforma": proforma},
            code="proforma_cancelled",
        )
    converting = settings.BILLING_CONVERT_PAID_PROFORMAS
    if proforma.status == DocumentStatus.CONVERTED:
        if converting:
            return None  # the payment goes to the proforma's invoice
        invoice = _converted_invoice(proforma)
        return ValidationError(
            _("Proforma %(proforma)s was converted into invoice %(invoice)s; record the payment on it.")
            % {"proforma": proforma, "invoice": invoice if invoice is not None else "-"},
            code="proforma_converted",
        )
    if not converting:
        return ValidationError(
            _("Payments are recorded on invoices: convert proforma %(proforma)s into an invoice first.")
            % {"proforma": proforma},
            code="convert_first",
        )
    if proforma.status != DocumentStatus.ISSUED:
        return ValidationError(_("Issue the proforma before recording a payment."), code="not_issued")
    return None


def _converted_invoice(proforma: Document) -> Document | None:
    return Document.objects.filter(converted_from=proforma, document_type=DocumentType.INVOICE).first()


def _check_invoice(invoice: Document, currency: str, errors: dict[str, ValidationError]) -> None:
    if invoice.document_type == DocumentType.PROFORMA:
        refusal = _proforma_error(invoice)
        if refusal is not None:
            errors["invoice"] = refusal
    elif invoice.document_type != DocumentType.INVOICE:
        errors["invoice"] = ValidationError(
            _("Payments are recorded on invoices; a credit note cannot be paid."),
            code="not_invoice",
        )
    elif invoice.status != DocumentStatus.ISSUED:
        errors["invoice"] = ValidationError(
            _("Issue the invoice before recording a payment."), code="not_issued"
        )
    _check_currency(currency, errors, invoice.currency)


def _check_currency(currency: str, errors: dict[str, ValidationError], wanted: str | None) -> None:
    if currency not in Currency.values:
        errors["currency"] = ValidationError(
            _("Unknown currency %(currency)s; use one of %(choices)s.")
            % {"currency": currency, "choices": ", ".join(Currency.values)},
            code="invalid_currency",
        )
    elif wanted is not None and currency != wanted:
        errors["currency"] = ValidationError(
            _("The payment must be in the invoice's currency (%(currency)s).") % {"currency": wanted},
            code="currency_mismatch",
        )


def _validate(
    *,
    invoice: Document | None,
    amount: Any,
    currency: str,
    method: str,
    reference: str,
    received_on: date,
    external_id: str,
) -> Decimal:
    if isinstance(received_on, datetime) or not isinstance(received_on, date):
        raise TypeError("A payment's date is a date in Europe/Bucharest, not a time.")
    errors: dict[str, ValidationError] = {}
    clean_amount = _amount(amount, errors)
    if invoice is None:
        _check_currency(currency, errors, None)
    else:
        _check_invoice(invoice, currency, errors)
    if method not in PaymentMethod.values:
        errors["method"] = ValidationError(
            _("Unknown payment method %(method)s; use one of %(choices)s.")
            % {"method": method, "choices": ", ".join(PaymentMethod.values)},
            code="invalid_method",
        )
    for field, value, limit in (
        ("reference", reference, REFERENCE_MAX_LENGTH),
        ("external_id", external_id, EXTERNAL_ID_MAX_LENGTH),
    ):
        if (unprintable := text_error(value)) is not None:  # one line, kept in the ledger and audit
            errors[field] = unprintable
        elif len(value) > limit:
            errors[field] = ValidationError(
                _("Use at most %(count)s characters.") % {"count": limit}, code="max_length"
            )
    if (out_of_range := date_error(received_on)) is not None:
        errors["received_on"] = out_of_range
    elif received_on > fiscal_today():
        errors["received_on"] = ValidationError(
            _("A payment cannot be received in the future."), code="future"
        )
    if errors:
        raise ValidationError(errors)
    assert clean_amount is not None  # every refusal above raised
    return clean_amount


def _already_recorded(
    external_id: str, *, invoice: Document | None, amount: Decimal, currency: str
) -> Payment | None:
    """The payment a gateway reported before under this id; refused if it now reports another one.

    `invoice` is the invoice the payment pays: None for a proforma not converted yet, which
    no payment can have paid.
    """
    existing = Payment.objects.filter(external_id=external_id).first()
    if existing is None:
        return None
    if invoice is None or (existing.document_id, existing.amount, existing.currency) != (
        invoice.pk,
        amount,
        currency,
    ):
        raise _reused(external_id)
    return existing


def _reused(external_id: str) -> ValidationError:
    return ValidationError(
        {
            "external_id": ValidationError(
                _("Payment %(external_id)s was already recorded with another invoice or amount.")
                % {"external_id": external_id},
                code="external_id_reused",
            )
        }
    )


def _locked_proforma(proforma: Document) -> Document:
    """The proforma as stored, locked: concurrent payments on one proforma convert it once.

    Checked again under the lock, since it may have been cancelled or converted meanwhile.
    """
    locked = locked_document(proforma.pk)
    refusal = _proforma_error(locked)
    if refusal is not None:
        raise ValidationError({"invoice": refusal})
    return locked


def _paid_invoice(document: Document) -> Document | None:
    """The invoice a payment on `document` pays: itself, or a converted proforma's invoice;
    None for a proforma that is still to be converted."""
    if document.document_type != DocumentType.PROFORMA:
        return document
    if document.status != DocumentStatus.CONVERTED:
        return None
    invoice = _converted_invoice(document)
    if invoice is None or invoice.status != DocumentStatus.ISSUED:  # convert_proforma issues it at once
        raise ValidationError(
            {
                "invoice": ValidationError(
                    _("Issue the invoice before recording a payment."), code="not_issued"
                )
            }
        )
    return invoice


@service_transaction
def record_payment(
    *,
    actor: Any,
    invoice: Document,
    amount: Decimal,
    currency: str,
    method: str,
    reference: str,
    received_on: date,
    external_id: str = "",
) -> Payment:
    """Record money received for an issued invoice and post it to the ledger.

    The payment is in the invoice's currency, for any positive amount: up to what the
    invoice still owes it pays the invoice, the rest becomes customer credit (applied to
    the customer's other open invoices at once when BILLING_AUTO_APPLY_CREDIT is on).
    A gateway's `external_id` makes the call idempotent: reporting the same payment again
    returns the payment recorded the first time and changes nothing.

    `invoice` may be an issued proforma when BILLING_CONVERT_PAID_PROFORMAS is on (the
    default): in the same transaction the proforma is converted into an invoice
    (corrections.convert_proforma) and the payment is recorded on that invoice, which is
    the returned payment's `document`. A partial payment converts the whole proforma; the
    invoice is then partially paid. Everything is checked before converting, so a refused
    payment issues no invoice and takes no number.

    The invoice's issue date is the day the payment is recorded (today in Europe/Bucharest),
    not the day it was received: Romanian practice issues the invoice when the payment is
    known, within the legal term (art. 319(16) Codul fiscal: by the 15th of the next month),
    and issuing it today keeps the invoice series in date order, which back-dating to an
    earlier day of receipt would break once later invoices are numbered. A gateway usually
    reports a payment the day it is received, so the two days coincide. Its lines and VAT
    are the proforma's.

    A proforma converted before (by staff, or by an earlier payment) is paid through its
    invoice: customers pay in instalments quoting the proforma's number, and a gateway may
    report a payment twice. A cancelled or draft proforma is refused on "invoice". With
    the setting off every proforma is refused on "invoice": staff convert it first.
    """
    clean_amount = _validate(
        invoice=invoice,
        amount=amount,
        currency=currency,
        method=method,
        reference=reference,
        received_on=received_on,
        external_id=external_id,
    )
    proforma = _locked_proforma(invoice) if invoice.document_type == DocumentType.PROFORMA else None
    target = _paid_invoice(proforma or invoice)
    if external_id:
        existing = _already_recorded(external_id, invoice=target, amount=clean_amount, currency=currency)
        if existing is not None:
            return existing
    if target is None:
        assert proforma is not None  # only a proforma has no invoice yet
        target = convert_proforma(actor=actor, proforma=proforma, paid_on=received_on)
    payment = Payment(
        customer_id=target.customer_id,
        document=target,
        amount=clean_amount,
        currency=currency,
        method=method,
        reference=reference,
        received_on=received_on,
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
        external_id=external_id,
    )
    try:
        with transaction.atomic():
            payment.save(force_insert=True)
    except IntegrityError:
        # The same gateway payment, reported twice at once: the first one stands.
        existing = _already_recorded(external_id, invoice=target, amount=clean_amount, currency=currency)
        if existing is None:
            raise
        return existing
    txn = ledger.post_payment(payment, actor=actor)
    overpaid = -ledger_queries.transaction_amount(txn, AccountKind.CUSTOMER_CREDIT)
    data = {
        "invoice": target.number,
        "invoice_id": target.pk,
        "amount": str(clean_amount),
        "currency": currency,
        "method": method,
        "reference": reference,
        "received_on": received_on.isoformat(),
        "external_id": external_id,
        "to_customer_credit": str(overpaid),
    }
    if proforma is not None:
        data |= {"proforma": proforma.number, "proforma_id": proforma.pk}
    record_event("billing.payment_recorded", actor=actor, target=payment, data=data)
    if overpaid > 0 and settings.BILLING_AUTO_APPLY_CREDIT:
        _apply_overpayment(actor=actor, payment=payment, amount=overpaid)
    return payment


@service_transaction
def record_unallocated_payment(
    *,
    actor: Any,
    customer: Customer,
    amount: Decimal,
    currency: str,
    method: str,
    reference: str,
    received_on: date,
    external_id: str = "",
) -> Payment:
    """Record money received that pays no document: all of it is the customer's credit in its
    currency (a card payment for a proforma cancelled meanwhile, a transfer staff book as credit).
    Idempotent by `external_id`, as record_payment."""
    clean_amount = _validate(
        invoice=None,
        amount=amount,
        currency=currency,
        method=method,
        reference=reference,
        received_on=received_on,
        external_id=external_id,
    )
    if external_id:
        existing = Payment.objects.filter(external_id=external_id).first()
        if existing is not None:
            if (existing.customer_id, existing.document_id, existing.amount, existing.currency) != (
                customer.pk,
                None,
                clean_amount,
                currency,
            ):
                raise _reused(external_id)
            return existing
    payment = Payment.objects.create(
        customer=customer,
        document=None,
        amount=clean_amount,
        currency=currency,
        method=method,
        reference=reference,
        received_on=received_on,
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
        external_id=external_id,
    )
    ledger.post_payment(payment, actor=actor)
    record_event(
        "billing.payment_recorded",
        actor=actor,
        target=payment,
        data={
            "amount": str(clean_amount),
            "currency": currency,
            "method": method,
            "reference": reference,
            "received_on": received_on.isoformat(),
            "external_id": external_id,
            "to_customer_credit": str(clean_amount),
        },
    )
    return payment


def _apply_overpayment(*, actor: Any, payment: Payment, amount: Decimal) -> None:
    """Spend a payment's overpayment on the customer's open invoices, oldest due first."""
    customer = payment.customer
    for invoice in ledger_queries.open_invoices(customer, payment.currency):
        if amount <= 0:
            break
        portion = min(amount, invoice.ledger_outstanding)  # type: ignore[attr-defined]
        ledger.apply_credit(
            actor=actor,
            customer=customer,
            invoice=invoice,
            amount=portion,
            idempotency_key=f"payment:{payment.pk}:invoice:{invoice.pk}",
            occurred_on=payment.received_on,
        )
        _audit_credit_applied(actor, invoice=invoice, amount=portion, payment=payment)
        amount -= portion


def _audit_credit_applied(actor: Any, *, invoice: Document, amount: Decimal, payment: Payment | None) -> None:
    record_event(
        "billing.credit_applied",
        actor=actor,
        target=invoice,
        data={
            "customer_id": invoice.customer_id,
            "amount": str(amount),
            "currency": invoice.currency,
            "automatic": payment is not None,
            "payment_id": payment.pk if payment is not None else None,
        },
    )


@service_transaction
def apply_customer_credit(
    *, actor: Any, customer: Customer, invoice: Document, amount: Decimal | None = None
) -> LedgerTransaction:
    """Pay (part of) an invoice from the customer's credit in the invoice's currency.

    Without `amount`, as much as possible: the smaller of the credit available and what
    the invoice still owes. Never more than either.
    """
    lock_customer(customer.pk)
    if amount is None:
        ledger.check_credit_target(customer, invoice)
        available = ledger_queries.customer_credit_available(customer, invoice.currency)
        amount = min(available, ledger_queries.document_outstanding(invoice))
        if amount <= 0:
            message = (
                _("The customer has no credit in %(currency)s.") % {"currency": invoice.currency}
                if available <= 0
                else _("Invoice %(invoice)s has nothing left to pay.") % {"invoice": invoice}
            )
            raise ValidationError({"amount": ValidationError(message, code="nothing_to_apply")})
    txn = ledger.apply_credit(actor=actor, customer=customer, invoice=invoice, amount=amount)
    _audit_credit_applied(actor, invoice=invoice, amount=amount, payment=None)
    return txn
