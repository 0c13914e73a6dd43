"""Deadline watch: staff are told, once per document, when ANAF has not accepted it in time.

ANAF must accept an issued invoice or credit note within 5 working days of its issue date
(Submission.deadline). A daily task (`efactura.notify_overdue`, beat entry in settings) emails
the staff who may submit documents (efactura.submit_efactura) the list of documents newly past
their deadline and not accepted, each in the recipient's language; a document is announced
once (Submission.overdue_notified_at), whatever its state does afterwards. The dashboard keeps
listing every overdue document.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from celery import shared_task
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from praho.accounts.models import User
from praho.audit.services import EventSpec, record_events
from praho.core.validation import fiscal_today
from praho.efactura import locks
from praho.efactura.models import Submission

logger = logging.getLogger(__name__)

RECIPIENT_PERMISSION = ("efactura", "submit_efactura")


@dataclass(frozen=True)
class OverdueLine:
    number: str
    customer: str
    issue_date: str
    deadline: str
    state: str
    link: str


def recipients() -> list[User]:
    """Active staff allowed to submit documents: through a role (group), directly, or superusers."""
    app_label, codename = RECIPIENT_PERMISSION
    permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    allowed = (
        Q(is_superuser=True) | Q(groups__permissions__in=permission) | Q(user_permissions__in=permission)
    )
    return list(User.objects.filter(allowed, is_active=True, is_staff=True).distinct().order_by("email"))


def notify_overdue() -> int:
    """Announce the submissions past their deadline and not accepted that were not announced
    yet; the number announced. Nothing is marked when no one can be told, so they are
    announced once someone can be."""
    today = fiscal_today()
    people = recipients()
    if not people:
        logger.warning("e-Factura documents may be overdue but no active staff may submit them")
        return 0
    with transaction.atomic():
        overdue = locks.overdue_submissions(today)
        if not overdue:
            return 0
        now = timezone.now()
        Submission.objects.filter(pk__in=[s.pk for s in overdue]).update(overdue_notified_at=now)
        emails = [person.email for person in people]
        record_events(
            [
                EventSpec(
                    "efactura.overdue_notified",
                    target=submission.document,
                    data={"deadline": submission.deadline, "state": submission.state, "recipients": emails},
                )
                for submission in overdue
            ]
        )
        ids = [submission.pk for submission in overdue]
        transaction.on_commit(lambda: _send(ids, [person.pk for person in people]))
    return len(overdue)


def _send(submission_ids: list[int], user_ids: list[int]) -> None:
    """One email per recipient, in their language, listing every newly overdue document."""
    overdue = list(
        Submission.objects.defer("answer")
        .select_related("document__customer")
        .filter(pk__in=submission_ids)
        .order_by("deadline", "pk")
    )
    messages = []
    for person in User.objects.filter(pk__in=user_ids).order_by("email"):
        with translation.override(person.language or settings.LANGUAGE_CODE):
            messages.append(_message(person, overdue))
    with get_connection() as connection:
        connection.send_messages(messages)


def _message(person: User, overdue: list[Submission]) -> EmailMessage:
    lines = [
        OverdueLine(
            number=submission.document.number,
            customer=submission.document.customer.name,
            issue_date=submission.document.issue_date.isoformat(),
            deadline=submission.deadline.isoformat(),
            state=str(submission.get_state_display()),
            link=settings.PRAHO_BASE_URL + reverse("billing:document", args=[submission.document_id]),
        )
        for submission in overdue
    ]
    subject = ngettext(
        "e-Factura: %(count)d document is past its deadline at ANAF",
        "e-Factura: %(count)d documents are past their deadline at ANAF",
        len(lines),
    ) % {"count": len(lines)}
    body = render_to_string(
        "efactura/email/overdue.txt",
        {
            "lines": lines,
            "dashboard": settings.PRAHO_BASE_URL + reverse("efactura:dashboard"),
            "site_name": settings.PRAHO_SITE_NAME,
            "intro": _("ANAF has not accepted these documents within 5 working days of their issue date:"),
        },
    )
    return EmailMessage(subject, body, None, [person.email])


@shared_task(name="efactura.notify_overdue", time_limit=120, soft_time_limit=100)
def notify_overdue_task() -> int:
    return notify_overdue()
