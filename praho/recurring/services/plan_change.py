"""Moving a service to another plan mid-period, billing the difference for the rest of the period
(praho.recurring.rules.proration), then changing the plan through provisioning.

- Net > 0: one document (settings.RECURRING_DOCUMENT: a proforma, or an invoice), due today, with
  one line: the new plan's remaining days as its price, the old plan's unused days as its discount
  (a line allowance, EN 16931 BT-136: billing refuses negative prices and quantities), the days and
  "n of m days" in its description.
- Net < 0: a credit note for the difference against the invoice that paid the period
  (services.credits). With RECURRING_NEGATIVE_PRORATION = "credit" the same credit note is issued
  and the difference stays as the customer's credit: billing keeps customer credit only in its
  ledger, fed by credit notes of paid invoices and overpayments, so the credit note is how money
  becomes credit (and revenue and VAT are reversed, as the law wants). Nothing when no invoice
  paid the period (a service staff set up without an order).
- Net = 0: no document.

The next period, when already billed on a renewal proforma still unpaid, is cancelled so that the
next run bills the new price; a renewal invoice is left as it is. The service's price becomes the
new plan's catalog price (so renewals bill it). All in one transaction, audited
(`recurring.plan_changed`); an Idempotency-Key (`client_key`) sent again answers with the first
change."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from praho.audit.models import AuditEvent
from praho.audit.services import record_event
from praho.billing.models import Document
from praho.billing.services.drafts import create_document
from praho.billing.services.issuing import issue_document
from praho.catalog.cycles import Period
from praho.catalog.models import Cycle, Plan
from praho.catalog.selectors import current_prices
from praho.core.money import round_money
from praho.core.transactions import service_transaction
from praho.core.validation import fiscal_today
from praho.orders.models import Service, ServiceStatus
from praho.provisioning.lifecycle import IllegalTransitionError
from praho.provisioning.models import Operation
from praho.provisioning.services import actions
from praho.recurring import locks, pricing
from praho.recurring.rules.proration import for_service, period_text
from praho.recurring.services import access, credits

EVENT = "recurring.plan_changed"
ZERO = Decimal("0.00")
ON_A_PLAN = (ServiceStatus.ACTIVE, ServiceStatus.SUSPENDED)


@dataclass(frozen=True)
class PlanChange:
    """A plan change as previewed, or as done (with its document and operation)."""

    service_id: int
    plan: Plan
    period: Period | None  # None: nothing to prorate (staff moved a service with no paid period)
    on: date
    days_left: int
    days: int
    credit: Decimal
    charge: Decimal
    new_price: Decimal  # the new plan's price per period, all units: what renewals bill from now on
    currency: str
    document: str | None  # "proforma", "invoice", "credit_note", "credit" or None
    document_id: int | None = None
    operation: Operation | None = None
    cancelled_renewal: int | None = None  # the next period's proforma, cancelled
    left_invoice: int | None = None  # the next period's invoice, left unpaid at the old price
    credit_at: credits.Credit | None = field(default=None, repr=False, compare=False)

    @property
    def net(self) -> Decimal:
        return self.charge - self.credit

    def fields(self) -> dict[str, Any]:
        """The preview's fields as the API shows them (amounts as strings)."""
        return {
            "plan": self.plan.pk,
            "plan_code": self.plan.code,
            "period_start": self.period.start.isoformat() if self.period else None,
            "period_end": self.period.end.isoformat() if self.period else None,
            "days_left": self.days_left,
            "days_in_period": self.days,
            "credit": f"{self.credit:.2f}",
            "charge": f"{self.charge:.2f}",
            "net": f"{self.net:.2f}",
            "currency": self.currency,
            "document": self.document,
        }


def _refuse_plan(message: str, code: str) -> ValidationError:
    return ValidationError({"plan": ValidationError(message, code=code)})


def _check(service: Service, plan: Plan, on: date, *, staff: bool) -> Decimal:
    """The new plan's catalog unit price for the service's cycle and currency, once the move itself
    is allowed."""
    if service.status not in ON_A_PLAN:
        raise IllegalTransitionError(
            _("Only an active or suspended service can change plan; this one is %(status)s.")
            % {"status": str(ServiceStatus(service.status).label).lower()},
            code="illegal_transition",
        )
    if plan.pk == service.plan_id:
        raise _refuse_plan(_("The service is on this plan already."), "same_plan")
    if plan.module != service.plan.module:
        raise _refuse_plan(_("The new plan must use the same provisioning module."), "module")
    if service.cycle == Cycle.ONE_TIME and not staff:
        raise _no_proration(service, on)
    new = current_prices({plan.pk}, on=on, currency=service.currency).get(
        (plan.pk, service.cycle, service.currency)
    )
    if new is None:
        raise _refuse_plan(
            _("The plan %(plan)s has no %(cycle)s price in %(currency)s.")
            % {"plan": plan.code, "cycle": Cycle(service.cycle).label.lower(), "currency": service.currency},
            "no_price",
        )
    return new.amount


