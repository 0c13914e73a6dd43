"""What staff (and billing, later dunning) ask of a service: create it on a panel, suspend,
unsuspend, terminate, change its plan, reset its panel password, cancel it before it is set up.

Each action locks the service (and the members of its package), moves it through the lifecycle
table (refused with IllegalTransitionError, nothing written) and queues the operations the panel must
carry out, in the same transaction (praho.provisioning.services.operations)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from praho.audit.services import record_event
from praho.catalog.models import Plan
from praho.core.transactions import service_transaction
from praho.core.validation import FieldErrors, check_text
from praho.orders.models import OrderLine, Service, ServiceStatus
from praho.orders.services.fulfilment import follow_services
from praho.provisioning import lifecycle, locks
from praho.provisioning.models import Account, Operation, OperationKind, OperationState, SuspensionCause
from praho.provisioning.secrets import new_password, seal_password
from praho.provisioning.services import operations, packages
from praho.provisioning.services.placement import account_name, pick_server

Status = ServiceStatus
Kind = OperationKind
CHILDREN_CHOICES = ("terminate", "keep")
# The statuses in which a failed operation of each kind is still worth running again.
STILL_WANTED: dict[str, tuple[str, ...]] = {
    Kind.CREATE: (Status.PENDING, Status.PROVISIONING),
    Kind.SUSPEND: (Status.SUSPENDED,),
    Kind.UNSUSPEND: (Status.ACTIVE,),
    Kind.TERMINATE: (Status.TERMINATED,),
    Kind.CHANGE_PACKAGE: (Status.ACTIVE, Status.SUSPENDED),
    Kind.CHANGE_PASSWORD: (Status.ACTIVE, Status.SUSPENDED),
}
RETRYABLE = (OperationState.FAILED, OperationState.NEEDS_ATTENTION)


def may_retry(operation: Operation, service_status: str) -> bool:
    """Whether staff may try the operation again: it failed and the service still wants it."""
    return operation.state in RETRYABLE and service_status in STILL_WANTED[operation.kind]


def account_for(service: Service) -> Account:
    """The service's account row, made (with its name and a password) the first time."""
    account, _created = Account.objects.get_or_create(
        service=service,
        defaults={"username": account_name(service), "password_sealed": seal_password(new_password())},
    )
    return account


def start_create(service: Service, *, actor: Any, cause: str, client_key: str = "") -> Operation | None:
    """Move the (locked, pending) service to provisioning and queue its create. A plan without a
    provisioning module has nothing to create: staff set it up by hand and mark it active
    (`activate`). With no server to take it, the service stays pending and the create waits for staff
    (needs attention) to add a server and try again."""
    if not service.plan.module:
        lifecycle.move(service, Status.PROVISIONING, actor=actor, cause=cause)
        follow_order(service, actor)
        return None
    account = account_for(service)
    if account.server_id is None:
        account.server = pick_server(service.plan)
        if account.server is None:
            return _no_server(service, actor=actor, client_key=client_key)
        account.save(update_fields=["server"])
    lifecycle.move(service, Status.PROVISIONING, actor=actor, cause=cause)
    follow_order(service, actor)
    return operations.queue(service, Kind.CREATE, actor=actor, account=account, client_key=client_key)


def _no_server(service: Service, *, actor: Any, client_key: str) -> Operation:
    operation = Operation.objects.create(
        service=service,
        kind=Kind.CREATE,
        state=OperationState.NEEDS_ATTENTION,
        last_error=_("No active server takes the plan %(plan)s (%(module)s); add one, then try again.")
        % {"plan": service.plan.code, "module": service.plan.get_module_display()},
        requested_by=actor if getattr(actor, "is_authenticated", False) else None,
        idempotency_key=operations.next_key(service, Kind.CREATE, client_key),
    )
    record_event(
        "provisioning.operation_needs_attention",
        actor=actor,
        target=service,
        data={"operation": operation.pk, "kind": operation.kind, "error": operation.last_error},
    )
    return operation


@service_transaction
def retry(*, operation_id: int, actor: Any) -> Operation | None:
    """Staff try a failed operation again: a create that failed (the service is pending) starts
    afresh; an operation that needs attention runs again from its last completed step."""
    operation = Operation.objects.select_related("service").get(pk=operation_id)
    service = locks.locked_service(operation.service_id)
    operation = locks.locked_operation(operation_id)
    if operation.state not in RETRYABLE:
        raise ValidationError(
            _("Only a failed operation, or one that needs attention, can be tried again."), code="not_failed"
        )
    if service.status not in STILL_WANTED[operation.kind]:
        # Superseded by what happened since (a later create, an unsuspend after a failed
        # suspend...): run again, it would put the panel at odds with the service.
        raise ValidationError(
            _("The service is %(status)s: this operation is no longer needed.")
            % {"status": str(Status(service.status).label).lower()},
            code="not_needed",
        )
    record_event(
        "provisioning.operation_retried", actor=actor, target=service, data={"operation": operation.pk}
    )
    if operation.kind == Kind.CREATE and service.status == Status.PENDING:
        operation.state = OperationState.FAILED
        operation.save(update_fields=["state"])
        return start_create(service, actor=actor, cause=_("tried again by staff"))
    operation.state, operation.attempts, operation.next_attempt_at = OperationState.QUEUED, 0, None
    operation.save(update_fields=["state", "attempts", "next_attempt_at"])
    operations.dispatch(operation.pk)
    return operation


