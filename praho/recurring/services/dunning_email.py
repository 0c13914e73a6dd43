"""Dunning's reminder e-mails: text and HTML, in the customer's document language (as billing's
document e-mails: the tax profile's language), to the address billing sends documents to.

The reminder's DunningNotice row is the delivery log: it is written in dunning's transaction and
the e-mail leaves once that commits (`send_reminder`, from transaction.on_commit), so a run rolled
back sends nothing and a run repeated sends nothing more. Should the mail server refuse it, the
notice's detail says so for staff (the reminder is not tried again: the next step's reminder
follows the schedule)."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from praho.billing.models import Document
from praho.billing.pdf.context import document_language
from praho.billing.services.drafts import current_seller
from praho.core.formatting import format_date, format_money
from praho.core.validation import FISCAL_TIME_ZONE
from praho.recurring import dunning_queries as queries
from praho.recurring.models import DunningNotice

logger = logging.getLogger(__name__)

TEMPLATES = "recurring/email/"
DETAIL_MAX = DunningNotice._meta.get_field("detail").max_length or 500


def language_of(document: Document) -> str:
    """ro, en or bg: the language the customer's documents are in."""
    return document_language(document)


def timing(days: int) -> str:
    """Which wording a reminder takes: before, on or after the due date."""
    if days < 0:
        return "before"
    return "on" if days == 0 else "after"


def pay_url(document: Document) -> str:
    """The customer area's page of the document, with its payment details and "Pay by card"."""
    path = reverse("billing:area-document", kwargs={"document_id": document.pk})
    return f"{settings.PRAHO_BASE_URL}{path}"


def reminder_context(notice: DunningNotice, language: str, on: date) -> dict[str, Any]:
    """What the templates show. The wording follows the day dunning ran (`on`), not the step's
    day: the latest reminder sent after days without a run says how late the payment really is."""
    document = notice.document
    payable = queries.payable_document(document) or document
    seller = document.seller or current_seller()
    since = (on - document.due_date).days
    suspend_on = queries.suspension_date(document, since)
    return {
        "language": language,
        "timing": timing(since),
        "days": abs(since),
        "customer_name": (document.buyer or {}).get("name") or document.customer.name,
        "title": payable.get_document_type_display(),
        "number": payable.number,
        "amount_due": format_money(queries.amount_owed(payable), payable.currency, language),
        "due_date": format_date(document.due_date, language),
        "suspend_on": format_date(suspend_on, language) if suspend_on else "",
        "pay_url": pay_url(payable),
        "payment_reference": payable.number,
        "seller_name": seller.name,
    }


def reminder_message(notice: DunningNotice, *, on: date | None = None) -> EmailMultiAlternatives:
    """The reminder of a notice, as of `on` (default: the day it was written): subject, text and
    HTML bodies in the notice's language."""
    language = notice.language or language_of(notice.document)
    on = on or timezone.localdate(notice.created_at, timezone=FISCAL_TIME_ZONE)
    with translation.override(language):
        context = reminder_context(notice, language, on)
        subject = " ".join(render_to_string(TEMPLATES + "reminder_subject.txt", context).split())
        text = render_to_string(TEMPLATES + "reminder.txt", context)
        html = render_to_string(TEMPLATES + "reminder.html", context)
    seller = notice.document.seller or current_seller()
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notice.email],
        reply_to=[seller.email] if seller.email else None,
        headers={"Content-Language": language},
    )
    message.attach_alternative(html, "text/html")
    return message


def send_reminder(notice_id: int, *, on: date | None = None) -> bool:
    """Send a reminder dunning wrote on `on` (called once its transaction committed); False, with
    the reason in the notice's detail, when it could not be sent."""
    notice = DunningNotice.objects.select_related("document__customer", "document__seller").get(pk=notice_id)
    try:
        reminder_message(notice, on=on).send()
    except Exception as error:  # SMTP or rendering: staff see why on the notice
        logger.exception("Dunning reminder %s was not sent", notice_id)
        detail = _("Not sent: %(error)s") % {"error": f"{type(error).__name__}: {error}"}
        DunningNotice.objects.filter(pk=notice_id).update(detail=detail[:DETAIL_MAX])
        return False
    return True