def _followed_price(service: Service, on: date) -> Decimal | None:
    """For a service that renews at the list price: the old plan's catalog price the current period
    was billed at (in force on its first day); None for the others (their stored price)."""
    held = pricing.current_period(service, on) if service.follow_list_price else None
    if held is None:
        return None
    found = current_prices({service.plan_id}, on=held.start, currency=service.currency)
    price = found.get(pricing.price_key(service))
    return price.amount if price is not None else None


def _no_proration(service: Service, on: date) -> ValidationError:
    """Why the day is in no paid period."""
    if service.cycle == Cycle.ONE_TIME:
        return ValidationError(_("A one-time purchase has no period to prorate."), code="one_time")
    if service.next_due_date is not None and on >= service.next_due_date:
        return ValidationError(
            _("The period from %(date)s is not paid yet: once its renewal is paid, change the plan.")
            % {"date": service.next_due_date.strftime("%d.%m.%Y")},
            code="renewal_unpaid",
        )
    return ValidationError(_("The service has no billing period on this day yet."), code="no_period")


def negative_kind() -> str:
    return "credit" if settings.RECURRING_NEGATIVE_PRORATION == "credit" else "credit_note"


def _previewed(service: Service, plan: Plan, on: date, *, staff: bool) -> PlanChange:
    """The change as it would be. A day in no paid period (a one-time purchase, a service not
    started or not paid for) has nothing to prorate: customers are refused, staff change the plan
    without billing anything (`period` None)."""
    new_unit = _check(service, plan, on, staff=staff)
    followed = _followed_price(service, on)
    proration = for_service(service, on=on, new_unit_price=new_unit, old_list_price=followed)
    if proration is None:
        if not staff:
            raise _no_proration(service, on)
        return PlanChange(
            service_id=service.pk,
            plan=plan,
            period=None,
            on=on,
            days_left=0,
            days=0,
            credit=ZERO,
            charge=ZERO,
            new_price=round_money(new_unit * max(service.quantity, 1)),
            currency=service.currency,
            document=None,
        )
    credit_at = None
    kind: str | None = None
    if proration.net > 0:
        kind = settings.RECURRING_DOCUMENT
    elif proration.net < 0:
        credit_at = credits.plan_credit(service, proration.period, -proration.net)
        kind = negative_kind() if credit_at is not None else None
    return PlanChange(
        service_id=service.pk,
        plan=plan,
        period=proration.period,
        on=on,
        days_left=proration.days_left,
        days=proration.days,
        credit=proration.credit,
        charge=proration.charge,
        new_price=round_money(proration.new_price),
        currency=service.currency,
        document=kind,
        credit_at=credit_at,
    )


def preview(service: Service, plan: Plan, on: date | None = None, *, actor: Any = None) -> PlanChange:
    """What moving `service` to `plan` on `on` (today) would bill or credit; refused as the change
    would be. With `actor`, a customer's user is refused (403) a plan off the upgrade paths."""
    if actor is not None:
        access.require(actor, service)
        access.require_plan(actor, service, plan)
    return _previewed(service, plan, on or fiscal_today(), staff=access.is_staff(actor))


def _names(service: Service, plan: Plan, change: PlanChange) -> dict[str, Any]:
    return {
        "plan": plan.name,
        "old": service.plan.name,
        "service": service.pk,
        "domain": f" {service.domain}" if service.domain else "",
        "span": period_text(change.on, change.period.end) if change.period else "",
        "left": change.days_left,
        "days": change.days,
        "credit": f"{change.credit:.2f}",
        "charge": f"{change.charge:.2f}",
        "currency": change.currency,
    }


