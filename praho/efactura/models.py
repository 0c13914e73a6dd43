"""What PRAHO keeps of its connection to ANAF: the OAuth2 tokens and the pending authorizations.

The document submissions and their states live beside these (added with the submission
state machine); the tokens are shared by every submission.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AnafToken(models.Model):
    """ANAF's tokens for one OAuth client (the application registered at ANAF).

    One row per client id: a refresh token only works with the client it was issued to,
    so changing EFACTURA_CLIENT_ID means connecting again. The tokens are stored only as
    Fernet ciphertext (praho.efactura.tokens encrypts and decrypts them with
    EFACTURA_TOKEN_KEY); a database dump alone does not let anyone act at ANAF for us.
    """

    client_id = models.CharField(_("client id"), max_length=200, unique=True)
    access_token_encrypted = models.TextField(_("access token (encrypted)"))
    refresh_token_encrypted = models.TextField(_("refresh token (encrypted)"))
    scope = models.CharField(_("scope"), max_length=200, blank=True)
    expires_at = models.DateTimeField(_("access token expires"))
    refresh_expires_at = models.DateTimeField(_("refresh token expires"), null=True, blank=True)
    obtained_at = models.DateTimeField(_("obtained"))
    obtained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    refreshed_at = models.DateTimeField(_("last refreshed"), null=True, blank=True)
    # The last failed refresh, cleared by the next success: shown on the staff page, since
    # uploads stop once the access token expires.
    refresh_failed_at = models.DateTimeField(_("refresh failed"), null=True, blank=True)
    refresh_error = models.TextField(_("refresh error"), blank=True)

    class Meta:
        verbose_name = _("ANAF token")
        verbose_name_plural = _("ANAF tokens")
        permissions = [("manage_anaf", _("Can connect PRAHO to ANAF e-Factura"))]

    def __str__(self) -> str:
        return f"ANAF token ({self.client_id})"


class OAuthState(models.Model):
    """One authorization started at ANAF: the `state` sent there must come back to the callback.

    It ties the callback to the staff user who started it, is used once and expires, so a
    forged or replayed callback (login CSRF) cannot plant someone else's tokens.
    """

    state = models.CharField(_("state"), max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("created"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        verbose_name = _("ANAF authorization request")
        verbose_name_plural = _("ANAF authorization requests")

    def __str__(self) -> str:
        return f"ANAF authorization by {self.created_by_id} at {self.created_at:%Y-%m-%d %H:%M}"


class SubmissionState(models.TextChoices):
    NOT_SUBMITTED = "not_submitted", _("Not submitted")
    INVALID = "invalid", _("Failed validation")
    VALIDATED = "validated", _("Validated")
    # An upload was sent and no answer came back (timeout, dropped connection): ANAF may or may
    # not have it. Resolved by asking ANAF (message list) before anything is sent again.
    UNKNOWN = "unknown", _("Upload outcome unknown")
    UPLOADED = "uploaded", _("Uploaded")
    PROCESSING = "processing", _("Processing at ANAF")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


# States in which ANAF may hold the document: nothing is uploaded again from them.
AT_ANAF = (
    SubmissionState.UNKNOWN,
    SubmissionState.UPLOADED,
    SubmissionState.PROCESSING,
    SubmissionState.ACCEPTED,
)


class Submission(models.Model):
    """One issued invoice's or credit note's way to ANAF e-Factura, and where it stands.

    The document itself never changes; a rejected one is fixed with a credit note and a new
    invoice, each with its own submission. `state` moves only through praho.efactura.submissions.
    """

    document = models.OneToOneField(
        "billing.Document", on_delete=models.PROTECT, related_name="efactura_submission"
    )
    state = models.CharField(
        _("state"), max_length=16, choices=SubmissionState.choices, default=SubmissionState.NOT_SUBMITTED
    )
    # The last day ANAF must have accepted it: 5 working days after the issue date
    # (Romanian public holidays excluded).
    deadline = models.DateField(_("deadline"))
    # The last validation: {"state", "reason", "failures": [{"rule_id", "flag", "text", "location"}]}.
    validation = models.JSONField(_("validation"), default=dict, blank=True)
    validated_at = models.DateTimeField(_("validated"), null=True, blank=True)
    # The XML as validated, sent as it is: regenerating it at upload could send bytes that were
    # never validated (a deploy between the two). Its SHA-256 is checked before it is sent.
    xml = models.BinaryField(_("validated XML"), null=True, blank=True, editable=False)
    xml_sha256 = models.CharField(_("validated XML SHA-256"), max_length=64, blank=True)
    # EFACTURA_ENVIRONMENT ("test" or "prod") of the last upload: a test upload has no fiscal effect.
    environment = models.CharField(_("ANAF environment"), max_length=8, blank=True)
    upload_index = models.CharField(_("ANAF upload index"), max_length=32, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded"), null=True, blank=True)
    download_id = models.CharField(_("ANAF download id"), max_length=32, blank=True)
    # ANAF's signed answer (ZIP), archived: ANAF keeps it only 60 days.
    answer = models.BinaryField(_("ANAF's signed answer"), null=True, blank=True, editable=False)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    # ANAF's errors when it rejected the document: [{"code", "message"}].
    errors = models.JSONField(_("ANAF's errors"), default=list, blank=True)
    # Retries of the current step after a network error or HTTP 429, with backoff.
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    # Status polls ANAF refused outright (e.g. an index it does not know) since the last answer:
    # after POLL_REFUSALS_MAX the polls stop and a staff submit looks in the message list instead.
    poll_refusals = models.PositiveIntegerField(_("status polls refused"), default=0)
    overdue_notified_at = models.DateTimeField(_("staff told it is overdue"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("e-Factura submission")
        verbose_name_plural = _("e-Factura submissions")
        permissions = [("submit_efactura", _("Can submit documents to ANAF e-Factura"))]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="efactura_sub_due"),
            models.Index(fields=["state", "deadline"], name="efactura_sub_deadline"),
        ]

    def __str__(self) -> str:
        return f"e-Factura {self.document_id}: {self.state}"


class UploadOutcome(models.TextChoices):
    SENT = "sent", _("Sent, no answer yet")
    REGISTERED = "registered", _("Registered by ANAF")
    REFUSED = "refused", _("Refused at upload")
    NEVER_REACHED = "never_reached", _("Never reached ANAF")


class Upload(models.Model):
    """Every upload request sent to ANAF for a submission, written before it is sent: the
    record that enforces "at most once" and tells what happened to an unanswered one."""

    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="uploads")
    sent_at = models.DateTimeField(_("sent"))
    # EFACTURA_ENVIRONMENT ("test" or "prod") it was sent to: what ANAF did with it holds there only.
    environment = models.CharField(_("ANAF environment"), max_length=8, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=UploadOutcome.choices, default=UploadOutcome.SENT
    )
    index = models.CharField(_("ANAF upload index"), max_length=32, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    detail = models.TextField(_("detail"), blank=True)
    # While the outcome is unknown: the ids of the messages in ANAF's list already downloaded and
    # found to hold another invoice, so they are not downloaded again (ANAF limits downloads a day).
    checked_messages = models.JSONField(_("ANAF messages checked"), default=list, blank=True)
    # The end of the last look in ANAF's message list that completed: an upload is given up only
    # after a look that ended past the grace period found nothing.
    last_listed_at = models.DateTimeField(_("last looked for in ANAF's list"), null=True, blank=True)
    # ANAF accepted the document with this upload: it is never uploaded to that environment again
    # (praho.efactura.submissions.environment). When the submission moves to the other environment, ANAF's
    # signed answer stays here, and comes back to the submission when the environment does.
    accepted_at = models.DateTimeField(_("accepted by ANAF"), null=True, blank=True)
    download_id = models.CharField(_("ANAF download id"), max_length=32, blank=True)
    answer = models.BinaryField(_("ANAF's signed answer"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("e-Factura upload")
        verbose_name_plural = _("e-Factura uploads")
        ordering = ("sent_at", "id")

    def __str__(self) -> str:
        return f"upload {self.index or '?'} of {self.submission_id}: {self.outcome}"
