"""Dunning's suspension and termination: through provisioning (cause unpaid, audited), only of
the document's active services, leaving alone what staff suspended; termination waiting for
staff's confirmation, or at once by setting."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from praho.audit.models import AuditEvent
from praho.orders.models import Service, ServiceStatus
from praho.provisioning.models import Account, SuspensionCause
from praho.provisioning.services import actions
from praho.recurring.models import DunningNotice, NoticeStatus
from praho.recurring.services.dunning import confirm_termination
from praho.recurring.services.dunning_schedule import set_exemption
from praho.recurring.tests.dunning_support import (
    dun,
    pay,
    renewal_document,
    service,
)

pytestmark = pytest.mark.django_db

Status = ServiceStatus


def status_and_cause(service):
    service.refresh_from_db()
    account = Account.objects.filter(service=service).first()
    return service.status, account.suspension_cause if account else ""


def test_suspension_suspends_the_active_services_for_non_payment(shop, bill_billing, carol_customer):
    first, second = service(shop, carol_customer), service(shop, carol_customer, plan="ssl-basic")
    document = renewal_document(bill_billing, carol_customer, [first, second])

    summary = dun(10)

    assert summary.suspended == 2
    assert status_and_cause(first) == (Status.SUSPENDED, SuspensionCause.UNPAID)
    assert status_and_cause(second) == (Status.SUSPENDED, SuspensionCause.UNPAID)
    assert "Unpaid" in Account.objects.get(service=first).suspension_reason
    assert DunningNotice.objects.get(document=document, action="suspend").status == NoticeStatus.DONE
    event = AuditEvent.objects.get(action="recurring.dunning_suspended")
    assert event.data["services"] == [first.pk, second.pk]
    # provisioning audits each move
    assert AuditEvent.objects.filter(action__startswith="provisioning.", object_id=str(first.pk)).exists()


def test_a_service_staff_suspended_is_left_as_it_is(shop, bill_billing, carol_customer, alice_admin):
    mine, theirs = service(shop, carol_customer), service(shop, carol_customer, plan="ssl-basic")
    actions.suspend(service_id=theirs.pk, actor=alice_admin, reason="Abuse report")
    renewal_document(bill_billing, carol_customer, [mine, theirs])

    assert dun(10).suspended == 1

    assert status_and_cause(mine) == (Status.SUSPENDED, SuspensionCause.UNPAID)
    assert status_and_cause(theirs) == (Status.SUSPENDED, SuspensionCause.STAFF)
    assert Account.objects.get(service=theirs).suspension_reason == "Abuse report"


def test_terminated_and_cancelled_services_are_not_touched(shop, bill_billing, carol_customer):
    gone = service(shop, carol_customer, status=Status.TERMINATED)
    live = service(shop, carol_customer, plan="ssl-basic")
    renewal_document(bill_billing, carol_customer, [gone, live])

    assert dun(10).suspended == 1
    gone.refresh_from_db()
    assert gone.status == Status.TERMINATED


def test_a_package_member_follows_its_root(shop, bill_billing, carol_customer):
    root = service(shop, carol_customer, plan="vps-s")
    member = service(shop, carol_customer, plan="extra-ip", parent=root)
    renewal_document(bill_billing, carol_customer, [member, root])

    dun(10)

    assert status_and_cause(root) == (Status.SUSPENDED, SuspensionCause.UNPAID)
    assert status_and_cause(member) == (Status.SUSPENDED, SuspensionCause.PACKAGE)


def test_a_domain_its_active_hosting_needs_is_refused_and_the_notice_says_why(
    shop, bill_billing, carol_customer
):
    from praho.provisioning.models import BindingKind, DomainBinding

    hosting = service(shop, carol_customer, plan="web-start", domain="carol.ro")
    domain = service(shop, carol_customer, plan="domain-ro", domain="carol.ro")
    DomainBinding.objects.create(domain_service=domain, hosting=hosting, kind=BindingKind.PRIMARY)
    document = renewal_document(bill_billing, carol_customer, [domain])

    assert dun(10).suspended == 0

    assert status_and_cause(domain)[0] == Status.ACTIVE
    notice = DunningNotice.objects.get(document=document, action="suspend")
    assert notice.status == NoticeStatus.DONE
    assert (
        f"#{domain.pk}: This domain is the primary domain of hosting service #{hosting.pk}" in notice.detail
    )


def test_suspension_happens_once(shop, bill_billing, carol_customer, alice_admin):
    one = service(shop, carol_customer)
    renewal_document(bill_billing, carol_customer, [one])
    dun(10)
    actions.unsuspend(service_id=one.pk, actor=alice_admin)  # staff resumed it meanwhile

    assert dun(11).suspended == 0
    assert dun(12).suspended == 0
    one.refresh_from_db()
    assert one.status == Status.ACTIVE


def test_a_paid_document_is_not_suspended(shop, bill_billing, carol_customer):
    one = service(shop, carol_customer)
    document = renewal_document(bill_billing, carol_customer, [one])
    pay(bill_billing, document)

    assert dun(10).suspended == 0
    assert status_and_cause(one)[0] == Status.ACTIVE


# --- termination ------------------------------------------------------------------------------------


@pytest.fixture
def overdue(shop, bill_billing, carol_customer):
    one = service(shop, carol_customer)
    document = renewal_document(bill_billing, carol_customer, [one])
    dun(10)
    dun(30)
    return document, one


def test_termination_waits_for_staff_then_is_confirmed(overdue, bill_billing):
    document, one = overdue
    notice = DunningNotice.objects.get(document=document, action="terminate")
    assert notice.status == NoticeStatus.AWAITING_CONFIRMATION
    assert status_and_cause(one)[0] == Status.SUSPENDED

    confirm_termination(notice_id=notice.pk, actor=bill_billing)

    notice.refresh_from_db()
    assert (notice.status, notice.confirmed_by) == (NoticeStatus.DONE, bill_billing)
    assert status_and_cause(one)[0] == Status.TERMINATED
    event = AuditEvent.objects.get(action="recurring.dunning_termination_confirmed")
    assert event.actor == bill_billing
    assert event.data["services"] == [one.pk]
    assert dun(31).documents == 0  # nothing is asked twice


def test_a_confirmation_twice_is_refused(overdue, bill_billing):
    document, _one = overdue
    notice = DunningNotice.objects.get(document=document, action="terminate")
    confirm_termination(notice_id=notice.pk, actor=bill_billing)

    with pytest.raises(ValidationError) as refused:
        confirm_termination(notice_id=notice.pk, actor=bill_billing)
    assert refused.value.code == "not_awaiting"


def test_a_document_paid_before_confirmation_terminates_nothing(overdue, bill_billing):
    document, one = overdue
    pay(bill_billing, document)
    notice = DunningNotice.objects.get(document=document, action="terminate")

    with pytest.raises(ValidationError) as refused:
        confirm_termination(notice_id=notice.pk, actor=bill_billing)

    assert refused.value.code == "paid"
    assert status_and_cause(one)[0] != Status.TERMINATED


def test_an_exempt_customer_is_not_terminated_on_confirmation(
    overdue, bill_billing, alice_admin, carol_customer
):
    document, _one = overdue
    set_exemption(actor=alice_admin, customer=carol_customer, reason="Negotiating")
    notice = DunningNotice.objects.get(document=document, action="terminate")

    with pytest.raises(ValidationError) as refused:
        confirm_termination(notice_id=notice.pk, actor=bill_billing)
    assert refused.value.code == "exempt"


def test_staff_are_not_asked_to_terminate_what_is_terminated_already(
    shop, bill_billing, carol_customer, alice_admin
):
    one = service(shop, carol_customer)
    document = renewal_document(bill_billing, carol_customer, [one])
    dun(10)
    actions.terminate(service_id=one.pk, actor=alice_admin, reason="Customer left")

    assert dun(30).awaiting == 0
    notice = DunningNotice.objects.get(document=document, action="terminate")
    assert (notice.status, notice.detail) == (NoticeStatus.DONE, "No service to act on.")


def test_termination_by_setting_needs_no_confirmation(shop, bill_billing, carol_customer, settings):
    settings.RECURRING_TERMINATE_WITHOUT_CONFIRMATION = True
    one = service(shop, carol_customer)
    document = renewal_document(bill_billing, carol_customer, [one])

    summary = dun(30)

    assert (summary.suspended, summary.terminated, summary.awaiting) == (1, 1, 0)
    assert Service.objects.get(pk=one.pk).status == Status.TERMINATED
    assert DunningNotice.objects.get(document=document, action="terminate").status == NoticeStatus.DONE
    assert AuditEvent.objects.filter(action="recurring.dunning_terminated").count() == 1


def test_one_documents_trouble_does_not_stop_the_run(shop, bill_billing, carol_customer, monkeypatch):
    from praho.recurring.services import dunning

    broken = renewal_document(bill_billing, carol_customer, [service(shop, carol_customer)])
    fine = renewal_document(bill_billing, carol_customer, [service(shop, carol_customer, plan="ssl-basic")])
    real = dunning._suspend

    def suspend(document, days):
        if document.pk == broken.pk:
            raise RuntimeError("panel on fire")
        return real(document, days)

    monkeypatch.setattr(dunning, "_suspend", suspend)
    summary = dun(10)

    assert summary.errors == [{"document": broken.pk, "message": "panel on fire"}]
    assert summary.suspended == 1
    assert not DunningNotice.objects.filter(document=broken).exists()  # its transaction rolled back
    assert DunningNotice.objects.filter(document=fine, action="suspend").exists()


def test_the_task_runs_dunning_for_the_day_it_is_given(shop, bill_billing, carol_customer):
    from praho.recurring.tasks import dunning as dunning_task
    from praho.recurring.tests.dunning_support import DUE

    renewal_document(bill_billing, carol_customer, [service(shop, carol_customer)])

    result = dunning_task.delay((DUE + timedelta(days=10)).isoformat()).get(timeout=1)

    assert dunning_task.name == "recurring.dunning"
    assert (result["suspended"], result["errors"]) == (1, [])


def test_paying_after_suspension_resumes_the_service_and_ends_dunning(shop, bill_billing, carol_customer):
    """With the receiver of billing's invoices_paid (recurring.receivers): what dunning suspended
    for non-payment is resumed, and no later step is written."""
    one = service(shop, carol_customer)
    document = renewal_document(bill_billing, carol_customer, [one])
    dun(10)

    pay(bill_billing, document)

    assert status_and_cause(one)[0] == Status.ACTIVE
    assert dun(30).documents == 0
    assert not DunningNotice.objects.filter(document=document, action="terminate").exists()
