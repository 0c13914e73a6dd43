"""Every row lock e-Factura takes (select_for_update), in one place and one order.

Order, so two writers never wait on each other in a circle: a submission before its uploads
(at_anaf locks the submission, then the upload); the deadline watch locks the overdue
submissions ordered by deadline and pk; the ANAF token is locked alone, in a transaction of its
own (tokens._refresh). e-Factura locks only its own rows: billing's documents are read, never
locked, here. Each function must be called inside the caller's transaction.atomic().
"""

from __future__ import annotations

from datetime import date

from django.conf import settings

from praho.efactura.models import AnafToken, Submission, SubmissionState, Upload


def submission(submission_id: int) -> Submission:
    """The submission, read whole (its answer may move) and locked."""
    return Submission.objects.select_for_update().get(pk=submission_id)


def upload(upload_id: int) -> Upload:
    """An upload, locked after its submission."""
    return Upload.objects.select_for_update().get(pk=upload_id)


def overdue_submissions(today: date) -> list[Submission]:
    """The submissions past their deadline (before `today`), not accepted and not announced yet,
    with their documents and customers (not locked: only the submissions' rows are)."""
    return list(
        Submission.objects.select_for_update(of=("self",))
        .defer("answer")
        .select_related("document__customer")
        .filter(deadline__lt=today, overdue_notified_at__isnull=True)
        .exclude(state=SubmissionState.ACCEPTED)
        .order_by("deadline", "pk")
    )


def anaf_token() -> AnafToken | None:
    """PRAHO's ANAF authorization, locked while it is refreshed (ANAF may rotate the refresh token)."""
    return AnafToken.objects.select_for_update().filter(client_id=settings.EFACTURA_CLIENT_ID).first()