def follow_order(service: Service, actor: Any) -> None:
    if service.order_line_id is not None:
        order_id = OrderLine.objects.filter(pk=service.order_line_id).values_list("order_id", flat=True)[0]
        follow_services(order_id, actor=actor)


def create_paid(service_ids: list[int], *, actor: Any) -> None:
    """Services an order's payment just created (in that payment's transaction): each is created
    on its panel, and a domain ordered with a hosting plan is bound to it as its primary domain."""
    services = locks.locked_services(service_ids)
    packages.bind_ordered_domains(services)
    for service in services:
        if service.status == Status.PENDING:
            start_create(service, actor=actor, cause=_("order paid"))


@service_transaction
def create(*, service_id: int, actor: Any, client_key: str = "") -> Operation | None:
    service = locks.locked_service(service_id)
    if (found := operations.existing(service, Kind.CREATE, client_key)) is not None:
        return found
    return start_create(service, actor=actor, cause=_("created by staff"), client_key=client_key)


@service_transaction
def suspend(
    *, service_id: int, actor: Any, reason: str, cause: str = SuspensionCause.STAFF, client_key: str = ""
) -> list[Operation]:
    """Suspend the service; a package's root suspends every active member, dependents first. A
    domain bound to a hosting service that stays active is not suspended."""
    reason = _reason(reason)
    service = locks.locked_service(service_id)
    if (found := operations.existing(service, Kind.SUSPEND, client_key)) is not None:
        return [found]
    lifecycle.check(service, Status.SUSPENDED)
    packages.refuse_bound_domain(service)
    queued: list[Operation] = []
    for member in locks.locked_services_in_order(packages.suspension_order(service)):
        if member.status != Status.ACTIVE:
            continue
        member_cause = cause if member.pk == service.pk else SuspensionCause.PACKAGE
        lifecycle.move(member, Status.SUSPENDED, actor=actor, cause=reason, data={"suspension": member_cause})
        queued += _panel_step(
            member,
            Kind.SUSPEND,
            actor=actor,
            after=queued,
            reason=reason,
            suspension=(member_cause, reason),
            client_key=client_key if member.pk == service.pk else "",
        )
    return queued


@service_transaction
def unsuspend(*, service_id: int, actor: Any, only_cause: str = "", client_key: str = "") -> list[Operation]:
    """Resume the service, then the members its package suspension suspended (not those suspended
    on their own account), in the reverse order. `only_cause` (e.g. unpaid) resumes it only when
    that was why it was suspended; otherwise nothing happens."""
    service = locks.locked_service(service_id)
    if (found := operations.existing(service, Kind.UNSUSPEND, client_key)) is not None:
        return [found]
    lifecycle.check(service, Status.ACTIVE)
    account = Account.objects.filter(service=service).first()
    if only_cause and (account is None or account.suspension_cause != only_cause):
        return []
    queued: list[Operation] = []
    for member in locks.locked_services_in_order(list(reversed(packages.suspension_order(service)))):
        resumed = member.pk == service.pk or packages.suspended_for_package(member)
        if member.status != Status.SUSPENDED or not resumed:
            continue
        lifecycle.move(member, Status.ACTIVE, actor=actor, cause=_("unsuspended"))
        queued += _panel_step(
            member,
            Kind.UNSUSPEND,
            actor=actor,
            after=queued,
            suspension=("", ""),
            client_key=client_key if member.pk == service.pk else "",
        )
    return queued


@service_transaction
def terminate(
    *, service_id: int, actor: Any, reason: str = "", children: str = "", client_key: str = ""
) -> list[Operation]:
    """Remove the service from its panel for good. A service with live add-ons needs `children`:
    "terminate" (they go first) or "keep" (they stay, on their own)."""
    reason = _reason(reason, required=False) or _("terminated by staff")
    service = locks.locked_service(service_id)
    if (found := operations.existing(service, Kind.TERMINATE, client_key)) is not None:
        return [found]
    lifecycle.check(service, Status.TERMINATED)
    live = packages.live_children(service)
    if live and children not in CHILDREN_CHOICES:
        names = ", ".join(f"#{child.pk} {child.plan}" for child in live)
        raise ValidationError(
            {
                "children": ValidationError(
                    _('It has add-ons (%(names)s): say "terminate" to terminate them too, or "keep".')
                    % {"names": names},
                    code="children_decision_required",
                )
            }
        )
    members = [*live, service] if children == "terminate" else [service]
    if children == "keep":
        packages.detach(live, actor=actor)
    queued: list[Operation] = []
    for member in locks.locked_services_in_order(members):
        if member.status == Status.PENDING:
            lifecycle.move(member, Status.CANCELLED, actor=actor, cause=reason)
            continue
        lifecycle.move(member, Status.TERMINATED, actor=actor, cause=reason)
        queued += _panel_step(
            member,
            Kind.TERMINATE,
            actor=actor,
            after=queued,
            reason=reason,
            client_key=client_key if member.pk == service.pk else "",
        )
    return queued


