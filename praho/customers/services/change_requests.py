"""Change requests: a customer's user asks staff to change what decides how the customer is
invoiced (services.STAFF_ONLY_FIELDS and the billing address), and staff decide.

pending → approved (the change applied by services.change_customer, as a staff edit: a new
tax profile version, the same checks, the VIES check of a new EU VAT number), rejected (with a
reason), or cancelled by a user of the customer. One pending request per customer: a second
is refused until the first is decided or cancelled. Every step is audited and the requester is
emailed the decision in their language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from praho.accounts.models import User
from praho.audit.services import record_event
from praho.core.validation import FieldErrors, check_text
from praho.customers import locks
from praho.customers.gateways import GatewayError
from praho.customers.models import ChangeRequest, ChangeRequestStatus, Customer
from praho.customers.roles import Capability, can
from praho.customers.services import customers as services
from praho.customers.services import lookups
from praho.customers.services.memberships import role_of

# What a request may ask for: the fields only staff change, and the billing address as a whole
# (a company that moves abroad changes its country and its address at once).
REQUESTABLE_FIELDS = (*services.STAFF_ONLY_FIELDS, "address")
MAX_REASON = 1000


def may_request(user: User, customer: Customer) -> bool:
    """Owners and billing users of the customer; staff decide rather than ask."""
    return not user.is_staff and can(role_of(user, customer), Capability.REQUEST_CHANGES)


def may_decide(user: User) -> bool:
    return user.is_staff and user.has_perm("customers.change_customer")


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("Your role does not allow this."))


def _reason(errors: FieldErrors, field: str, value: str, *, required: bool = True) -> str:
    text = check_text(errors, field, value or "", max_length=MAX_REASON, multiline=True)
    if required and not text and field not in errors.by_field:
        errors.add(field, _("This field is required."), "required")
    return text


def _current_values(customer: Customer, fields: list[str]) -> dict[str, Any]:
    """The values the requested ones replace, as they are now."""
    profile = services.current_profile(customer)
    values: dict[str, Any] = {}
    for field in fields:
        if field == "address":
            billing = customer.addresses.filter(is_billing=True).order_by("pk").first()
            values[field] = (
                {name: getattr(billing, name) for name in services.ADDRESS_FIELDS} if billing else None
            )
        elif field in services.STAFF_ONLY_IDENTITY:
            values[field] = getattr(customer, field)
        else:
            values[field] = getattr(profile, field)
    return values


def _pending_refusal() -> ValidationError:
    message = _("A change request is already waiting for our staff; cancel it first to ask for another.")
    return ValidationError(message, code="pending_request")


def request_change(*, actor: User, customer: Customer, reason: str, **values: Any) -> ChangeRequest:
    """Ask staff to change REQUESTABLE_FIELDS, giving a reason.

    The values are checked as a staff edit would check them (a wrong CUI is refused now, a
    tax identifier another customer has too, without saying whose); only values that differ
    from the current ones are kept, and a request that changes nothing is refused.
    """
    _require(may_request(actor, customer))
    unknown = set(values) - set(REQUESTABLE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown change request fields: {sorted(unknown)}")
    errors = FieldErrors()
    reason = _reason(errors, "reason", reason)
    changes = errors.check(lambda: services.check_changes(actor=actor, customer=customer, **values)) or {}
    errors.raise_if_any()
    if not changes:
        raise ValidationError(_("Nothing to change: these are the current values."), code="nothing_changed")
    with transaction.atomic():
        # One writer per customer at a time; the partial unique constraint is the last word.
        customer = locks.locked_customer(customer.pk)
        if customer.change_requests.filter(status=ChangeRequestStatus.PENDING).exists():
            raise _pending_refusal()
        try:
            with transaction.atomic():
                request = ChangeRequest.objects.create(
                    customer=customer,
                    requested_by=actor,
                    changes=changes,
                    previous=_current_values(customer, list(changes)),
                    reason=reason,
                )
        except IntegrityError:
            raise _pending_refusal() from None
        record_event(
            "customers.change_requested",
            actor=actor,
            target=customer,
            data={"request": request.pk, "changes": _audited(request), "reason": reason},
        )
    return request


def _audited(request: ChangeRequest) -> dict[str, list[Any]]:
    return {field: [request.previous.get(field), value] for field, value in request.changes.items()}


def _locked_pending(request: ChangeRequest) -> ChangeRequest:
    """The request, locked after its customer (the order request_change and the services take)."""
    locks.locked_customer(request.customer_id)
    locked = locks.locked_change_request(request.pk)
    if not locked.is_pending:
        raise ValidationError(
            _("This request was %(status)s already.") % {"status": locked.get_status_display().lower()},
            code="decided",
        )
    return locked


def cancel_change_request(*, actor: User, request: ChangeRequest) -> ChangeRequest:
    """A user of the customer who may ask withdraws a pending request."""
    _require(may_request(actor, request.customer))
    with transaction.atomic():
        locked = _locked_pending(request)
        locked.status, locked.decided_by, locked.decided_at = (
            ChangeRequestStatus.CANCELLED,
            actor,
            timezone.now(),
        )
        locked.save(update_fields=["status", "decided_by", "decided_at"])
        record_event(
            "customers.change_request_cancelled",
            actor=actor,
            target=locked.customer,
            data={"request": locked.pk},
        )
    return locked


@dataclass(frozen=True)
class Approval:
    request: ChangeRequest
    # Why VIES could not check the new VAT number (it stays "not checked"), or "".
    vies_problem: str = ""


def approve_change_request(*, actor: User, request: ChangeRequest, note: str = "") -> Approval:
    """Apply the requested values as a staff edit (services.change_customer: checked again, a new
    tax profile version, audited) and mark the request approved, all or nothing.

    Then, when the customer now has an EU VAT number outside Romania, VIES checks it (as staff
    would from the customer's page); a VIES that does not answer leaves it "not checked" and
    says so, without undoing the approval.
    """
    _require(may_decide(actor))
    errors = FieldErrors()
    note = _reason(errors, "note", note, required=False)
    errors.raise_if_any()
    with transaction.atomic():
        locked = _locked_pending(request)
        changes = dict(locked.changes)
        customer = services.change_customer(actor=actor, customer=locked.customer, **changes)
        _decide(locked, actor=actor, status=ChangeRequestStatus.APPROVED, note=note)
    vies_problem = ""
    if {"country", "tax_id"} & set(changes) and lookups.vies_applies(customer):
        try:
            lookups.check_vies(actor=actor, customer=customer)
        except GatewayError as error:
            vies_problem = str(error)
    return Approval(request=locked, vies_problem=vies_problem)


def reject_change_request(*, actor: User, request: ChangeRequest, note: str) -> ChangeRequest:
    """Refuse the request; the reason is shown and emailed to the requester."""
    _require(may_decide(actor))
    errors = FieldErrors()
    note = _reason(errors, "note", note)
    errors.raise_if_any()
    with transaction.atomic():
        locked = _locked_pending(request)
        _decide(locked, actor=actor, status=ChangeRequestStatus.REJECTED, note=note)
    return locked


def _decide(request: ChangeRequest, *, actor: User, status: str, note: str) -> None:
    request.status, request.decided_by, request.decided_at = status, actor, timezone.now()
    request.decision_note = note
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    record_event(
        f"customers.change_request_{status}",
        actor=actor,
        target=request.customer,
        data={"request": request.pk, "changes": _audited(request), "note": note},
    )
    if request.requested_by is not None and request.requested_by.is_active:
        transaction.on_commit(lambda: _send_decision(request))


def _send_decision(request: ChangeRequest) -> None:
    """The decision, in the requester's language, to the requester."""
    requester = request.requested_by
    assert requester is not None  # _decide sends only to a requester
    link = settings.PRAHO_BASE_URL + reverse("customers:area-change-requests")
    context = {"request": request, "link": link, "site_name": settings.PRAHO_SITE_NAME}
    with translation.override(requester.language or settings.LANGUAGE_CODE):
        if request.status == ChangeRequestStatus.APPROVED:
            subject = _("Your change request for %(customer)s was approved")
        else:
            subject = _("Your change request for %(customer)s was rejected")
        # A header is one line, whatever a name stored long ago holds.
        subject = " ".join((subject % {"customer": request.customer.name}).split())
        body = render_to_string("customers/email/change_request_decided.txt", context)
    send_mail(subject, body, None, [requester.email])