def _bill(actor: Any, service: Service, plan: Plan, change: PlanChange) -> Document | None:
    if change.net > 0:
        with credits.in_document_language(service):
            description = _(
                "%(plan)s instead of %(old)s, service #%(service)s%(domain)s, %(span)s, "
                "%(left)s of %(days)s days; discount: the unused days of %(old)s (%(credit)s %(currency)s)"
            ) % _names(service, plan, change)
            notes = _("Plan change of service #%(service)s") % {"service": service.pk}
        draft = create_document(
            actor=actor,
            document_type=change.document or settings.RECURRING_DOCUMENT,
            customer=service.customer,
            currency=service.currency,
            due_date=fiscal_today(),
            notes=notes,
            lines=[
                {
                    "description": description[:500],
                    "quantity": Decimal("1"),
                    "unit_code": "C62",
                    "unit_price": change.charge,
                    "discount": change.credit,
                }
            ],
        )
        return issue_document(actor=actor, document=draft)
    if change.net < 0 and change.credit_at is not None:
        with credits.in_document_language(service):
            description = _(
                "%(old)s changed to %(plan)s, service #%(service)s%(domain)s, %(span)s, "
                "%(left)s of %(days)s days: %(credit)s %(currency)s for the unused days of %(old)s "
                "less %(charge)s %(currency)s for %(plan)s"
            ) % _names(service, plan, change)
        return credits.issue_credit(
            actor=actor, credit=change.credit_at, amount=-change.net, description=description
        )
    return None


def _earlier(service: Service, client_key: str) -> PlanChange | None:
    """The change an earlier request with this Idempotency-Key made, if any."""
    if not client_key:
        return None
    event = (
        AuditEvent.objects.filter(action=EVENT, object_id=str(service.pk), data__client_key=client_key)
        .order_by("-id")
        .first()
    )
    if event is None:
        return None
    data = event.data
    operation_id = data.get("operation")
    return PlanChange(
        service_id=service.pk,
        plan=Plan.objects.get(pk=data["to_id"]),
        period=Period(
            data["period_number"],
            date.fromisoformat(data["period_start"]),
            date.fromisoformat(data["period_end"]),
        )
        if data.get("period_start")
        else None,
        on=date.fromisoformat(data["on"]),
        days_left=data["days_left"],
        days=data["days"],
        credit=Decimal(data["credit"]),
        charge=Decimal(data["charge"]),
        new_price=Decimal(data["new_price"]),
        currency=data["currency"],
        document=data["document_kind"],
        document_id=data["document"],
        operation=Operation.objects.filter(pk=operation_id).first() if operation_id else None,
        cancelled_renewal=data.get("cancelled_renewal"),
        left_invoice=data.get("left_invoice"),
    )


@service_transaction
def change_plan(
    *, actor: Any, service_id: int, plan: Plan, on: date | None = None, client_key: str = ""
) -> PlanChange:
    """Bill the difference, move the service to `plan` (through provisioning: a panel operation
    queued, or at once for a plan without a module) and price its renewals at the new plan."""
    on = on or fiscal_today()
    service = locks.locked_service(service_id)
    access.require(actor, service)
    if (earlier := _earlier(service, client_key)) is not None:
        return earlier
    access.require_plan(actor, service, plan)
    change = _previewed(service, plan, on, staff=access.is_staff(actor))
    document = _bill(actor, service, plan, change)
    next_period = (
        credits.drop_next_renewal(actor=actor, service=service, period=change.period)
        if change.period is not None
        else credits.NextPeriod(None, None)
    )
    operation = actions.change_plan(service_id=service.pk, actor=actor, plan=plan, client_key=client_key)
    price = change.new_price
    Service.objects.filter(pk=service.pk).update(
        price=price, list_price=price, discounted_periods=None, updated_at=timezone.now()
    )
    done = replace(
        change,
        document=change.document if document is not None else None,
        document_id=document.pk if document is not None else None,
        operation=operation,
        cancelled_renewal=next_period.cancelled.pk if next_period.cancelled is not None else None,
        left_invoice=next_period.left.pk if next_period.left is not None else None,
        credit_at=None,
    )
    record_event(
        EVENT,
        actor=actor,
        target=service,
        data={
            "from": service.plan.code,
            "to": plan.code,
            "to_id": plan.pk,
            "period_number": change.period.number if change.period else None,
            "period_start": change.period.start.isoformat() if change.period else None,
            "period_end": change.period.end.isoformat() if change.period else None,
            "on": on.isoformat(),
            "days_left": change.days_left,
            "days": change.days,
            "credit": str(change.credit),
            "charge": str(change.charge),
            "new_price": str(price),
            "currency": change.currency,
            "document_kind": done.document,
            "document": done.document_id,
            "operation": operation.pk if operation is not None else None,
            "cancelled_renewal": done.cancelled_renewal,
            "left_invoice": done.left_invoice,
            "client_key": client_key,
        },
    )
    return done