@service_transaction
def activate(*, service_id: int, actor: Any) -> None:
    """Staff set a service without a provisioning module up by hand (a dedicated server, a domain
    at a registrar PRAHO has no driver for) and say it is done."""
    service = locks.locked_service(service_id)
    if service.plan.module:
        raise ValidationError(
            _("A service on a panel becomes active when the panel has created it."), code="panel_service"
        )
    lifecycle.move(service, Status.ACTIVE, actor=actor, cause=_("set up by hand"))
    follow_order(service, actor)


@service_transaction
def cancel(*, service_id: int, actor: Any, reason: str = "") -> None:
    """A service never set up (pending) is cancelled: there is nothing on a panel to remove."""
    service = locks.locked_service(service_id)
    lifecycle.move(
        service, Status.CANCELLED, actor=actor, cause=_reason(reason, required=False) or _("cancelled")
    )


@service_transaction
def change_plan(*, service_id: int, actor: Any, plan: Plan, client_key: str = "") -> Operation | None:
    """Move the service to another plan of the same provisioning module; the plan changes once the
    panel has the new package (at once for a plan without a module)."""
    service = locks.locked_service(service_id)
    if (found := operations.existing(service, Kind.CHANGE_PACKAGE, client_key)) is not None:
        return found
    if service.status not in (Status.ACTIVE, Status.SUSPENDED):
        raise lifecycle.IllegalTransitionError(
            _("Only an active or suspended service can change plan; this one is %(status)s.")
            % {"status": str(Status(service.status).label).lower()},
            code="illegal_transition",
        )
    if plan.pk == service.plan_id:
        raise ValidationError(
            {"plan": ValidationError(_("The service is on this plan already."), code="same_plan")}
        )
    if plan.module != service.plan.module:
        raise ValidationError(
            {"plan": ValidationError(_("The new plan must use the same provisioning module."), code="module")}
        )
    if not plan.module:
        set_plan(service, plan, actor=actor)
        return None
    account = account_for(service)
    return operations.queue(
        service,
        Kind.CHANGE_PACKAGE,
        actor=actor,
        account=account,
        client_key=client_key,
        params={"plan": plan.pk, "module_params": plan.module_params},
    )


def set_plan(service: Service, plan: Plan, *, actor: Any) -> None:
    before = service.plan
    service.plan = plan
    service.save(update_fields=["plan", "updated_at"])
    record_event(
        "provisioning.plan_changed", actor=actor, target=service, data={"from": before.code, "to": plan.code}
    )


@service_transaction
def reset_password(*, service_id: int, actor: Any, client_key: str = "") -> Operation:
    """A new panel password, set on the panel; the account keeps it once the panel took it."""
    service = locks.locked_service(service_id)
    if (found := operations.existing(service, Kind.CHANGE_PASSWORD, client_key)) is not None:
        return found
    if service.status not in (Status.ACTIVE, Status.SUSPENDED) or not service.plan.module:
        raise lifecycle.IllegalTransitionError(
            _("Only an active or suspended service on a panel has a password to reset."),
            code="illegal_transition",
        )
    account = account_for(service)
    return operations.queue(
        service,
        Kind.CHANGE_PASSWORD,
        actor=actor,
        account=account,
        client_key=client_key,
        params={"password_sealed": seal_password(new_password())},
    )


def _panel_step(
    service: Service,
    kind: str,
    *,
    actor: Any,
    after: list[Operation],
    reason: str = "",
    suspension: tuple[str, str] | None = None,
    client_key: str = "",
) -> list[Operation]:
    """Record the suspension's cause and queue the panel operation (after the previous one in
    the package) when the service has a panel account; none for a service set up by hand."""
    account = Account.objects.filter(service=service).first()
    if suspension is not None:
        account = account or account_for(service)  # a service set up by hand keeps its cause too
        account.suspension_cause, account.suspension_reason = suspension
        account.save(update_fields=["suspension_cause", "suspension_reason"])
    if account is None or not service.plan.module:
        return []
    previous = after[-1] if after else None
    return [
        operations.queue(
            service, kind, actor=actor, account=account, after=previous, reason=reason, client_key=client_key
        )
    ]


def _reason(reason: Any, *, required: bool = True) -> str:
    errors = FieldErrors()
    text = check_text(errors, "reason", str(reason or ""), max_length=500)
    if required and not text and not errors.by_field:
        errors.add("reason", _("Say why."), "required")
    errors.raise_if_any()
    return text
